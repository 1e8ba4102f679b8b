package io.renderlab.core.internal;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.TableNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the catalog's versioned SQL scripts. Not public API. */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /** The scripts, in order: version {@code i + 1} is {@code SCRIPTS.get(i)}. */
  public static final List<String> SCRIPTS =
      List.of(
          "V1__images.sql",
          // Version 2 (issue 11): the generations table; images gain generation_id and
          // output_index.
          "V2__generations.sql",
          // Version 3 (issue 18): how a generation's outputs are recorded, its target kind;
          // finished
          // rows leave the lease index.
          "V3__generation_recording.sql",
          // Version 4 (issue 18): one lease primitive (Leases) for thumbnail jobs and generations;
          // finished jobs leave the lease index, which becomes (run_after, image_id).
          "V4__one_lease.sql",
          // Version 5 (issue 19): edits composited by the SDK keep the model's raw output.
          "V5__composited_edits.sql");

  private Migrations() {}

  /** Where the scripts are, on the class path (a folder, no leading slash). */
  public static final String LOCATION = "io/renderlab/core/db";

  /** The version that creates each table, by its unqualified, unprefixed name. */
  private static final Map<String, Integer> CREATED_BY =
      Map.of("images", 1, "thumbnail_jobs", 1, "generations", 2);

  /** The latest schema version this SDK knows. */
  public static int latestVersion() {
    return SCRIPTS.size();
  }

  /**
   * Applies every script not yet applied, safely when several processes start together.
   *
   * <p>On PostgreSQL the whole migration is one transaction on one connection, holding a
   * transaction-scoped advisory lock ({@link MigrationLock}) taken before anything is read: every
   * pending version is applied, each under a savepoint, and committed together (or none is); the
   * others wait, then find the versions applied and do nothing. Nothing outlives the transaction,
   * so a transaction-mode pooler (pgbouncer) in between is safe. Elsewhere (H2) migrations in one
   * JVM are serialized, each version re-checks the history inside its transaction, and losing a
   * duplicate-create race to another process counts as done.
   *
   * <p>Refuses, before changing anything, a table with one of our names that the history does not
   * record as ours (a host's own {@code images}).
   *
   * @return the versions applied by this call
   * @throws ConfigurationException if a table with one of our names is not ours
   */
  public static List<Integer> apply(Jdbc jdbc, Clock clock, TableNames names) {
    List<Integer> applied =
        MigrationLock.around(jdbc, pinned -> applyUnlocked(pinned, clock, names));
    for (int version : applied) { // logged once committed: on PostgreSQL all commit together
      LOG.info("Applied catalog schema version {} ({})", version, SCRIPTS.get(version - 1));
    }
    return applied;
  }

  private static List<Integer> applyUnlocked(Jdbc jdbc, Clock clock, TableNames names) {
    jdbc.run(
        "look for tables with the catalog's names",
        c -> {
          refuseForeignTables(c, names);
          return null;
        });
    jdbc.run(
        "create the schema history table",
        c -> {
          if (historyExists(c, names)) {
            return null;
          }
          // Inside the PostgreSQL migration's transaction a failed statement aborts it: a
          // savepoint undoes only the lost create race.
          Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
          try (Statement s = c.createStatement()) {
            if (names.schema().isPresent() && !schemaExists(c, names.schema().get())) {
              // only when missing: creating one needs a privilege a host may not grant
              s.execute("CREATE SCHEMA IF NOT EXISTS " + names.schema().get());
            }
            s.execute(
                "CREATE TABLE IF NOT EXISTS "
                    + names.schemaHistory()
                    + " ("
                    + "version INTEGER NOT NULL PRIMARY KEY, "
                    + "script VARCHAR(255) NOT NULL, "
                    + "applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
          } catch (SQLException e) {
            if (before != null) {
              c.rollback(before);
            }
            if (!MigrationLock.isDuplicateCreate(e) || !historyExists(c, names)) {
              throw e;
            }
            // created by another process at the same moment: what we wanted
          }
          return null;
        });
    List<Integer> applied = new ArrayList<>();
    for (int i = 0; i < SCRIPTS.size(); i++) {
      int version = i + 1;
      String script = SCRIPTS.get(i);
      boolean done =
          jdbc.inTransaction(
              "apply schema version " + version,
              c -> {
                if (isApplied(c, version, names)) {
                  return false;
                }
                Savepoint before = c.setSavepoint(); // a lost insert race aborts no transaction
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "INSERT INTO "
                            + names.schemaHistory()
                            + " (version, script, applied_at) VALUES (?, ?, ?)")) {
                  ps.setInt(1, version);
                  ps.setString(2, script);
                  Jdbc.setInstant(ps, 3, clock.instant());
                  ps.executeUpdate();
                } catch (SQLException e) {
                  if (Jdbc.isUniqueViolation(e)) {
                    c.rollback(before);
                    return false; // another process applied this version concurrently
                  }
                  throw e;
                }
                try (Statement s = c.createStatement()) {
                  for (String statement : statements(read(script, names))) {
                    s.execute(statement);
                  }
                }
                return true;
              });
      if (done) {
        applied.add(version);
      }
    }
    return applied;
  }

  /** The highest applied version, 0 when none. */
  public static int currentVersion(Jdbc jdbc, TableNames names) {
    return jdbc.run(
        "read the schema version",
        c -> {
          if (!historyExists(c, names)) {
            return 0;
          }
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + names.schemaHistory())) {
            return rs.next() ? rs.getInt(1) : 0;
          }
        });
  }

  private static boolean historyExists(Connection c, TableNames names) throws SQLException {
    if (names.schema().isPresent()) {
      return find(c, names.schema().get(), names.prefix() + "renderlab_schema_history") != null;
    }
    // Resolved as our statements resolve it (the search path), not by schema: another catalog's
    // history in a schema of its own is not ours.
    Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT 1 FROM " + names.schemaHistory() + " WHERE 1 = 0").close();
      return true;
    } catch (SQLException e) {
      if (before != null) {
        c.rollback(before);
      }
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (Set.of("42P01", "42S02", "42S03", "42S04", "42102", "42103", "42104").contains(state)) {
        return false;
      }
      throw e;
    } finally {
      if (before != null) {
        try {
          c.releaseSavepoint(before);
        } catch (SQLException alreadyReleased) {
          // rolled back to it, which some drivers count as released
        }
      }
    }
  }

  /**
   * Refuses the first table with one of our names (in our schema, or else the connection's current
   * one) whose creating version the history does not record: it is someone else's.
   */
  private static void refuseForeignTables(Connection c, TableNames names) throws SQLException {
    String schema = names.schema().orElseGet(() -> currentSchema(c));
    boolean history = historyExists(c, names);
    for (String table : List.of("images", "thumbnail_jobs", "generations")) {
      String found = find(c, schema, names.prefix() + table);
      if (found != null && (!history || !isApplied(c, CREATED_BY.get(table), names))) {
        throw new ConfigurationException(
            "Cannot migrate the RenderLab catalog: the table "
                + found
                + " already exists and is not RenderLab's (schema version "
                + CREATED_BY.get(table)
                + ", which creates it, is not recorded in "
                + names.schemaHistory()
                + "). Give RenderLab tables of its own with a prefix or a schema:"
                + " JdbcImageCatalog.builder().tableNames(TableNames.builder().prefix(\"rl_\")"
                + ".build()), or renderlab.catalog.table-prefix=rl_ (or"
                + " renderlab.catalog.schema) in Spring Boot. If RenderLab's own scripts created"
                + " this table through Flyway or Liquibase, keep applying them with that tool"
                + " and do not call migrate().");
      }
    }
  }

  private static String currentSchema(Connection c) {
    try {
      return c.getSchema();
    } catch (SQLException | AbstractMethodError e) {
      return null; // a driver that cannot say: look in every schema
    }
  }

  /**
   * The table {@code name} in {@code schema} (any schema when null) as {@code schema.name}, or
   * null; unquoted names are stored lower case by PostgreSQL and upper case by H2.
   */
  private static String find(Connection c, String schema, String name) throws SQLException {
    DatabaseMetaData meta = c.getMetaData();
    String escape = meta.getSearchStringEscape();
    for (boolean upper : new boolean[] {false, true}) {
      String s = schema == null ? null : schemaCase(schema, upper);
      String n = upper ? name.toUpperCase(Locale.ROOT) : name;
      try (ResultSet rs =
          meta.getTables(null, pattern(s, escape), pattern(n, escape), new String[] {"TABLE"})) {
        if (rs.next()) {
          String in = rs.getString("TABLE_SCHEM");
          return (in == null ? "" : in + ".") + rs.getString("TABLE_NAME");
        }
      }
    }
    return null;
  }

  private static boolean schemaExists(Connection c, String schema) throws SQLException {
    DatabaseMetaData meta = c.getMetaData();
    for (boolean upper : new boolean[] {false, true}) {
      try (ResultSet rs =
          meta.getSchemas(null, pattern(schemaCase(schema, upper), meta.getSearchStringEscape()))) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Our lower-case schema as the database stores it; another (the current one) unchanged. */
  private static String schemaCase(String schema, boolean upper) {
    return upper && schema.equals(schema.toLowerCase(Locale.ROOT))
        ? schema.toUpperCase(Locale.ROOT)
        : schema;
  }

  /** {@code value} as a metadata pattern that matches only itself ({@code _} is a wildcard). */
  private static String pattern(String value, String escape) {
    if (value == null || escape == null || escape.isEmpty()) {
      return value;
    }
    return value
        .replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }

  private static boolean isApplied(Connection c, int version, TableNames names)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM " + names.schemaHistory() + " WHERE version = ?")) {
      ps.setInt(1, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** The script with its placeholders ({@link TableNames#placeholders()}) replaced. */
  public static String read(String script, TableNames names) {
    try (InputStream in = Migrations.class.getResourceAsStream("/" + LOCATION + "/" + script)) {
      if (in == null) {
        throw new IllegalStateException("Schema script missing from the jar: " + script);
      }
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> p : names.placeholders().entrySet()) {
        sql = sql.replace("${" + p.getKey() + "}", p.getValue());
      }
      return sql;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read schema script " + script, e);
    }
  }

  /** Splits a script into statements on {@code ;} at line ends, dropping {@code --} comments. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String statement = current.toString().strip();
        out.add(statement.substring(0, statement.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }
}
