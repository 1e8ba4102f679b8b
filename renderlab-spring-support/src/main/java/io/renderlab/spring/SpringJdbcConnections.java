package io.renderlab.spring;

import io.renderlab.core.JdbcConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * {@link JdbcConnections} on Spring's transaction synchronization: inside a {@code @Transactional}
 * method (or a {@code TransactionTemplate}) the catalog, generation store and thumbnail job queue
 * use the transaction's own connection, join it and leave its commit or rollback to Spring; outside
 * one they take a pooled connection and run their own short transaction. Durable generations never
 * join (their rows must be committed before a paid prediction is created): they take a pooled
 * connection of their own, so a generation started inside a transaction needs a second connection
 * of the pool while it writes. The auto-configuration registers one on the application's {@code
 * DataSource}; a host wiring the catalog itself uses:
 *
 * <pre>{@code
 * JdbcImageCatalog catalog =
 *     JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(dataSource)).build();
 * }</pre>
 *
 * <p>A {@link TransactionAwareDataSourceProxy} is unwrapped to the {@code DataSource} the
 * transaction manager binds. Thread-safe.
 */
public final class SpringJdbcConnections implements JdbcConnections {
  private final DataSource dataSource;

  private SpringJdbcConnections(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Connections of {@code dataSource}, joined to Spring-managed transactions.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static SpringJdbcConnections of(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    DataSource target = dataSource;
    while (target instanceof TransactionAwareDataSourceProxy) {
      target = ((TransactionAwareDataSourceProxy) target).getTargetDataSource();
    }
    return new SpringJdbcConnections(Objects.requireNonNull(target, "target DataSource"));
  }

  /**
   * The transaction's connection when Spring has bound one to this thread (auto-commit off), else a
   * new one from the pool.
   */
  @Override
  public Connection acquire() throws SQLException {
    try {
      return DataSourceUtils.getConnection(dataSource);
    } catch (org.springframework.jdbc.CannotGetJdbcConnectionException e) {
      if (e.getCause() instanceof SQLException) {
        throw (SQLException) e.getCause();
      }
      throw new SQLException(e.getMessage(), "08001", e);
    }
  }

  /**
   * Whether Spring bound {@code connection} to this thread's transaction (exact: a pool configured
   * with auto-commit off is no trouble).
   */
  @Override
  public boolean isApplicationTransaction(Connection connection) {
    return DataSourceUtils.isConnectionTransactional(connection, dataSource);
  }

  /** A pooled connection of its own, even inside a transaction (durable generations' writes). */
  @Override
  public Connection acquireDetached() throws SQLException {
    return dataSource.getConnection();
  }

  /** Closes a connection of our own; leaves the transaction's connection to Spring. */
  @Override
  public void release(Connection connection) {
    DataSourceUtils.releaseConnection(connection, dataSource);
  }

  @Override
  public String toString() {
    return "SpringJdbcConnections{" + dataSource.getClass().getName() + '}';
  }
}
