package io.renderlab.core.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The one lease primitive of the catalog's work tables (thumbnail jobs, generations). Not public
 * API.
 *
 * <p>A row of such a table has an id, {@code attempts}, {@code run_after}, {@code lease_owner},
 * {@code lease_until} and {@code updated_at}, and a condition that says it is unfinished. The
 * vocabulary:
 *
 * <ul>
 *   <li><b>due</b>: unfinished, {@code run_after} has come and no live lease holds it;
 *   <li><b>lease</b>: take up to {@code max} due rows, oldest {@code run_after} first, counting an
 *       attempt on each ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL; elsewhere candidates are
 *       read, then each is claimed by an update that re-checks the due condition);
 *   <li><b>renew</b>: extend the leases an owner still holds (a heartbeat);
 *   <li><b>retry later</b>: give one row back, due again at a given time;
 *   <li><b>release</b>: give back every row an owner holds, due at once;
 *   <li><b>finish</b>: end a row; it leaves the lease index.
 * </ul>
 *
 * <p>Two invariants keep the lease query an index range scan on {@code (run_after, id)}, whatever
 * the table holds: a finished row has {@code run_after = NULL} (it is outside the range {@code
 * run_after <= now}), and a lease moves {@code run_after} to the lease's end (a leased row is
 * beyond {@code now} until it lapses, when it becomes due where it sits). The due condition still
 * re-checks {@code lease_until}, so a row leased by an older version of this code (which left
 * {@code run_after} in the past) is never taken from a live owner.
 */
public final class Leases {
  /** The most ids one {@link #renew} statement names; larger sets go in several statements. */
  static final int RENEW_CHUNK = 500;

  private final Jdbc jdbc;
  private final boolean postgres;
  private final String table;
  private final String id;
  private final String unfinished;
  private final boolean releaseRefundsAttempt;
  private final String due;

  /** Reads one row of a result. */
  @FunctionalInterface
  public interface RowReader<T> {
    /** Reads the current row. */
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * A column set by a statement beside the lease columns: {@code column = value}, or the SQL
   * expression {@code sql} when {@code value} is {@link #sql}.
   */
  public record Assign(String column, Object value, String sql) {
    /** {@code column = ?}, bound to {@code value} (a String, Instant, UUID, Integer or null). */
    public static Assign of(String column, Object value) {
      return new Assign(column, value, null);
    }

    /** {@code column = expression}, an SQL literal or expression without parameters. */
    public static Assign sql(String column, String expression) {
      return new Assign(column, null, Objects.requireNonNull(expression, "expression"));
    }

    String text() {
      return column + " = " + (sql == null ? "?" : sql);
    }
  }

  /**
   * The leases of one table.
   *
   * @param table the table
   * @param id its id column (a UUID)
   * @param unfinished the SQL condition, without parameters, of a row that is not finished
   * @param releaseRefundsAttempt whether {@link #release} gives back the attempt the lease counted
   */
  public Leases(
      Jdbc jdbc,
      boolean postgres,
      String table,
      String id,
      String unfinished,
      boolean releaseRefundsAttempt) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    this.postgres = postgres;
    this.table = table;
    this.id = id;
    this.unfinished = "(" + unfinished + ")";
    this.releaseRefundsAttempt = releaseRefundsAttempt;
    this.due =
        "run_after <= ? AND " + this.unfinished + " AND (lease_until IS NULL OR lease_until <= ?)";
  }

  /**
   * The leases of thumbnail jobs: a job is unfinished while {@code PENDING}; a release gives the
   * attempt back (a released job is handed over unchanged).
   */
  public static Leases thumbnailJobs(Jdbc jdbc, boolean postgres) {
    return thumbnailJobs(jdbc, postgres, "thumbnail_jobs");
  }

  /** The leases of thumbnail jobs in {@code table} (a {@code TableNames.thumbnailJobs()}). */
  public static Leases thumbnailJobs(Jdbc jdbc, boolean postgres, String table) {
    return new Leases(jdbc, postgres, table, "image_id", "state = 'PENDING'", true);
  }

