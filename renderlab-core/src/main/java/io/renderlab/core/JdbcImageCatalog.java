package io.renderlab.core;

import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.Jdbc;
import io.renderlab.core.internal.JdbcThumbnailJobQueue;
import io.renderlab.core.internal.Migrations;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The image catalog on any JDBC {@link DataSource}: PostgreSQL in production, H2 embedded.
 *
 * <p>The schema ships as versioned SQL inside the jar and is applied only when asked, by {@link
 * #migrate()}: the catalog never changes someone's database behind their back. Thread-safe; pooling
 * is the {@code DataSource}'s business.
 *
 * <pre>{@code
 * JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(dataSource).build();
 * catalog.migrate();
 * ImageRecord saved = catalog.save(record);   // also enqueues its thumbnail job
 * }</pre>
 */
public final class JdbcImageCatalog implements ImageCatalog {
  static final String COLUMNS =
      "id, user_id, kind, name, url, storage_key, thumb_url, reference_url, mask_url, prompt, model, "
          + "prediction_id, collection_id, created_at, raw_url";

  /** How many columns {@link #bind} sets. */
  static final int BOUND = 15;

  private final Jdbc jdbc;
  private final Clock clock;
  private final JdbcThumbnailJobQueue jobs;
  private final JdbcGenerations generations;
  private final TableNames tables;

  /** The images table as SQL names it. */
  private final String images;

  private JdbcImageCatalog(Builder b) {
    this.jdbc = new Jdbc(b.connections);
    this.clock = b.clock;
    this.tables = b.tables;
    this.images = tables.images();
    boolean postgres = jdbc.product().contains("postgres");
    this.jobs = new JdbcThumbnailJobQueue(jdbc, clock, postgres, tables);
    // Never inside the application's transaction: a generation's row is committed before its paid
    // prediction is created, and other threads and instances update it (JdbcConnections).
    this.generations = new JdbcGenerations(jdbc.detached(), clock, postgres, jobs, tables);
  }

  /** A builder; {@link Builder#dataSource} or {@link Builder#connections} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates or upgrades the catalog's tables and indexes to this SDK's schema version. Safe to call
   * on every start and from several processes at once.
   *
   * <p>Refuses, before changing anything, to take over a table that has one of the catalog's names
   * ({@link #tableNames()}) but was not created by this method, such as a host's own {@code
   * images}: choose a prefix or a schema ({@link Builder#tableNames}) instead.
   *
   * <p>A host that applies its schema with Flyway or Liquibase can apply the same scripts itself
   * ({@link #MIGRATION_SCRIPTS}) and never call this method.
   *
   * @return the schema versions this call applied (empty when already up to date)
   * @throws ConfigurationException if a table with one of the catalog's names is not the catalog's
   *     (the message names it)
   * @throws CatalogException if the database fails
   */
  public List<Integer> migrate() {
    return Migrations.apply(jdbc, clock, tables);
  }

  /**
   * The class-path folder of the SQL scripts {@link #migrate()} applies, Flyway-named ({@code
   * V1__images.sql} to {@code V5__composited_edits.sql}), with the placeholders of {@link
   * TableNames#placeholders()}; for hosts that apply them with their own migration tool.
   */
  public static final String MIGRATION_SCRIPTS = "classpath:" + Migrations.LOCATION;

  /** The schema version the database is at; 0 before the first {@link #migrate()}. */
  public int schemaVersion() {
    return Migrations.currentVersion(jdbc, tables);
  }

  /** The names of the catalog's tables ({@link TableNames#defaults()} unless set). */
  public TableNames tableNames() {
    return tables;
  }

  /** The durable thumbnail jobs stored beside the records. */
  @Override
  public ThumbnailJobQueue thumbnailJobs() {
    return jobs;
  }

  /**
   * The durable generations stored beside the records (schema version 2): every paid prediction as
   * a row, so any instance can finish one whose process died.
   */
  @Override
  public GenerationStore generations() {
    return generations;
  }

  @Override
  public ImageRecord save(ImageRecord record) {
    Objects.requireNonNull(record, "record");
    try {
      jdbc.inTransaction(
          "save image " + record.id(),
          c -> {
            insert(c, record);
            if (record.thumbUrl().isEmpty()) {
              jobs.insertPending(c, record.id(), clock.instant());
            }
            return null;
          });
    } catch (CatalogException e) {
      if (e.getCause() instanceof SQLException
          && Jdbc.isUniqueViolation((SQLException) e.getCause())) {
        throw new CatalogException(
            "An image with id "
                + record.id()
                + " already exists; records are saved once. Use a new id.",
            e.getCause(),
            false);
      }
      throw e;
    }
    if (record.thumbUrl().isEmpty()) {
      jobs.notifyEnqueued();
    }
    return record;
  }

  private void insert(Connection c, ImageRecord r) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + images
                + " ("
                + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      bind(ps, r);
      ps.executeUpdate();
    }
  }

  /** Binds the record to parameters 1 to 14, in {@link #COLUMNS} order. */
  static void bind(PreparedStatement ps, ImageRecord r) throws SQLException {
    Jdbc.setUuid(ps, 1, r.id());
    ps.setString(2, r.userId());
    ps.setString(3, r.kind().name());
    ps.setString(4, r.name());
    ps.setString(5, r.url());
    ps.setString(6, r.storageKey());
    ps.setString(7, r.thumbUrl().orElse(null));
    ps.setString(8, r.referenceUrl().orElse(null));
    ps.setString(9, r.maskUrl().orElse(null));
    ps.setString(10, r.prompt().orElse(null));
    ps.setString(11, r.model().orElse(null));
    ps.setString(12, r.predictionId().orElse(null));
    Jdbc.setUuid(ps, 13, r.collectionId().orElse(null));
    Jdbc.setInstant(ps, 14, r.createdAt());
    ps.setString(15, r.rawUrl().orElse(null));
  }

  @Override
  public Optional<ImageRecord> find(UUID id) {
    Objects.requireNonNull(id, "id");
    return jdbc.run(
        "find image " + id,
        c -> findOne(c, "SELECT " + COLUMNS + " FROM " + images + " WHERE id = ?", id));
  }

  @Override
  public ImagePage history(HistoryQuery query) {
    Objects.requireNonNull(query, "query");
    Optional<Cursor> after = query.cursor().map(Cursor::decode);
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM " + images + " WHERE user_id = ?");
    query.kind().ifPresent(k -> sql.append(" AND kind = ?"));
    after.ifPresent(a -> sql.append(" AND (created_at < ? OR (created_at = ? AND id < ?))"));
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
    List<ImageRecord> rows =
        jdbc.run(
            "read the history of a user",
            c -> {
              try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, query.userId());
                if (query.kind().isPresent()) {
                  ps.setString(i++, query.kind().get().name());
                }
                if (after.isPresent()) {
                  Jdbc.setInstant(ps, i++, after.get().createdAt);
                  Jdbc.setInstant(ps, i++, after.get().createdAt);
                  Jdbc.setUuid(ps, i++, after.get().id);
                }
                ps.setInt(i, query.limit() + 1);
                return readAll(ps);
              }
            });
    if (rows.size() > query.limit()) {
      List<ImageRecord> page = rows.subList(0, query.limit());
      ImageRecord last = page.get(page.size() - 1);
      return new ImagePage(page, Optional.of(new Cursor(last.createdAt(), last.id()).encode()));
    }
    return new ImagePage(rows, Optional.empty());
  }

  @Override
  public List<ImageRecord> lineage(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    return jdbc.run(
        "read the lineage of image " + imageId,
        c -> {
          Optional<ImageRecord> start =
              findOne(c, "SELECT " + COLUMNS + " FROM " + images + " WHERE id = ?", imageId);
          if (start.isEmpty()) {
            return List.of();
          }
          List<ImageRecord> chain = new ArrayList<>();
          Set<UUID> seen = new HashSet<>();
          ImageRecord current = start.get();
          chain.add(current);
          seen.add(current.id());
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM "
                      + images
                      + " WHERE user_id = ? AND url = ? ORDER BY created_at, id LIMIT 1")) {
            while (current.referenceUrl().isPresent() && chain.size() <= MAX_LINEAGE_DEPTH) {
              ps.setString(1, current.userId());
              ps.setString(2, current.referenceUrl().get());
              List<ImageRecord> parent = readAll(ps);
              if (parent.isEmpty() || !seen.add(parent.get(0).id())) {
                break; // outside the catalog, or a cycle
              }
              current = parent.get(0);
              chain.add(current);
            }
          }
          Collections.reverse(chain);
          return List.copyOf(chain);
        });
  }

  @Override
  public boolean setThumbUrl(UUID imageId, String thumbUrl) {
    Objects.requireNonNull(imageId, "imageId");
    Args.absoluteUrl(thumbUrl, "thumbUrl", ImageRecord.MAX_URL_LENGTH);
    return jdbc.run(
        "set the thumbnail of image " + imageId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE " + images + " SET thumb_url = ? WHERE id = ?")) {
            ps.setString(1, thumbUrl);
            Jdbc.setUuid(ps, 2, imageId);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public List<ImageRecord> withoutThumbnail(int limit) {
    Args.range(limit, "limit", 1, HistoryQuery.MAX_LIMIT);
    return jdbc.run(
        "list images without a thumbnail",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM "
                      + images
                      + " WHERE thumb_url IS NULL ORDER BY created_at, id LIMIT ?")) {
            ps.setInt(1, limit);
            return readAll(ps);
          }
        });
  }

  @Override
  public List<ImageRecord> findByPrediction(String predictionId) {
    Args.identifier(predictionId, "predictionId", ImageRecord.MAX_ID_LENGTH);
    return jdbc.run(
        "find the images of prediction " + predictionId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM "
                      + images
                      + " WHERE prediction_id = ? ORDER BY created_at, id")) {
            ps.setString(1, predictionId);
            return readAll(ps);
          }
        });
  }

  @Override
  public boolean delete(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    return jdbc.inTransaction(
        "delete image " + imageId,
        c -> {
          try (PreparedStatement jobs =
                  c.prepareStatement(
                      "DELETE FROM " + tables.thumbnailJobs() + " WHERE image_id = ?");
              PreparedStatement image =
                  c.prepareStatement("DELETE FROM " + images + " WHERE id = ?")) {
            Jdbc.setUuid(jobs, 1, imageId);
            jobs.executeUpdate();
            Jdbc.setUuid(image, 1, imageId);
            return image.executeUpdate() == 1;
          }
        });
  }

  @Override
  public String toString() {
    return "JdbcImageCatalog{clock=" + clock + ", tables=" + tables + '}';
  }

  private static Optional<ImageRecord> findOne(Connection c, String sql, UUID id)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Jdbc.setUuid(ps, 1, id);
      List<ImageRecord> rows = readAll(ps);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
  }

  static List<ImageRecord> readAll(PreparedStatement ps) throws SQLException {
    List<ImageRecord> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new ImageRecord(
                Jdbc.getUuid(rs, "id"),
                rs.getString("user_id"),
                ImageKind.valueOf(rs.getString("kind")),
                rs.getString("name"),
                rs.getString("url"),
                rs.getString("storage_key"),
                Optional.ofNullable(rs.getString("thumb_url")),
                Optional.ofNullable(rs.getString("reference_url")),
                Optional.ofNullable(rs.getString("mask_url")),
                Optional.ofNullable(rs.getString("raw_url")),
                Optional.ofNullable(rs.getString("prompt")),
                Optional.ofNullable(rs.getString("model")),
                Optional.ofNullable(rs.getString("prediction_id")),
                Optional.ofNullable(Jdbc.getUuid(rs, "collection_id")),
                Jdbc.getInstant(rs, "created_at")));
      }
    }
    return out;
  }

  /** Keyset position in a history: the last row of a page. */
  private static final class Cursor {
    private static final Instant EARLIEST_CURSOR = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST_CURSOR = Instant.parse("9999-12-31T23:59:59Z");
    private final Instant createdAt;
    private final UUID id;

    Cursor(Instant createdAt, UUID id) {
      this.createdAt = createdAt;
      this.id = id;
    }

    String encode() {
      String raw = "1:" + createdAt.getEpochSecond() + ":" + createdAt.getNano() + ":" + id;
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String cursor) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        String[] parts = raw.split(":");
        if (parts.length != 4 || !parts[0].equals("1")) {
          throw new IllegalArgumentException("bad shape");
        }
        Instant at = Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        if (at.isBefore(EARLIEST_CURSOR) || at.isAfter(LATEST_CURSOR)) {
          throw new IllegalArgumentException(
              "out of the range a database timestamp holds"); // else a 500 from the driver
        }
        return new Cursor(at, UUID.fromString(parts[3]));
      } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
        throw new IllegalArgumentException(
            "cursor is not a history cursor of this catalog; pass the nextCursor of a previous page",
            e);
      }
    }
  }

  /** Builds a {@link JdbcImageCatalog}. Not thread-safe. */
  public static final class Builder {
    private JdbcConnections connections;
    private Clock clock = Clock.systemUTC();
    private TableNames tables = TableNames.defaults();

    private Builder() {}

    /**
     * The names of the catalog's tables: a prefix or a schema so that they fit beside a host's own
     * tables ({@link TableNames#defaults()}, {@code images}, {@code generations}, {@code
     * thumbnail_jobs}, unless set). The generation store and the thumbnail job queue use the same.
     */
    public Builder tableNames(TableNames tableNames) {
      this.tables = Objects.requireNonNull(tableNames, "tableNames");
      return this;
    }

    /**
     * The database (this or {@link #connections} is required). Use a pooled one in servers. Same as
     * {@code connections(JdbcConnections.of(dataSource))}.
     */
    public Builder dataSource(DataSource dataSource) {
      this.connections = JdbcConnections.of(Objects.requireNonNull(dataSource, "dataSource"));
      return this;
    }

    /**
     * Where connections come from, for writes that join the application's transactions (see {@link
     * JdbcConnections}); the generation store and the thumbnail job queue share them.
     */
    public Builder connections(JdbcConnections connections) {
      this.connections = Objects.requireNonNull(connections, "connections");
      return this;
    }

    /** The clock for job scheduling and leases; tests inject a fixed or manual clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the catalog (asks the database for its product name, to pick the job-leasing SQL).
     *
     * @throws CatalogException if the database cannot be reached
     */
    public JdbcImageCatalog build() {
      if (connections == null) {
        throw new IllegalStateException(
            "dataSource is required: JdbcImageCatalog.builder().dataSource(...)");
      }
      return new JdbcImageCatalog(this);
    }
  }
}
