package io.renderlab.core.internal;

import io.renderlab.core.BackfillStep;
import io.renderlab.core.TableNames;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.ThumbnailJobStatus;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thumbnail jobs in the {@code thumbnail_jobs} table. Not public API: use {@code
 * JdbcImageCatalog.thumbnailJobs()}.
 */
public final class JdbcThumbnailJobQueue implements ThumbnailJobQueue {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcThumbnailJobQueue.class);
  private static final int MAX_ERROR_LENGTH = 2000;

  private final Jdbc jdbc;
  private final Clock clock;
  private final boolean postgres;
  private final Leases leases;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final String jobsTable;
  private final String imagesTable;

  /** Images that need a job (alias {@code i}): no thumbnail and no pending job. */
  private final String needsJob;

  /** Creates the queue on the default tables; {@code postgres} selects {@code SKIP LOCKED}. */
  public JdbcThumbnailJobQueue(Jdbc jdbc, Clock clock, boolean postgres) {
    this(jdbc, clock, postgres, TableNames.defaults());
  }

  /** Creates the queue; {@code postgres} selects {@code FOR UPDATE SKIP LOCKED} leasing. */
  public JdbcThumbnailJobQueue(Jdbc jdbc, Clock clock, boolean postgres, TableNames tables) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.postgres = postgres;
    this.jobsTable = tables.thumbnailJobs();
    this.imagesTable = tables.images();
    this.needsJob =
        "i.thumb_url IS NULL AND NOT EXISTS (SELECT 1 FROM "
            + jobsTable
            + " p WHERE p.image_id = i.id AND p.state = 'PENDING')";
    this.leases = Leases.thumbnailJobs(jdbc, postgres, jobsTable);
  }

  /** Inserts a pending job inside the caller's transaction. */
  public void insertPending(Connection c, UUID imageId, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + jobsTable
                + " (image_id, state, attempts, run_after, updated_at) VALUES (?, 'PENDING', 0, ?, ?)")) {
      Jdbc.setUuid(ps, 1, imageId);
      Jdbc.setInstant(ps, 2, now);
      Jdbc.setInstant(ps, 3, now);
      ps.executeUpdate();
    }
  }

  /** Tells this process's listeners that a job is waiting. */
  public void notifyEnqueued() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.warn("A thumbnail job listener failed; the job stays queued for the next poll", e);
      }
    }
  }

  @Override
  public void onEnqueue(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public boolean enqueue(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    boolean exists =
        jdbc.inTransaction(
            "enqueue the thumbnail of image " + imageId,
            c -> {
              try (PreparedStatement check =
                  c.prepareStatement("SELECT 1 FROM " + imagesTable + " WHERE id = ?")) {
                Jdbc.setUuid(check, 1, imageId);
                try (ResultSet rs = check.executeQuery()) {
                  if (!rs.next()) {
                    return false;
                  }
                }
              }
              Instant now = clock.instant();
              if (!resetUnlessLeased(c, imageId, now)) {
                insertIfAbsent(c, imageId, now);
              }
              return true;
            });
    if (exists) {
      notifyEnqueued();
    }
    return exists;
  }

  /**
   * Makes a job pending again with its attempts reset, unless a worker holds a live lease on it: a
   * job being rendered is left to its worker (whose render makes the thumbnail asked for), never
   * reset under it, so re-queueing cannot set a second worker on it or keep workers busy forever.
   *
   * @return whether a job row exists for the image (changed or left to its worker)
   */
  private boolean resetUnlessLeased(Connection c, UUID imageId, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + jobsTable
                + " SET state = 'PENDING', attempts = 0, run_after = ?, lease_owner = NULL, "
                + "lease_until = NULL, last_error = NULL, updated_at = ? WHERE image_id = ? "
                + "AND NOT ("
                + leases.unfinished()
                + " AND lease_until IS NOT NULL AND lease_until > ?)")) {
      Jdbc.setInstant(ps, 1, now);
      Jdbc.setInstant(ps, 2, now);
      Jdbc.setUuid(ps, 3, imageId);
      Jdbc.setInstant(ps, 4, now);
      if (ps.executeUpdate() == 1) {
        return true;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM " + jobsTable + " WHERE image_id = ?")) {
      Jdbc.setUuid(ps, 1, imageId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * A pending job for image {@code ?3} (run after {@code ?1}, updated at {@code ?2}) unless it has
   * one; on PostgreSQL a concurrent insert that committed first makes it a no-op.
   */
  private String insertIfAbsentSql() {
    return "INSERT INTO "
        + jobsTable
        + " (image_id, state, attempts, run_after, updated_at) "
        + "SELECT i.id, 'PENDING', 0, ?, ? FROM "
        + imagesTable
        + " i WHERE i.id = ? "
        + "AND NOT EXISTS (SELECT 1 FROM "
        + jobsTable
        + " j WHERE j.image_id = i.id)"
        + (postgres ? " ON CONFLICT (image_id) DO NOTHING" : "");
  }

  /** Inserts a pending job unless one exists (a concurrent enqueue that committed first wins). */
  private void insertIfAbsent(Connection c, UUID imageId, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(insertIfAbsentSql())) {
      Jdbc.setInstant(ps, 1, now);
      Jdbc.setInstant(ps, 2, now);
      Jdbc.setUuid(ps, 3, imageId);
      ps.executeUpdate();
    } catch (SQLException e) {
      if (!Jdbc.isUniqueViolation(e)) {
        throw e;
      }
      // inserted by a concurrent enqueue that committed first (H2 rolls back only this statement)
    }
  }

  @Override
  public List<ThumbnailJob> lease(String owner, int max, Duration leaseDuration) {
    Args.identifier(owner, "owner", 255);
    Args.range(max, "max", 1, 1000);
    Args.positive(leaseDuration, "leaseDuration");
    Instant now = clock.instant();
    Instant until = now.plus(leaseDuration);
    return leases.lease(
        owner,
        max,
        now,
        until,
        "image_id, attempts, last_error",
        rs ->
            new ThumbnailJob(
                Jdbc.getUuid(rs, "image_id"),
                rs.getInt("attempts"),
                owner,
                until,
                Optional.ofNullable(rs.getString("last_error"))));
  }

  @Override
  public int renew(String owner, Collection<UUID> imageIds, Duration leaseDuration) {
    Args.identifier(owner, "owner", 255);
    Objects.requireNonNull(imageIds, "imageIds");
    Args.positive(leaseDuration, "leaseDuration");
    if (imageIds.isEmpty()) {
      return 0;
    }
    Args.range(imageIds.size(), "imageIds.size()", 1, 1000);
    Instant now = clock.instant();
    return leases.renew(owner, imageIds, now, now.plus(leaseDuration));
  }

  @Override
  public boolean complete(UUID imageId, String owner) {
    Objects.requireNonNull(imageId, "imageId");
    Args.identifier(owner, "owner", 255);
    return leases.finish(
        imageId,
        Optional.of(owner),
        clock.instant(),
        Leases.Assign.sql("state", "'DONE'"),
        Leases.Assign.sql("last_error", "NULL"));
  }

  @Override
  public boolean fail(UUID imageId, String owner, String error, Instant retryAt) {
    Objects.requireNonNull(imageId, "imageId");
    Args.identifier(owner, "owner", 255);
    String message = error == null || error.isBlank() ? "unknown error" : error;
    String trimmed =
        message.length() > MAX_ERROR_LENGTH ? message.substring(0, MAX_ERROR_LENGTH) : message;
    Instant now = clock.instant();
    Leases.Assign lastError = Leases.Assign.of("last_error", trimmed);
    return retryAt == null
        ? leases.finish(
            imageId, Optional.of(owner), now, Leases.Assign.sql("state", "'FAILED'"), lastError)
        : leases.retryLater(imageId, owner, now, retryAt, lastError);
  }

  @Override
  public int release(String owner) {
    Args.identifier(owner, "owner", 255);
    return leases.release(owner, clock.instant());
  }

  /** Images per backfill transaction. */
  static final int BACKFILL_BATCH = 500;

  @Override
  public int backfill(int limit) {
    Args.range(limit, "limit", 1, 10_000_000);
    int enqueued = 0;
    Optional<UUID> after = Optional.empty();
    while (enqueued < limit) {
      BackfillStep step = backfillStep(after, Math.min(BACKFILL_BATCH, limit - enqueued));
      enqueued += step.enqueued().size();
      if (step.next().isEmpty()) {
        break;
      }
      after = step.next();
    }
    return enqueued;
  }

  @Override
  public BackfillStep backfillStep(Optional<UUID> after, int max) {
    Objects.requireNonNull(after, "after");
    Args.range(max, "max", 1, 10_000);
    Instant now = clock.instant();
    BackfillStep step =
        jdbc.inTransaction(
            "enqueue a backfill batch of thumbnail jobs", c -> backfillBatch(c, after, max, now));
    if (!step.enqueued().isEmpty()) {
      notifyEnqueued();
    }
    return step;
  }

  /**
   * One keyset batch: the ids (in id order, after {@code after}) of images that need a job, then a
   * set-based re-enqueue of their failed jobs and an {@code INSERT ... SELECT} of the missing ones,
   * bounded by the batch's last id. On PostgreSQL the rows are locked {@code SKIP LOCKED}, so a
   * concurrent backfill skips what this one is enqueueing instead of waiting for it.
   */
  private BackfillStep backfillBatch(Connection c, Optional<UUID> after, int max, Instant now)
      throws SQLException {
    List<UUID> ids = new ArrayList<>();
    UUID last = null;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT i.id FROM "
                + imagesTable
                + " i WHERE "
                + needsJob
                + (after.isPresent() ? " AND i.id > ?" : "")
                + " ORDER BY i.id LIMIT ?"
                + (postgres ? " FOR NO KEY UPDATE OF i SKIP LOCKED" : ""))) {
      int i = 1;
      if (after.isPresent()) {
        Jdbc.setUuid(ps, i++, after.get());
      }
      ps.setInt(i, max);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          last = Jdbc.getUuid(rs, "id");
          ids.add(last);
        }
      }
    }
    if (ids.isEmpty()) {
      return new BackfillStep(List.of(), Optional.empty());
    }
    List<UUID> enqueued = postgres ? enqueueSetBased(c, ids, now) : enqueueEach(c, ids, now);
    // Not "fewer than max, so done": SKIP LOCKED may have passed over rows another backfill holds.
    return new BackfillStep(enqueued, Optional.of(last));
  }

  /**
   * PostgreSQL: two set-based statements; {@code RETURNING} reports only the rows this transaction
   * changed (a concurrent backfill that committed first has made them pending: the update's
   * re-check and {@code ON CONFLICT DO NOTHING} skip them).
   */
  private List<UUID> enqueueSetBased(Connection c, List<UUID> ids, Instant now)
      throws SQLException {
    String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
    List<UUID> out = new ArrayList<>();
    try (PreparedStatement reset =
        c.prepareStatement(
            "UPDATE "
                + jobsTable
                + " SET state = 'PENDING', attempts = 0, run_after = ?, lease_owner = NULL, "
                + "lease_until = NULL, last_error = NULL, updated_at = ? WHERE state <> 'PENDING' AND image_id IN ("
                + marks
                + ") RETURNING image_id")) {
      Jdbc.setInstant(reset, 1, now);
      Jdbc.setInstant(reset, 2, now);
      for (int k = 0; k < ids.size(); k++) {
        Jdbc.setUuid(reset, 3 + k, ids.get(k));
      }
      collect(reset, out);
    }
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO "
                + jobsTable
                + " (image_id, state, attempts, run_after, updated_at) "
                + "SELECT i.id, 'PENDING', 0, ?, ? FROM "
                + imagesTable
                + " i WHERE i.id IN ("
                + marks
                + ") "
                + "AND NOT EXISTS (SELECT 1 FROM "
                + jobsTable
                + " j WHERE j.image_id = i.id) "
                + "ON CONFLICT (image_id) DO NOTHING RETURNING image_id")) {
      Jdbc.setInstant(insert, 1, now);
      Jdbc.setInstant(insert, 2, now);
      for (int k = 0; k < ids.size(); k++) {
        Jdbc.setUuid(insert, 3 + k, ids.get(k));
      }
      collect(insert, out);
    }
    return out;
  }

  private static void collect(PreparedStatement ps, List<UUID> out) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(Jdbc.getUuid(rs, "image_id"));
      }
    }
  }

  /** Elsewhere (H2): a conditional update or insert per image, counted by its update count. */
  private List<UUID> enqueueEach(Connection c, List<UUID> ids, Instant now) throws SQLException {
    List<UUID> out = new ArrayList<>();
    try (PreparedStatement reset =
            c.prepareStatement(
                "UPDATE "
                    + jobsTable
                    + " SET state = 'PENDING', attempts = 0, run_after = ?, lease_owner = NULL, "
                    + "lease_until = NULL, last_error = NULL, updated_at = ? WHERE image_id = ? AND state <> 'PENDING'");
        PreparedStatement insert = c.prepareStatement(insertIfAbsentSql())) {
      for (UUID id : ids) {
        Jdbc.setInstant(reset, 1, now);
        Jdbc.setInstant(reset, 2, now);
        Jdbc.setUuid(reset, 3, id);
        if (reset.executeUpdate() == 1) {
          out.add(id);
          continue;
        }
        Jdbc.setInstant(insert, 1, now);
        Jdbc.setInstant(insert, 2, now);
        Jdbc.setUuid(insert, 3, id);
        try {
          if (insert.executeUpdate() == 1) {
            out.add(id);
          }
        } catch (SQLException e) {
          if (!Jdbc.isUniqueViolation(e)) {
            throw e;
          }
          // inserted by a concurrent backfill that committed first (H2 rolls back only this
          // statement)
        }
      }
    }
    return out;
  }

  @Override
  public Optional<ThumbnailJobStatus> status(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    return jdbc.run(
        "read the thumbnail job of image " + imageId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT state, attempts, last_error FROM " + jobsTable + " WHERE image_id = ?")) {
            Jdbc.setUuid(ps, 1, imageId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new ThumbnailJobStatus(
                      ThumbnailJobStatus.State.valueOf(rs.getString("state")),
                      rs.getInt("attempts"),
                      Optional.ofNullable(rs.getString("last_error"))));
            }
          }
        });
  }

  @Override
  public List<UUID> pendingJobs(Optional<UUID> after, int max) {
    Objects.requireNonNull(after, "after");
    Args.range(max, "max", 1, 10_000);
    return jdbc.run(
        "list pending thumbnail jobs",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  // run_after: as pending() counts them (a pending job is in the lease index)
                  "SELECT image_id FROM "
                      + jobsTable
                      + " WHERE state = 'PENDING' AND run_after IS NOT NULL"
                      + (after.isPresent() ? " AND image_id > ?" : "")
                      + " ORDER BY image_id LIMIT ?")) {
            int i = 1;
            if (after.isPresent()) {
              Jdbc.setUuid(ps, i++, after.get());
            }
            ps.setInt(i, max);
            List<UUID> ids = new ArrayList<>();
            collect(ps, ids);
            return ids;
          }
        });
  }

  @Override
  public java.util.Map<UUID, ThumbnailJobStatus> statuses(Collection<UUID> imageIds) {
    Objects.requireNonNull(imageIds, "imageIds");
    if (imageIds.isEmpty()) {
      return java.util.Map.of();
    }
    Args.range(imageIds.size(), "imageIds.size()", 1, 1000);
    List<UUID> ids = List.copyOf(imageIds);
    return jdbc.run(
        "read the thumbnails of " + ids.size() + " image(s)",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT i.id AS image_id, i.thumb_url, j.state, j.attempts, j.last_error "
                      + "FROM "
                      + imagesTable
                      + " i LEFT JOIN "
                      + jobsTable
                      + " j ON j.image_id = i.id WHERE i.id IN ("
                      + Leases.marks(ids.size())
                      + ")")) {
            for (int k = 0; k < ids.size(); k++) {
              Jdbc.setUuid(ps, 1 + k, ids.get(k));
            }
            java.util.Map<UUID, ThumbnailJobStatus> out = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                UUID id = Jdbc.getUuid(rs, "image_id");
                String state = rs.getString("state");
                int attempts = rs.getInt("attempts");
                Optional<String> lastError = Optional.ofNullable(rs.getString("last_error"));
                if (rs.getString("thumb_url") != null) {
                  out.put(
                      id,
                      new ThumbnailJobStatus(
                          ThumbnailJobStatus.State.DONE, attempts, Optional.empty()));
                } else if (state != null) {
                  out.put(id, statusOf(id, state, attempts, lastError));
                }
              }
            }
            return out;
          }
        });
  }

  /** A job row's status; a state this version does not know is a failure, never thrown. */
  private static ThumbnailJobStatus statusOf(
      UUID imageId, String state, int attempts, Optional<String> lastError) {
    try {
      return new ThumbnailJobStatus(ThumbnailJobStatus.State.valueOf(state), attempts, lastError);
    } catch (IllegalArgumentException e) {
      return new ThumbnailJobStatus(
          ThumbnailJobStatus.State.FAILED,
          attempts,
          Optional.of(
              "MalformedRow: the thumbnail job of "
                  + imageId
                  + " has the unknown state '"
                  + state
                  + "'; fix the row, then run thumbnails backfill"));
    }
  }

  @Override
  public int pending() {
    return jdbc.run(
        "count pending thumbnail jobs",
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement(
                      // run_after: a pending job is in the lease index, a finished one is not
                      "SELECT COUNT(*) FROM "
                          + jobsTable
                          + " WHERE run_after IS NOT NULL AND state = 'PENDING'");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
          }
        });
  }

  @Override
  public String toString() {
    return "JdbcThumbnailJobQueue{postgres=" + postgres + '}';
  }
}