  /**
   * The leases of generations: unfinished while {@code PENDING}, {@code RUNNING} or {@code
   * INGESTING}; a release keeps the attempts (they count recoveries).
   */
  public static Leases generations(Jdbc jdbc, boolean postgres) {
    return generations(jdbc, postgres, "generations");
  }

  /** The leases of generations in {@code table} (a {@code TableNames.generations()}). */
  public static Leases generations(Jdbc jdbc, boolean postgres, String table) {
    return new Leases(
        jdbc, postgres, table, "id", "status IN ('PENDING', 'RUNNING', 'INGESTING')", false);
  }

  /** The condition of an unfinished row, for the table's own statements. */
  public String unfinished() {
    return unfinished;
  }

  /** The assignments that end a lease and take a row out of the lease index (finished). */
  public static final String FINISHED = "lease_owner = NULL, lease_until = NULL, run_after = NULL";

  // ---- due ----

  /**
   * The due rows' query: ids of up to {@code ?3} rows due at {@code ?1} (= {@code ?2}), oldest
   * {@code run_after} first. On PostgreSQL with {@code FOR UPDATE SKIP LOCKED}.
   */
  public String dueSql(boolean skipLocked) {
    return "SELECT "
        + id
        + " FROM "
        + table
        + " WHERE "
        + due
        + " ORDER BY run_after, "
        + id
        + " LIMIT ?"
        + (skipLocked ? " FOR UPDATE SKIP LOCKED" : "");
  }

