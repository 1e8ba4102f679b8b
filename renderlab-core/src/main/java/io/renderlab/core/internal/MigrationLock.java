package io.renderlab.core.internal;

import io.renderlab.core.CatalogException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Serializes schema migrations between processes. Not public API.
 *
 * <p>On PostgreSQL: a session-level advisory lock ({@code pg_try_advisory_lock}) on one connection,
 * held for the whole migration and released after it (the server also releases it if the process
 * dies). The migration itself runs on that same connection, so it needs no second connection from a
 * pool that may have only one. Waiting is bounded by {@link #MAX_WAIT}.
 *
 * <p>Elsewhere (H2, whose file databases one process owns): a lock per JVM; the scripts' own
 * re-checks handle what remains.
 */
public final class MigrationLock {
  /** How long a process waits for another one's migration before giving up. */
  static final Duration MAX_WAIT = Duration.ofMinutes(2);

  /**
   * The advisory lock key, the ASCII of "RENDLAB1"; fixed forever (older and newer SDKs must
   * agree).
   */
  static final long KEY = 0x5245_4e44_4c41_4231L; // "RENDLAB1"

  private static final Object LOCAL = new Object();

  private MigrationLock() {}

  /** Runs {@code migration} while holding the migration lock of {@code jdbc}'s database. */
  public static <T> T around(Jdbc jdbc, Function<Jdbc, T> migration) {
    return jdbc.run(
        "take the schema migration lock",
        c -> {
          String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
          if (!product.contains("postgres")) {
            synchronized (LOCAL) {
              return migration.apply(jdbc);
            }
          }
          lock(c);
          try {
            return migration.apply(pinned(c));
          } finally {
            unlock(c);
          }
        });
  }

  private static void lock(Connection c) throws SQLException {
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    long pause = 20;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, KEY);
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new CatalogException(
              "Another process has been migrating the catalog schema for more than "
                  + MAX_WAIT.toMinutes()
                  + " minutes (PostgreSQL advisory lock "
                  + KEY
                  + " is held). Check for a stuck process "
                  + "(pg_locks WHERE locktype = 'advisory') and start again.",
              null,
              true);
        }
        try {
          Thread.sleep(pause); // the lock holder is running DDL: short, bounded waits
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CatalogException(
              "Interrupted while waiting for another process's schema migration", e, true);
        }
        pause = Math.min(pause * 2, 250);
      }
    }
  }

  private static void unlock(Connection c) {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      ps.setLong(1, KEY);
      ps.executeQuery().close();
    } catch (SQLException e) {
      // The connection is gone: the server released the session's lock with it.
    }
  }

  /** Whether {@code e} says the object to create already exists (a create race lost). */
  static boolean isDuplicateCreate(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    // 42P07 duplicate table (PostgreSQL), 42S01 / 42101 table exists (H2), 23505 PostgreSQL's
    // catalog unique index when two CREATE ... IF NOT EXISTS race.
    return state.equals("42P07")
        || state.equals("42S01")
        || state.equals("42101")
        || Jdbc.isUniqueViolation(e);
  }

  /** A {@link Jdbc} whose every call runs on {@code c}, which it never closes. */
  static Jdbc pinned(Connection c) {
    Connection unclosable =
        (Connection)
            Proxy.newProxyInstance(
                MigrationLock.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("close") && method.getParameterCount() == 0) {
                    return null;
                  }
                  try {
                    return method.invoke(c, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    DataSource single =
        (DataSource)
            Proxy.newProxyInstance(
                MigrationLock.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("getConnection")) {
                    return unclosable;
                  }
                  if (method.getName().equals("toString")) {
                    return "pinned migration connection";
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    return new Jdbc(single);
  }
}
