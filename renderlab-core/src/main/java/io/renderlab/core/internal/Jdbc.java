package io.renderlab.core.internal;

import io.renderlab.core.CatalogException;
import io.renderlab.core.JdbcConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Savepoint;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small JDBC helpers: transactions, typed parameters, error translation. Not public API.
 *
 * <p>Every catalog, generation and job-queue statement runs through {@link #inTransaction} or
 * {@link #run}, which follow {@link JdbcConnections}' rule: the application's transaction is
 * joined, without commit, rollback or setAutoCommit. A {@link #detached()} view (the generation
 * store's) works outside it.
 */
public final class Jdbc {
  private static final Logger LOG = LoggerFactory.getLogger(Jdbc.class);

  private final JdbcConnections connections;
  private final boolean detached;

  /** Wraps {@code dataSource} ({@link JdbcConnections#of}). */
  public Jdbc(DataSource dataSource) {
    this(JdbcConnections.of(dataSource));
  }

  /** Takes its connections from {@code connections}. */
  public Jdbc(JdbcConnections connections) {
    this(connections, false);
  }

  private Jdbc(JdbcConnections connections, boolean detached) {
    this.connections = connections;
    this.detached = detached;
  }

  /**
   * The same database through {@link JdbcConnections#acquireDetached()}: for work that must commit
   * at once, outside the application's transaction (durable generations).
   */
  public Jdbc detached() {
    return detached ? this : new Jdbc(connections, true);
  }

  private Connection acquire() throws SQLException {
    return detached ? connections.acquireDetached() : connections.acquire();
  }

  /** Work done on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    /** Does the work. */
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, committed on success and rolled back on any failure; or,
   * when the connection is the application's (auto-commit off), inside the application's
   * transaction, whose owner commits or rolls back.
   */
  public <T> T inTransaction(String what, Work<T> work) {
    try {
      Connection c = acquire();
      try {
        return inTransactionOn(c, work);
      } finally {
        connections.release(c);
      }
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  /**
   * {@link #inTransaction}'s transaction on {@code c}, a connection this {@code Jdbc} acquired and
   * still holds: the application's transaction joined under a savepoint, or a transaction of
   * RenderLab's own, committed on success and rolled back on any failure.
   */
  <T> T inTransactionOn(Connection c, Work<T> work) throws SQLException {
    if (connections.isApplicationTransaction(c)) {
      return joined(c, work);
    }
    boolean autoCommit = c.getAutoCommit();
    if (autoCommit) {
      c.setAutoCommit(false);
    }
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c, e);
      throw e;
    } finally {
      if (autoCommit) {
        c.setAutoCommit(true);
      }
    }
  }

  /**
   * Whether {@code c} (acquired by this {@code Jdbc}) is the application's transaction, which
   * RenderLab joins and never commits, rolls back or restarts.
   */
  boolean isApplicationTransaction(Connection c) throws SQLException {
    return connections.isApplicationTransaction(c);
  }

  /**
   * Runs {@code work} on a connection in auto-commit mode, or inside the application's transaction
   * when the connection is the application's.
   */
  public <T> T run(String what, Work<T> work) {
    try {
      Connection c = acquire();
      try {
        return work.run(c);
      } finally {
        connections.release(c);
      }
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  /**
   * Runs {@code work} inside the application's transaction. A savepoint undoes only our own
   * statements when they fail, so that a failure we handle (a lost insert race) leaves the
   * application's transaction usable on PostgreSQL, which otherwise aborts it whole.
   */
  private static <T> T joined(Connection c, Work<T> work) throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      T result = work.run(c);
      c.releaseSavepoint(savepoint);
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback(savepoint);
      } catch (SQLException undoFailure) {
        e.addSuppressed(undoFailure);
      }
      throw e;
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException rollbackFailure) {
      cause.addSuppressed(rollbackFailure);
    }
  }

  /** Turns a driver exception into a {@link CatalogException} that says what to do. */
  public static CatalogException translate(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    boolean retryable =
        e instanceof SQLTransientException
            || e instanceof SQLRecoverableException
            || state.startsWith("08") // connection exception
            || state.startsWith("40"); // serialization failure, deadlock
    String hint;
    if (state.equals("42P01")
        || state.equals("42S02")
        || state.equals("42S04")
        || state.equals("42102")) {
      hint =
          " The catalog's tables are missing: run JdbcImageCatalog.migrate() once on this database.";
    } else if (retryable) {
      hint = " The database connection failed; try again.";
    } else {
      hint = "";
    }
    return new CatalogException(
        "Catalog database failed to "
            + what
            + " (SQLState "
            + (state.isEmpty() ? "unknown" : state)
            + ")."
            + hint,
        e,
        retryable);
  }

  /** Whether {@code e} is a unique or primary key violation. */
  public static boolean isUniqueViolation(SQLException e) {
    String state = e.getSQLState();
    return state != null
        && (state.equals("23505") || state.equals("23000") || state.equals("23001"));
  }

  /** Sets a timestamp parameter portably (PostgreSQL and H2 both take {@link OffsetDateTime}). */
  public static void setInstant(PreparedStatement ps, int index, Instant instant)
      throws SQLException {
    ps.setObject(index, instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
  }

  /** Reads a timestamp column, or {@code null}. */
  public static Instant getInstant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** Sets a UUID parameter. */
  public static void setUuid(PreparedStatement ps, int index, UUID id) throws SQLException {
    ps.setObject(index, id);
  }

  /** Reads a UUID column, or {@code null}. */
  public static UUID getUuid(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, UUID.class);
  }

  /**
   * The database product, lower case ({@code "postgresql"}, {@code "h2"}, …). Called when a catalog
   * is built, usually outside any transaction: a connection that then already counts as the
   * application's transaction most likely comes from a pool configured with auto-commit off, whose
   * connections the default {@link JdbcConnections} would join and never commit, so this warns.
   */
  public String product() {
    return run(
        "read the database product",
        c -> {
          if (!detached && connections.isApplicationTransaction(c)) {
            LOG.warn(
                "The catalog's first connection ({}) already counts as the application's"
                    + " transaction: RenderLab joins such connections and never commits them. If"
                    + " the pool hands out connections with auto-commit off, give the catalog a"
                    + " JdbcConnections that knows the application's transactions (the Spring Boot"
                    + " starter's SpringJdbcConnections), or turn auto-commit on.",
                connections);
          }
          return c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        });
  }
}