  /** The ids of up to {@code limit} rows due at {@code now}, oldest {@code run_after} first. */
  public List<UUID> due(Instant now, int limit) {
    return jdbc.run(
        "find due rows of " + table,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(dueSql(false))) {
            Jdbc.setInstant(ps, 1, now);
            Jdbc.setInstant(ps, 2, now);
            ps.setInt(3, limit);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                ids.add(Jdbc.getUuid(rs, id));
              }
            }
            return ids;
          }
        });
  }

  // ---- lease ----

  /**
   * The PostgreSQL lease statement (parameters: owner, until, until, now, now, now, limit),
   * returning {@code columns}. Public for the benchmark's {@code EXPLAIN}.
   */
  public String leaseSql(String columns) {
    return "UPDATE "
        + table
        + " SET "
        + LEASE_SET
        + " WHERE "
        + id
        + " IN ("
        + dueSql(true)
        + ") RETURNING "
        + columns;
  }

  private static final String LEASE_SET =
      "lease_owner = ?, lease_until = ?, run_after = ?, attempts = attempts + 1, updated_at = ?";

  /**
   * Leases up to {@code max} due rows to {@code owner} until {@code until}, counting an attempt on
   * each, and reads {@code columns} of each leased row (after the lease).
   */
  public <T> List<T> lease(
      String owner, int max, Instant now, Instant until, String columns, RowReader<T> reader) {
    return postgres
        ? leaseSkipLocked(owner, max, now, until, columns, reader)
        : leaseConditional(owner, max, now, until, columns, reader);
  }

  private <T> List<T> leaseSkipLocked(
      String owner, int max, Instant now, Instant until, String columns, RowReader<T> reader) {
    return jdbc.inTransaction(
        "lease rows of " + table,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(leaseSql(columns))) {
            bindLease(ps, owner, now, until);
            Jdbc.setInstant(ps, 5, now);
            Jdbc.setInstant(ps, 6, now);
            ps.setInt(7, max);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(reader.read(rs));
              }
            }
            return out;
          }
        });
  }

  /**
   * Without {@code SKIP LOCKED}: read candidates, then claim each with an update that re-checks the
   * due condition, so two owners never both win a row; the row is read in the claim's transaction.
   */
  private <T> List<T> leaseConditional(
      String owner, int max, Instant now, Instant until, String columns, RowReader<T> reader) {
    List<UUID> candidates = due(now, max * 2);
    List<T> out = new ArrayList<>();
    for (UUID candidate : candidates) {
      if (out.size() == max) {
        break;
      }
      Optional<T> won =
          jdbc.inTransaction(
              "lease a row of " + table,
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "UPDATE "
                            + table
                            + " SET "
                            + LEASE_SET
                            + " WHERE "
                            + id
                            + " = ? AND "
                            + due)) {
                  bindLease(ps, owner, now, until);
                  Jdbc.setUuid(ps, 5, candidate);
                  Jdbc.setInstant(ps, 6, now);
                  Jdbc.setInstant(ps, 7, now);
                  if (ps.executeUpdate() != 1) {
                    return Optional.empty();
                  }
                }
                return read(c, candidate, columns, reader);
              });
      won.ifPresent(out::add);
    }
    return out;
  }

  private static void bindLease(PreparedStatement ps, String owner, Instant now, Instant until)
      throws SQLException {
    ps.setString(1, owner);
    Jdbc.setInstant(ps, 2, until);
    Jdbc.setInstant(ps, 3, until);
    Jdbc.setInstant(ps, 4, now);
  }

  private <T> Optional<T> read(Connection c, UUID row, String columns, RowReader<T> reader)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + columns + " FROM " + table + " WHERE " + id + " = ?")) {
      Jdbc.setUuid(ps, 1, row);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(reader.read(rs)) : Optional.empty();
      }
    }
  }

  /**
   * Leases one named row to {@code owner} when it is unfinished and no other owner holds a live
   * lease on it (its own lease is extended), setting {@code also} with it. Counts no attempt and
   * ignores {@code run_after}: the caller has a reason to act on this row now.
   *
   * @return whether {@code owner} now holds it
   */
  public boolean leaseRow(UUID row, String owner, Instant now, Instant until, Assign... also) {
    StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
    for (Assign a : also) {
      sql.append(a.text()).append(", ");
    }
    sql.append("lease_owner = ?, lease_until = ?, run_after = ?, updated_at = ? WHERE ")
        .append(id)
        .append(" = ? AND ")
        .append(unfinished)
        .append(" AND (lease_owner IS NULL OR lease_owner = ? OR lease_until IS NULL OR ")
        .append("lease_until <= ?)");
    return jdbc.run(
        "lease row " + row + " of " + table,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = bind(ps, 1, also);
            ps.setString(i++, owner);
            Jdbc.setInstant(ps, i++, until);
            Jdbc.setInstant(ps, i++, until);
            Jdbc.setInstant(ps, i++, now);
            Jdbc.setUuid(ps, i++, row);
            ps.setString(i++, owner);
            Jdbc.setInstant(ps, i, now);
            return ps.executeUpdate() == 1;
          }
        });
  }

  // ---- renew ----

  /**
   * Extends to {@code until} the leases {@code owner} still holds on these unfinished rows; rows
   * another owner took over, or that ended, are left alone.
   *
   * @return how many leases were extended
   */
  public int renew(String owner, Collection<UUID> rows, Instant now, Instant until) {
    if (rows.isEmpty()) {
      return 0;
    }
    List<UUID> ids = List.copyOf(rows);
    return jdbc.run(
        "renew the leases of " + owner + " on " + table,
        c -> {
          int renewed = 0;
          for (int from = 0; from < ids.size(); from += RENEW_CHUNK) {
            List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + RENEW_CHUNK));
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE "
                        + table
                        + " SET lease_until = ?, run_after = ?, updated_at = ? WHERE lease_owner = ? AND "
                        + unfinished
                        + " AND "
                        + id
                        + " IN ("
                        + marks(chunk.size())
                        + ")")) {
              Jdbc.setInstant(ps, 1, until);
              Jdbc.setInstant(ps, 2, until);
              Jdbc.setInstant(ps, 3, now);
              ps.setString(4, owner);
              for (int k = 0; k < chunk.size(); k++) {
                Jdbc.setUuid(ps, 5 + k, chunk.get(k));
              }
              renewed += ps.executeUpdate();
            }
          }
          return renewed;
        });
  }

  // ---- retry later, release, finish ----

  /**
   * Gives {@code owner}'s lease on a row back, due again at {@code runAfter}, setting {@code also}
   * with it.
   *
   * @return false when {@code owner} no longer holds it or it ended
   */
  public boolean retryLater(UUID row, String owner, Instant now, Instant runAfter, Assign... also) {
    StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
    for (Assign a : also) {
      sql.append(a.text()).append(", ");
    }
    sql.append("lease_owner = NULL, lease_until = NULL, run_after = ?, updated_at = ? WHERE ")
        .append(id)
        .append(" = ? AND lease_owner = ? AND ")
        .append(unfinished);
    return jdbc.run(
        "postpone row " + row + " of " + table,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = bind(ps, 1, also);
            Jdbc.setInstant(ps, i++, runAfter);
            Jdbc.setInstant(ps, i++, now);
            Jdbc.setUuid(ps, i++, row);
            ps.setString(i, owner);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /**
   * Gives back every lease {@code owner} holds on unfinished rows, due at once (with the attempt
   * refunded when this table's leases are so configured).
   *
   * @return how many rows were given back
   */
  public int release(String owner, Instant now) {
    return jdbc.run(
        "release the leases of " + owner + " on " + table,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE "
                      + table
                      + " SET lease_owner = NULL, lease_until = NULL, run_after = ?, "
                      + (releaseRefundsAttempt
                          ? "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
                          : "")
                      + "updated_at = ? WHERE lease_owner = ? AND "
                      + unfinished)) {
            Jdbc.setInstant(ps, 1, now);
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, owner);
            return ps.executeUpdate();
          }
        });
  }

  /**
   * Ends an unfinished row on {@code c} (the caller's transaction): sets {@code also} (which must
   * make it finished) and takes it out of the lease index. When {@code owner} is present, only if
   * that owner holds its lease.
   *
   * @return whether this call ended it
   */
  public boolean finish(Connection c, UUID row, Optional<String> owner, Instant now, Assign... also)
      throws SQLException {
    StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
    for (Assign a : also) {
      sql.append(a.text()).append(", ");
    }
    sql.append(FINISHED)
        .append(", updated_at = ? WHERE ")
        .append(id)
        .append(" = ? AND ")
        .append(unfinished);
    if (owner.isPresent()) {
      sql.append(" AND lease_owner = ?");
    }
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int i = bind(ps, 1, also);
      Jdbc.setInstant(ps, i++, now);
      Jdbc.setUuid(ps, i++, row);
      if (owner.isPresent()) {
        ps.setString(i, owner.get());
      }
      return ps.executeUpdate() == 1;
    }
  }

  /** {@link #finish(Connection, UUID, Optional, Instant, Assign...)} in its own statement. */
  public boolean finish(UUID row, Optional<String> owner, Instant now, Assign... also) {
    return jdbc.run("end row " + row + " of " + table, c -> finish(c, row, owner, now, also));
  }

  // ---- helpers ----

  private static int bind(PreparedStatement ps, int first, Assign... also) throws SQLException {
    int i = first;
    for (Assign a : also) {
      if (a.sql() != null) {
        continue;
      }
      Object v = a.value();
      if (v instanceof Instant) {
        Jdbc.setInstant(ps, i, (Instant) v);
      } else if (v instanceof UUID) {
        Jdbc.setUuid(ps, i, (UUID) v);
      } else if (v instanceof Integer) {
        ps.setInt(i, (Integer) v);
      } else if (v == null || v instanceof String) {
        ps.setString(i, (String) v);
      } else {
        throw new IllegalArgumentException("Cannot bind a " + v.getClass().getName());
      }
      i++;
    }
    return i;
  }

  static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  @Override
  public String toString() {
    return "Leases{" + table + ", postgres=" + postgres + '}';
  }
}
