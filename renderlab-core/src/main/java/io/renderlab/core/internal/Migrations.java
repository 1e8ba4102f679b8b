package io.renderlab.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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

  /** The latest schema version this SDK knows. */
  public static int latestVersion() {
    return SCRIPTS.size();
  }

  /**
   * Applies every script not yet applied, safely when several processes start together.
   *
   * <p>On PostgreSQL the whole migration runs on one connection holding a session advisory lock
   * ({@link MigrationLock}): the others wait, then find the versions applied and do nothing.
   * Elsewhere (H2) migrations in one JVM are serialized, each version re-checks the history inside
   * its transaction, and losing a duplicate-create race to another process counts as done.
   *
   * @return the versions applied by this call
   */
  public static List<Integer> apply(Jdbc jdbc, Clock clock) {
    return MigrationLock.around(jdbc, pinned -> applyUnlocked(pinned, clock));
  }

  private static List<Integer> applyUnlocked(Jdbc jdbc, Clock clock) {
    jdbc.run(
        "create the schema history table",
        c -> {
          if (historyExists(c)) {
            return null;
          }
          try (Statement s = c.createStatement()) {
            s.execute(
                "CREATE TABLE IF NOT EXISTS renderlab_schema_history ("
                    + "version INTEGER NOT NULL PRIMARY KEY, "
                    + "script VARCHAR(255) NOT NULL, "
                    + "applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
          } catch (SQLException e) {
            if (!MigrationLock.isDuplicateCreate(e) || !historyExists(c)) {
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
                if (isApplied(c, version)) {
                  return false;
                }
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "INSERT INTO renderlab_schema_history (version, script, applied_at) VALUES (?, ?, ?)")) {
                  ps.setInt(1, version);
                  ps.setString(2, script);
                  Jdbc.setInstant(ps, 3, clock.instant());
                  ps.executeUpdate();
                } catch (SQLException e) {
                  if (Jdbc.isUniqueViolation(e)) {
                    return false; // another process applied this version concurrently
                  }
                  throw e;
                }
                try (Statement s = c.createStatement()) {
                  for (String statement : statements(read(script))) {
                    s.execute(statement);
                  }
                }
                return true;
              });
      if (done) {
        LOG.info("Applied catalog schema version {} ({})", version, script);
        applied.add(version);
      }
    }
    return applied;
  }

  /** The highest applied version, 0 when none. */
  public static int currentVersion(Jdbc jdbc) {
    return jdbc.run(
        "read the schema version",
        c -> {
          if (!historyExists(c)) {
            return 0;
          }
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT MAX(version) FROM renderlab_schema_history")) {
            return rs.next() ? rs.getInt(1) : 0;
          }
        });
  }

  private static boolean historyExists(Connection c) throws SQLException {
    for (String name : new String[] {"renderlab_schema_history", "RENDERLAB_SCHEMA_HISTORY"}) {
      try (ResultSet rs = c.getMetaData().getTables(null, null, name, null)) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isApplied(Connection c, int version) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM renderlab_schema_history WHERE version = ?")) {
      ps.setInt(1, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static String read(String script) {
    try (InputStream in = Migrations.class.getResourceAsStream("/io/renderlab/core/db/" + script)) {
      if (in == null) {
        throw new IllegalStateException("Schema script missing from the jar: " + script);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
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
