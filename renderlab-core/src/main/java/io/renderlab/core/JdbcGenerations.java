package io.renderlab.core;

import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.Jdbc;
import io.renderlab.core.internal.JdbcThumbnailJobQueue;
import io.renderlab.core.internal.Leases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Generations in the {@code generations} table. Obtained from {@link
 * JdbcImageCatalog#generations()}.
 */
final class JdbcGenerations implements GenerationStore {
  private static final String COLUMNS =
      "id, user_id, kind, model, prompt, image_url, mask_url, base_url, collection_id, input_json, prediction_id, "
          + "status, error, attempts, run_after, deadline, lease_owner, lease_until, created_at, updated_at, "
          + "target, reference_url, record_kind, key_prefix, composite_mask";

  private final Jdbc jdbc;
  private final Clock clock;
  private final boolean postgres;
  private final JdbcThumbnailJobQueue jobs;
  private final Leases leases;
  private final String unfinished;
  private final String generationsTable;
  private final String imagesTable;

  JdbcGenerations(
      Jdbc jdbc, Clock clock, boolean postgres, JdbcThumbnailJobQueue jobs, TableNames tables) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.postgres = postgres;
    this.jobs = jobs;
    this.generationsTable = tables.generations();
    this.imagesTable = tables.images();
    this.leases = Leases.generations(jdbc, postgres, generationsTable);
    this.unfinished = leases.unfinished();
  }

  @Override
  public Generation create(Generation g, String owner, Duration lease) {
    Objects.requireNonNull(g, "pending");
    Args.identifier(owner, "owner", 255);
    Args.positive(lease, "lease");
    if (g.status() != GenerationStatus.PENDING) {
      throw new IllegalArgumentException("a new generation must be PENDING, was " + g.status());
    }
    Instant now = clock.instant();
    Instant until = now.plus(lease);
    jdbc.run(
        "write generation " + g.id(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO "
                      + generationsTable
                      + " ("
                      + COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'PENDING', NULL, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Jdbc.setUuid(ps, 1, g.id());
            ps.setString(2, g.userId());
            ps.setString(3, g.kind().name());
            ps.setString(4, g.model());
            ps.setString(5, g.prompt());
            ps.setString(6, g.imageUrl().orElse(null));
            ps.setString(7, g.maskUrl().orElse(null));
            ps.setString(8, g.baseUrl().orElse(null));
            Jdbc.setUuid(ps, 9, g.collectionId().orElse(null));
            ps.setString(10, g.inputJson());
            // Leased at once: run_after is the lease's end (see Leases), due if the lease lapses.
            Jdbc.setInstant(ps, 11, until);
            Jdbc.setInstant(ps, 12, g.deadline());
            ps.setString(13, owner);
            Jdbc.setInstant(ps, 14, until);
            Jdbc.setInstant(ps, 15, g.createdAt());
            Jdbc.setInstant(ps, 16, now);
            ps.setString(17, g.target().name());
            ps.setString(18, g.referenceUrl().orElse(null));
            ps.setString(19, g.recordKind().name());
            ps.setString(20, g.keyPrefix());
            ps.setBoolean(21, g.compositeOutsideMask());
            ps.executeUpdate();
          }
          return null;
        });
    return g.with(
        Optional.empty(),
        GenerationStatus.PENDING,
        Optional.empty(),
        0,
        Optional.of(owner),
        Optional.of(until),
        now);
  }

  @Override
  public Optional<Generation> find(UUID id) {
    Objects.requireNonNull(id, "id");
    return jdbc.run(
        "read generation " + id,
        c ->
            one(
                c,
                "SELECT " + COLUMNS + " FROM " + generationsTable + " WHERE id = ?",
                ps -> Jdbc.setUuid(ps, 1, id)));
  }

  @Override
  public Optional<Generation> findByPrediction(String predictionId) {
    Args.identifier(predictionId, "predictionId", ImageRecord.MAX_ID_LENGTH);
    return jdbc.run(
        "find the generation of prediction " + predictionId,
        c ->
            one(
                c,
                "SELECT " + COLUMNS + " FROM " + generationsTable + " WHERE prediction_id = ?",
                ps -> ps.setString(1, predictionId)));
  }

  @Override
  public List<Generation> list(String userId, Optional<GenerationStatus> status, int limit) {
    Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    Objects.requireNonNull(status, "status");
    Args.range(limit, "limit", 1, MAX_LIST);
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM "
            + generationsTable
            + " WHERE user_id = ?"
            + (status.isPresent() ? " AND status = ?" : "")
            + " ORDER BY created_at DESC, id DESC LIMIT ?";
    return jdbc.run(
        "list the generations of a user",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, userId);
            if (status.isPresent()) {
              ps.setString(i++, status.get().name());
            }
            ps.setInt(i, limit);
            return readAll(ps);
          }
        });
  }

  @Override
  public int countUnfinished(String userId) {
    Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    return jdbc.run(
        "count the unfinished generations of a user",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT COUNT(*) FROM "
                      + generationsTable
                      + " WHERE user_id = ?"
                      + " AND status IN ('PENDING', 'RUNNING', 'INGESTING')")) {
            ps.setString(1, userId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  @Override
  public boolean started(UUID id, String predictionId) {
    Objects.requireNonNull(id, "id");
    Args.identifier(predictionId, "predictionId", ImageRecord.MAX_ID_LENGTH);
    try {
      return update(
              "save the prediction of generation " + id,
              "UPDATE "
                  + generationsTable
                  + " SET prediction_id = ?, status = 'RUNNING', error = NULL, updated_at = ? "
                  + "WHERE id = ? AND prediction_id IS NULL AND status = 'PENDING'",
              ps -> {
                ps.setString(1, predictionId);
                Jdbc.setInstant(ps, 2, clock.instant());
                Jdbc.setUuid(ps, 3, id);
              })
          == 1;
    } catch (CatalogException e) {
      if (e.getCause() instanceof SQLException
          && Jdbc.isUniqueViolation((SQLException) e.getCause())) {
        return false; // another generation holds this prediction: a prediction has one generation
      }
      throw e;
    }
  }

  @Override
  public boolean claimIngest(UUID id, String owner, Duration lease) {
    Objects.requireNonNull(id, "id");
    Args.identifier(owner, "owner", 255);
    Args.positive(lease, "lease");
    Instant now = clock.instant();
    return leases.leaseRow(
        id, owner, now, now.plus(lease), Leases.Assign.sql("status", "'INGESTING'"));
  }

  @Override
  public List<Generation> awaitingPrediction(String model, Instant from, Instant to) {
    Args.identifier(model, "model", ImageRecord.MAX_ID_LENGTH);
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return jdbc.run(
        "find generations whose create was not answered",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM "
                      + generationsTable
                      + " WHERE model = ? AND created_at >= ? AND created_at <= ? "
                      + "AND prediction_id IS NULL AND "
                      + unfinished
                      + " ORDER BY created_at, id LIMIT 1000")) {
            ps.setString(1, model);
            Jdbc.setInstant(ps, 2, from);
            Jdbc.setInstant(ps, 3, to);
            return readAll(ps);
          }
        });
  }

  @Override
  public boolean ingesting(UUID id) {
    Objects.requireNonNull(id, "id");
    return update(
            "mark generation " + id + " ingesting",
            "UPDATE "
                + generationsTable
                + " SET status = 'INGESTING', updated_at = ? WHERE id = ? AND "
                + unfinished,
            ps -> {
              Jdbc.setInstant(ps, 1, clock.instant());
              Jdbc.setUuid(ps, 2, id);
            })
        == 1;
  }

  @Override
  public List<ImageRecord> complete(UUID id, List<ImageRecord> records) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(records, "records");
    if (records.isEmpty()) {
      throw new IllegalArgumentException(
          "records must hold the generation's outputs; use finish() to end it without any");
    }
    Instant now = clock.instant();
    List<ImageRecord> result;
    try {
      result =
          jdbc.inTransaction(
              "complete generation " + id,
              c -> {
                // Claims the row first: a concurrent completion waits on its lock, then sees it
                // ended.
                if (!leases.finish(
                    c,
                    id,
                    Optional.empty(),
                    now,
                    Leases.Assign.sql("status", "'SUCCEEDED'"),
                    Leases.Assign.sql("error", "NULL"))) {
                  return null; // ended already: read what it ended with below
                }
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "INSERT INTO "
                            + imagesTable
                            + " ("
                            + JdbcImageCatalog.COLUMNS
                            + ", generation_id, output_index) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                  for (int i = 0; i < records.size(); i++) {
                    JdbcImageCatalog.bind(ps, records.get(i));
                    Jdbc.setUuid(ps, JdbcImageCatalog.BOUND + 1, id);
                    ps.setInt(JdbcImageCatalog.BOUND + 2, i);
                    ps.executeUpdate();
                    if (records.get(i).thumbUrl().isEmpty()) {
                      jobs.insertPending(c, records.get(i).id(), now);
                    }
                  }
                }
                return List.copyOf(records);
              });
    } catch (CatalogException e) {
      if (!(e.getCause() instanceof SQLException)
          || !Jdbc.isUniqueViolation((SQLException) e.getCause())) {
        throw e;
      }
      result = null; // another path recorded this prediction's outputs first
    }
    if (result == null) {
      return records(id);
    }
    jobs.notifyEnqueued();
    return result;
  }

  @Override
  public boolean finish(UUID id, GenerationStatus status, String error) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    if (status != GenerationStatus.FAILED
        && status != GenerationStatus.CANCELED
        && status != GenerationStatus.EXPIRED) {
      throw new IllegalArgumentException(
          "finish ends a generation FAILED, CANCELED or EXPIRED; use complete() for SUCCEEDED");
    }
    return leases.finish(
        id,
        Optional.empty(),
        clock.instant(),
        Leases.Assign.of("status", status.name()),
        Leases.Assign.of("error", Generation.trimError(error)));
  }

  @Override
  public List<Generation> lease(String owner, int max, Duration lease) {
    Args.identifier(owner, "owner", 255);
    Args.range(max, "max", 1, 1000);
    Args.positive(lease, "lease");
    Instant now = clock.instant();
    return leases.lease(owner, max, now, now.plus(lease), COLUMNS, JdbcGenerations::read);
  }

  @Override
  public int renew(String owner, Collection<UUID> ids, Duration lease) {
    Args.identifier(owner, "owner", 255);
    Objects.requireNonNull(ids, "ids");
    Args.positive(lease, "lease");
    Instant now = clock.instant();
    return leases.renew(owner, ids, now, now.plus(lease));
  }

  @Override
  public boolean retryLater(UUID id, String owner, String error, Instant runAfter) {
    Objects.requireNonNull(id, "id");
    Args.identifier(owner, "owner", 255);
    Objects.requireNonNull(runAfter, "runAfter");
    return leases.retryLater(
        id,
        owner,
        clock.instant(),
        runAfter,
        Leases.Assign.of("error", Generation.trimError(error)));
  }

  @Override
  public int release(String owner) {
    Args.identifier(owner, "owner", 255);
    return leases.release(owner, clock.instant());
  }

  @Override
  public List<ImageRecord> records(UUID generationId) {
    Objects.requireNonNull(generationId, "generationId");
    return jdbc.run(
        "read the records of generation " + generationId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + JdbcImageCatalog.COLUMNS
                      + " FROM "
                      + imagesTable
                      + " WHERE generation_id = ? ORDER BY output_index, id")) {
            Jdbc.setUuid(ps, 1, generationId);
            return JdbcImageCatalog.readAll(ps);
          }
        });
  }

  @Override
  public String toString() {
    return "JdbcGenerations{postgres=" + postgres + '}';
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private int update(String what, String sql, Binder binder) {
    return jdbc.run(
        what,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
          }
        });
  }

  private static Optional<Generation> one(Connection c, String sql, Binder binder)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      List<Generation> rows = readAll(ps);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
  }

  private static List<Generation> readAll(PreparedStatement ps) throws SQLException {
    List<Generation> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(read(rs));
      }
    }
    return out;
  }

  private static Generation read(ResultSet rs) throws SQLException {
    return new Generation(
        Jdbc.getUuid(rs, "id"),
        rs.getString("user_id"),
        GenerationKind.valueOf(rs.getString("kind")),
        Generation.Target.valueOf(rs.getString("target")),
        rs.getString("model"),
        rs.getString("prompt"),
        Optional.ofNullable(rs.getString("image_url")),
        Optional.ofNullable(rs.getString("mask_url")),
        Optional.ofNullable(rs.getString("base_url")),
        Optional.ofNullable(rs.getString("reference_url")),
        ImageKind.valueOf(rs.getString("record_kind")),
        rs.getString("key_prefix"),
        rs.getBoolean("composite_mask"),
        Optional.ofNullable(Jdbc.getUuid(rs, "collection_id")),
        rs.getString("input_json"),
        Optional.ofNullable(rs.getString("prediction_id")),
        GenerationStatus.valueOf(rs.getString("status")),
        Optional.ofNullable(rs.getString("error")),
        rs.getInt("attempts"),
        Optional.ofNullable(rs.getString("lease_owner")),
        Optional.ofNullable(Jdbc.getInstant(rs, "lease_until")),
        Jdbc.getInstant(rs, "deadline"),
        Jdbc.getInstant(rs, "created_at"),
        Jdbc.getInstant(rs, "updated_at"));
  }
}
