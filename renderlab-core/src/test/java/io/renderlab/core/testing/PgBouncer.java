package io.renderlab.core.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real pgbouncer in transaction mode in front of a test database, started by the test from the
 * {@code pgbouncer} binary on the PATH (Debian: {@code apt-get install pgbouncer}); {@link
 * #available()} says whether there is one. pgbouncer refuses to run as root: as root it is started
 * with {@code -u nobody}.
 */
public final class PgBouncer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final String database;
  private final Path folder;
  private final List<String> output = new ArrayList<>();

  private PgBouncer(Process process, int port, String database, Path folder) {
    this.process = process;
    this.port = port;
    this.database = database;
    this.folder = folder;
  }

  /** Whether a {@code pgbouncer} binary is on the PATH. */
  public static boolean available() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "pgbouncer"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts pgbouncer ({@code pool_mode = transaction}, at most {@code poolSize} server connections)
   * in front of {@code target}, a database of {@link EmbeddedPostgres}; returns once it listens.
   */
  public static PgBouncer start(DataSource target, int poolSize) {
    PGSimpleDataSource pg = (PGSimpleDataSource) target;
    try {
      Path folder = Files.createTempDirectory("pgbouncer");
      int port;
      try (ServerSocket free = new ServerSocket(0)) {
        port = free.getLocalPort();
      }
      Path ini = folder.resolve("pgbouncer.ini");
      Files.writeString(
          ini,
          String.join(
              "\n",
              "[databases]",
              pg.getDatabaseName()
                  + " = host=localhost port="
                  + pg.getPortNumbers()[0]
                  + " dbname="
                  + pg.getDatabaseName()
                  + " user="
                  + pg.getUser(),
              "[pgbouncer]",
              "listen_addr = 127.0.0.1",
              "listen_port = " + port,
              "unix_socket_dir =",
              "auth_type = any",
              "pool_mode = transaction",
              "default_pool_size = " + poolSize,
              "max_client_conn = 200",
              "ignore_startup_parameters = extra_float_digits",
              ""),
          StandardCharsets.UTF_8);
      // readable by the user pgbouncer runs as (nobody, when the build runs as root)
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString("rw-r--r--"));
      List<String> command = new ArrayList<>(List.of("pgbouncer"));
      if ("root".equals(System.getProperty("user.name"))) {
        command.addAll(List.of("-u", "nobody"));
      }
      command.add(ini.toString());
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      PgBouncer bouncer = new PgBouncer(process, port, pg.getDatabaseName(), folder);
      CountDownLatch listening = new CountDownLatch(1);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    synchronized (bouncer.output) {
                      bouncer.output.add(line);
                    }
                    if (line.contains("process up")) {
                      listening.countDown();
                    }
                  }
                } catch (IOException ended) {
                  // the process was stopped
                }
                listening.countDown(); // ended: start() reports it
              },
              "pgbouncer-output");
      reader.setDaemon(true);
      reader.start();
      if (!listening.await(30, TimeUnit.SECONDS) || !process.isAlive()) {
        bouncer.close();
        throw new IllegalStateException("pgbouncer did not start: " + bouncer.output());
      }
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start pgbouncer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A data source through pgbouncer, with {@code prepareThreshold=0} when {@code unnamed} (the
   * setting a transaction pooler before 1.21 needs).
   */
  public DataSource dataSource(boolean unnamed) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(database);
    ds.setUser("postgres");
    if (unnamed) {
      ds.setPrepareThreshold(0);
    }
    return ds;
  }

  /** What pgbouncer printed so far. */
  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try (var files = Files.walk(folder)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a temporary folder: left for the system to clean
    }
  }
}
