package io.renderlab.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.renderlab.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The CLI's and {@code serve}'s connection pool (HikariCP) over the configured database.
 *
 * <p>Without it every catalog call opened a new connection: a thumbnail took 8–13 new PostgreSQL
 * connections (each a TLS-less fork on the server, several ms), and the worker spent about five
 * times its render time around the render. Size from {@code RENDERLAB_DATABASE_POOL_SIZE} (default
 * {@value #DEFAULT_SIZE}; {@code 0} turns pooling off). A request that cannot get a connection
 * within {@link #CONNECTION_TIMEOUT} fails as a retryable catalog error (503 in the server) rather
 * than waiting; creating the pool never fails, so a database that is down at start is reported by
 * the first query, with the usual message.
 */
final class DatabasePool {
  static final String SIZE_ENV = "RENDERLAB_DATABASE_POOL_SIZE";
  static final int DEFAULT_SIZE = 10;
  static final int MAX_SIZE = 200;
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

  private DatabasePool() {}

  /** The pool size asked for in {@code env}: 0 (no pool) to {@value #MAX_SIZE}. */
  static int size(Map<String, String> env) {
    String raw = env.get(SIZE_ENV);
    if (raw == null || raw.isBlank()) {
      return DEFAULT_SIZE;
    }
    try {
      int n = Integer.parseInt(raw.strip());
      if (n >= 0 && n <= MAX_SIZE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigurationException(
        SIZE_ENV
            + " must be a whole number from 0 (no pool) to "
            + MAX_SIZE
            + ", was \""
            + raw.strip()
            + "\"");
  }

  /**
   * Wraps {@code plain} in a pool of {@code size} connections, registering it with {@code
   * closeLater} so it closes when the run ends; {@code plain} itself when {@code size} is 0.
   */
  static DataSource wrap(DataSource plain, int size, UnaryOperator<AutoCloseable> closeLater) {
    if (size == 0) {
      return plain;
    }
    HikariConfig config = new HikariConfig();
    config.setDataSource(plain);
    config.setPoolName("renderlab-catalog");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(Math.min(2, size));
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    config.setValidationTimeout(Math.min(CONNECTION_TIMEOUT.toMillis(), 2_000));
    config.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(config);
    closeLater.apply(pool);
    return pool;
  }
}
