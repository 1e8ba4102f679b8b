package io.renderlab.core.internal;

import io.renderlab.core.CatalogException;
import io.renderlab.core.JdbcConnections;
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
 * <p>On PostgreSQL: one transaction on one connection takes a transaction-scoped advisory lock
 * ({@code pg_try_advisory_xact_lock}) and applies every pending version (PostgreSQL's DDL is
 * transactional); its commit or rollback releases the lock, and so does the server if the process
 * dies. No session state outlives the transaction, so migrating through a transaction-mode pooler
 * (pgbouncer {@code pool_mode = transaction}) is safe: a session lock taken there could be left
 * held on a pooled server connection, blocking every later migration. The migration runs on that
 * same connection, so it needs no second connection from a pool that may have only one. Waiting is
 * bounded by {@link #MAX_WAIT}; between attempts a transaction of RenderLab's own is rolled back,
 * so the waiter holds no transaction (nor a pooled server connection) and each attempt sees what
 * the holder committed. Inside the application's transaction (a connection {@link
 * io.renderlab.core.JdbcConnections} joins), the lock is held until the application commits.
 *
 * <p>The key is the one older SDKs took as a session lock: session and transaction advisory locks
 * on one key exclude each other, so old and new SDKs starting together still take turns.
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

  /**
   * Runs {@code migration} while holding the migration lock of {@code jdbc}'s database; on
   * PostgreSQL inside the one transaction that holds it, through a {@link Jdbc} whose every call
   * joins that transaction (each under a savepoint).
   */
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
          boolean own = !jdbc.isApplicationTransaction(c);
          return jdbc.inTransactionOn(
              c,
              tx -> {
                lock(tx, own);
                return migration.apply(pinned(tx));
              });
        });
  }

  /**
   * Takes the transaction's advisory lock, waiting at most {@link #MAX_WAIT}. When the transaction
   * is RenderLab's own ({@code own}), each failed attempt rolls it back: nothing is held while
   * waiting, and the next attempt starts a fresh transaction (a fresh snapshot whatever the
   * isolation level).
   */
  private static void lock(Connection c, boolean own) throws SQLException {
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    long pause = 20;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
      ps.setLong(1, KEY);
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
        if (own) {
          c.rollback();
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

  /**
   * A {@link Jdbc} whose every call runs on {@code c}, which it never closes; when {@code c} is in
   * a transaction (auto-commit off) every call joins it under a savepoint, never committing it.
   */
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
    return new Jdbc(JdbcConnections.joining(single));
  }
}
