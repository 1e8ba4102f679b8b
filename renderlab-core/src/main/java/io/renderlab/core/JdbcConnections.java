package io.renderlab.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Where the JDBC catalog, its generation store and its thumbnail job queue get their connections:
 * the one hook that lets their writes join a transaction the application already holds.
 *
 * <p>The rule: a connection {@link #acquire()} returns that {@link #isApplicationTransaction} says
 * belongs to the application's transaction (by default: it comes with auto-commit off) is joined.
 * RenderLab runs its statements on it and never calls {@code commit()}, {@code rollback()} or
 * {@code setAutoCommit()} on it, so the application's own commit or rollback decides the fate of
 * both its rows and ours (a savepoint, rolled back to when RenderLab's own statements fail, keeps
 * the application's transaction usable after an error RenderLab handles, such as a lost insert
 * race). Any other connection is RenderLab's for one short transaction of its own. Either way the
 * connection goes back through {@link #release(Connection)}, and RenderLab takes no second
 * connection for the same unit of work.
 *
 * <p>One exception: durable generations never join. A generation's row must be committed before its
 * paid prediction is created, and is then updated by other threads and instances, so the generation
 * store works on {@link #acquireDetached()} connections, committed at once whatever the
 * application's transaction does later.
 *
 * <p>{@link #of(DataSource)} is the plain default: {@code getConnection()} and {@code close()}, and
 * every connection is RenderLab's own, committed by RenderLab (whatever auto-commit the pool gives
 * it), so a pool configured with auto-commit off loses no write. It joins only when the {@code
 * DataSource} is Spring's {@code TransactionAwareDataSourceProxy}, which hands over the
 * application's connection. {@link #joining(DataSource)} applies the auto-commit rule to any other
 * {@code DataSource} that hands over the application's connection (a JTA container's, say). The
 * Spring Boot starter's {@code SpringJdbcConnections} asks Spring's transaction synchronization
 * instead.
 *
 * <pre>{@code
 * JdbcImageCatalog catalog =
 *     JdbcImageCatalog.builder().connections(JdbcConnections.of(dataSource)).build();
 * }</pre>
 *
 * <p>Implementations must be thread-safe.
 */
public interface JdbcConnections {

  /**
   * A connection for one unit of RenderLab's work: the application's transactional connection when
   * one is bound to the calling thread, else a connection of its own.
   *
   * @throws SQLException if none can be obtained
   */
  Connection acquire() throws SQLException;

  /**
   * Hands back a connection {@link #acquire()} or {@link #acquireDetached()} returned, once the
   * unit of work is done (the application's own connection stays open: its transaction is not
   * over).
   *
   * @throws SQLException if closing fails
   */
  void release(Connection connection) throws SQLException;

  /**
   * Whether {@code connection} (from {@link #acquire()}) is the application's transaction, to be
   * joined rather than committed. By default: its auto-commit is off.
   *
   * @throws SQLException if the connection cannot say
   */
  default boolean isApplicationTransaction(Connection connection) throws SQLException {
    return !connection.getAutoCommit();
  }

  /**
   * A connection outside any application transaction, for the generation store's writes, which must
   * be committed at once. By default {@link #acquire()}: a {@code DataSource} that hands over the
   * application's connection then keeps generations inside its transaction, which delays their rows
   * until it commits.
   *
   * @throws SQLException if none can be obtained
   */
  default Connection acquireDetached() throws SQLException {
    return acquire();
  }

  /**
   * Connections straight from {@code dataSource}: {@code getConnection()} and {@code close()}, each
   * RenderLab's own (committed by RenderLab) unless {@code dataSource} is Spring's {@code
   * TransactionAwareDataSourceProxy}, whose connections with auto-commit off are the application's
   * transaction and are joined.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  static JdbcConnections of(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    return direct(dataSource, handsOverTransactions(dataSource.getClass()));
  }

  /**
   * Connections straight from a {@code dataSource} that hands over the application's connection
   * while it holds a transaction (a JTA container's {@code DataSource}, a transaction-aware proxy):
   * a connection that comes with auto-commit off is joined, any other is RenderLab's own. Do not
   * use it with a plain pool configured with auto-commit off: its every connection would be joined
   * and never committed.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  static JdbcConnections joining(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    return direct(dataSource, true);
  }

  private static JdbcConnections direct(DataSource dataSource, boolean joins) {
    return new JdbcConnections() {
      @Override
      public Connection acquire() throws SQLException {
        return dataSource.getConnection();
      }

      @Override
      public void release(Connection connection) throws SQLException {
        connection.close();
      }

      @Override
      public boolean isApplicationTransaction(Connection connection) throws SQLException {
        return joins && !connection.getAutoCommit();
      }

      @Override
      public String toString() {
        return (joins ? "JdbcConnections.joining(" : "JdbcConnections.of(")
            + dataSource.getClass().getName()
            + ")";
      }
    };
  }

  /** Whether {@code type} is (a subclass of) Spring's {@code TransactionAwareDataSourceProxy}. */
  private static boolean handsOverTransactions(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName()
          .equals("org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy")) {
        return true;
      }
    }
    return false;
  }
}
