package io.renderlab.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Where the JDBC catalog, its generation store and its thumbnail job queue get their connections:
 * the one hook that lets their writes join a transaction the application already holds.
 *
 * <p>The rule, for every implementation: a connection that {@link #acquire()} returns with
 * auto-commit <em>off</em> is the application's transaction. RenderLab joins it: it runs its
 * statements on it and never calls {@code commit()}, {@code rollback()} or {@code setAutoCommit()}
 * on it, so the application's own commit or rollback decides the fate of both its rows and ours. A
 * connection returned with auto-commit <em>on</em> is RenderLab's to use for its own short
 * transaction (it turns auto-commit off, commits or rolls back, and restores it). Either way the
 * connection goes back through {@link #release(Connection)}, and RenderLab takes no second
 * connection for the same unit of work.
 *
 * <p>{@link #of(DataSource)} is the plain default: {@code getConnection()} and {@code close()}. It
 * already joins a transaction when the {@code DataSource} hands over the application's connection
 * (Spring's {@code TransactionAwareDataSourceProxy} does), so its pool must give out connections
 * with auto-commit on (the JDBC and HikariCP default) outside such transactions. The Spring Boot
 * starter supplies an implementation on Spring's {@code DataSourceUtils} instead.
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
   * A connection for one unit of RenderLab's work: the application's transactional connection (with
   * auto-commit off) when one is bound to the calling thread, else a connection of its own.
   *
   * @throws SQLException if none can be obtained
   */
  Connection acquire() throws SQLException;

  /**
   * Hands back a connection {@link #acquire()} returned, once the unit of work is done (the
   * application's own connection stays open: its transaction is not over).
   *
   * @throws SQLException if closing fails
   */
  void release(Connection connection) throws SQLException;

  /**
   * Connections straight from {@code dataSource}: {@code getConnection()} and {@code close()}.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  static JdbcConnections of(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
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
      public String toString() {
        return "JdbcConnections.of(" + dataSource.getClass().getName() + ")";
      }
    };
  }
}
