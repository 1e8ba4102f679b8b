package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.Redaction;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.TableNames;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.ImageStores;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import io.renderlab.thumbnails.Thumbnailer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * What one CLI run shares: the environment, the output streams, the resolved settings, and the SDK
 * clients built from them (lazily, and closed when the run ends).
 */
final class CliContext implements AutoCloseable {
  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private CommonOptions options;
  private Settings settings;
  private ImageCatalog catalog;
  private ImageStore store;
  private RemoteFetcher fetcher;
  private Ingestor ingestor;
  private ThumbnailService thumbnails;
  private ReplicateClient replicate;
  private RenderLabPipeline pipeline;
  private String webhookUrl;
  private boolean remoteUsers;
  private io.renderlab.core.EventListener listener = io.renderlab.core.EventListener.NONE;
  private io.renderlab.generations.RecoveryWorker recovery;
  private int thumbnailWorkers;
  private QueryMeter meter;
  private DataSource dataSource;

  CliContext(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = Map.copyOf(env);
    this.out = out;
    this.err = err;
    this.options = EnvironmentDefaults.commonOptions(this.env);
  }

  void use(CommonOptions options) {
    this.options = options;
    this.settings = Settings.resolve(options, env);
  }

  Map<String, String> env() {
    return env;
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  boolean json() {
    return options.json;
  }

  boolean debug() {
    return options.debug;
  }

  Settings settings() {
    if (settings == null) {
      settings = Settings.resolve(options, env);
    }
    return settings;
  }

  /** Registers something to close when the run ends (closed last-in, first-out). */
  <T extends AutoCloseable> T closeLater(T resource) {
    resources.push(resource);
    return resource;
  }

  /** The catalog, with its schema applied (the CLI owns the database it is pointed at). */
  synchronized ImageCatalog catalog() {
    if (catalog == null) {
      Settings s = settings();
      dataSource = dataSource(s);
      TableNames tables = s.tableNames;
      var jdbc = JdbcImageCatalog.builder().dataSource(dataSource).tableNames(tables).build();
      jdbc.migrate();
      catalog = jdbc;
    }
    return catalog;
  }

  /** The object store of {@code --storage}. */
  synchronized ImageStore store() {
    if (store == null) {
      Settings s = settings();
      store =
          closeLater(
              s.publicBaseUrl
                  .map(base -> ImageStores.fromUrl(s.storageUrl, base))
                  .orElseGet(() -> ImageStores.fromUrl(s.storageUrl)));
    }
    return store;
  }

  /** The fetch policy: {@code --allow-host}, {@code --max-bytes}. */
  synchronized RemoteFetcher fetcher() {
    if (fetcher == null) {
      Settings s = settings();
      fetcher =
          closeLater(RemoteFetcher.builder().allowHosts(s.allowHosts).maxBytes(s.maxBytes).build());
    }
    return fetcher;
  }

  /**
   * The URLs given to this run come from remote users ({@code serve}): they are fetched under the
   * strict policy, without the operator's {@code --allow-host} exemptions. Set before the ingestor
   * is first used.
   */
  synchronized void remoteUsers() {
    if (ingestor != null) {
      throw new IllegalStateException("the ingestor is built already");
    }
    this.remoteUsers = true;
  }

  /**
   * Downloads and uploads into the store. On the command line the person who runs it is the
   * operator, so the URLs they give (an edit's image, a mask) are fetched with their own {@code
   * --allow-host} exemptions; {@code serve}'s users get the strict policy.
   */
  synchronized Ingestor ingestor() {
    if (ingestor == null) {
      Ingestor.Builder b = Ingestor.builder().store(store()).fetcher(fetcher());
      if (!remoteUsers) {
        b.userFetcher(fetcher());
      }
      ingestor = b.build();
    }
    return ingestor;
  }

  /** The renderer with {@code --max-pixels}. */
  Thumbnailer thumbnailer() {
    Settings s = settings();
    return Thumbnailer.builder().maxPixels(s.maxPixels).maxInputBytes(s.maxBytes).build();
  }

  /** The background thumbnail worker, started; stopped when the run ends. */
  synchronized ThumbnailService thumbnails() {
    if (thumbnails == null) {
      thumbnails = closeLater(newThumbnailService(thumbnailWorkers).start());
    }
    return thumbnails;
  }

  /**
   * Render threads of {@link #thumbnails()} ({@code --threads} of a backfill); the number of
   * processors by default. Set before the worker is first used.
   */
  synchronized void thumbnailWorkers(int workers) {
    if (thumbnails != null) {
      throw new IllegalStateException("the thumbnail worker is built already");
    }
    this.thumbnailWorkers = workers;
  }

  /**
   * A thumbnail worker (not started) configured as {@link #thumbnails()} is, with {@code workers}
   * render threads (0: the number of processors); the caller closes it. For {@code bench backfill},
   * which starts a fresh one per timed run.
   */
  ThumbnailService newThumbnailService(int workers) {
    ThumbnailService.Builder b =
        ThumbnailService.builder()
            .catalog(catalog())
            .jobs(catalog().thumbnailJobs())
            .store(store())
            .fetcher(fetcher());
    if (workers > 0) {
      b.workers(workers).thumbnailer(thumbnailer(workers));
    } else {
      b.thumbnailer(thumbnailer());
    }
    return b.build();
  }

  /** The renderer with {@code --max-pixels}, its memory budget shared by {@code concurrency}. */
  Thumbnailer thumbnailer(int concurrency) {
    Settings s = settings();
    return Thumbnailer.builder()
        .maxPixels(s.maxPixels)
        .maxInputBytes(s.maxBytes)
        .concurrency(concurrency)
        .build();
  }

  /**
   * Counts the statements and the physical connections of the catalog's database ({@code bench
   * backfill}); set before the catalog is first used.
   */
  synchronized void meter(QueryMeter meter) {
    if (catalog != null) {
      throw new IllegalStateException("the catalog is built already");
    }
    this.meter = meter;
  }

  /** The catalog's (pooled) data source, for the bench's connection count. */
  synchronized DataSource dataSource() {
    catalog();
    return dataSource;
  }

  /**
   * Whether stderr is a terminal: progress lines are for a person watching, never for a log file or
   * a pipe. On Linux, from the file descriptor itself (so {@code --json > out.json} still shows
   * progress); elsewhere, whether the JVM has a console.
   */
  boolean errIsTerminal() {
    if (err != System.err) {
      return false;
    }
    java.nio.file.Path fd2 = java.nio.file.Path.of("/proc/self/fd/2");
    if (Files.exists(java.nio.file.Path.of("/proc/self/fd"))) {
      try {
        String target = Files.readSymbolicLink(fd2).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      } catch (java.io.IOException | UnsupportedOperationException e) {
        return false;
      }
    }
    return System.console() != null;
  }

  /** The Replicate client; a configuration error (exit 2) without {@code REPLICATE_API_TOKEN}. */
  synchronized ReplicateClient replicate() {
    if (replicate == null) {
      Settings s = settings();
      replicate =
          closeLater(
              ReplicateClient.builder()
                  .token(s.requireReplicateToken())
                  .baseUrl(s.replicateBaseUrl)
                  .build());
    }
    return replicate;
  }

  /** The Replicate webhook signing secret from {@code REPLICATE_WEBHOOK_SECRET}, when set. */
  java.util.Optional<String> replicateSecret() {
    String v = env.get("REPLICATE_WEBHOOK_SECRET");
    return v == null || v.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(v.strip());
  }

  /** Whether a Replicate token is configured. */
  boolean hasReplicateToken() {
    return settings().replicateToken.isPresent();
  }

  /** The composed pipeline; with Replicate when a token is set. */
  /**
   * The URL Replicate POSTs completed predictions to (serve with a public URL); set before the
   * pipeline is first used.
   */
  synchronized void webhookUrl(String url) {
    if (pipeline != null) {
      throw new IllegalStateException("the pipeline is built already");
    }
    this.webhookUrl = url;
  }

  /** What hears the pipeline's events; set before the pipeline is first used. */
  synchronized void listener(io.renderlab.core.EventListener listener) {
    if (pipeline != null) {
      throw new IllegalStateException("the pipeline is built already");
    }
    this.listener = listener;
  }

  synchronized RenderLabPipeline pipeline() {
    if (pipeline == null) {
      RenderLabPipeline.Builder b =
          RenderLabPipeline.builder()
              .ingestor(ingestor())
              .catalog(catalog())
              .thumbnails(thumbnails());
      if (hasReplicateToken()) {
        b.replicate(replicate());
      }
      if (webhookUrl != null) {
        b.webhookUrl(webhookUrl);
      }
      b.listener(listener);
      InputFieldOverrides.parse(env.get(InputFieldOverrides.VARIABLE)).forEach(b::inputFields);
      String lease = env.get("RENDERLAB_GENERATION_LEASE");
      if (lease != null && !lease.isBlank()) {
        b.leaseDuration(Durations.parse(lease.strip(), "RENDERLAB_GENERATION_LEASE"));
      }
      pipeline = closeLater(b.build()); // closing hands unfinished generations' leases back
    }
    return pipeline;
  }

  /** The generation recovery worker, started; stopped when the run ends. */
  synchronized io.renderlab.generations.RecoveryWorker recoveryWorker() {
    if (recovery == null) {
      recovery =
          closeLater(
              io.renderlab.generations.RecoveryWorker.builder()
                  .generations(pipeline().generations())
                  .build()
                  .start());
    }
    return recovery;
  }

  /** Progress lines go to stderr, only when it is a terminal (and never into --json stdout). */
  void progress(String line) {
    if (System.console() != null) {
      err.println(line);
    }
  }

  private DataSource dataSource(Settings s) {
    String url = s.databaseUrl;
    if (url.startsWith("jdbc:h2:file:")) {
      try {
        Files.createDirectories(s.home);
      } catch (java.io.IOException e) {
        throw new ConfigurationException(
            "Cannot create the data folder " + s.home + ": " + e.getMessage(), e);
      }
    }
    if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigurationException(
          "Unsupported --database "
              + Redaction.url(url)
              + ": use jdbc:h2:… or jdbc:postgresql://host:port/db");
    }
    if (url.startsWith("jdbc:h2:")
        && !url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_DELAY")) {
      // Keep the embedded database open between connections for the whole run: H2 otherwise
      // closes and reopens it as connections come and go, which loses concurrent writes.
      url = url + ";DB_CLOSE_DELAY=-1";
    }
    if (url.startsWith("jdbc:h2:file:")
        && !url.toUpperCase(java.util.Locale.ROOT).contains("TRACE_LEVEL_FILE")) {
      // H2 would write every SQL exception to <catalog>.trace.db beside the data, the migration's
      // expected "no such table yet" probes included; the CLI reports real failures itself.
      url = url + ";TRACE_LEVEL_FILE=0";
    }
    if (url.startsWith("jdbc:h2:file:")
        && !url.toUpperCase(java.util.Locale.ROOT).contains("WRITE_DELAY")) {
      // H2 writes commits to its file up to 500 ms late by default: a process killed in that
      // window (SIGKILL, OOM killer) would lose a generation row written just before a paid
      // prediction was created. With no delay every commit is in the file when it returns.
      url = url + ";WRITE_DELAY=0";
    }
    DataSource plain =
        new DriverManagerDataSource(
            url, s.databaseUser.orElse(null), s.databasePassword.orElse(null));
    if (meter != null) {
      plain = meter.wrap(plain);
    }
    return DatabasePool.wrap(plain, DatabasePool.size(env), this::closeLater);
  }

  @Override
  public void close() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        err.println("warning: failed to close a resource: " + e.getMessage());
      }
    }
  }

  /** A minimal DataSource over DriverManager; the CLI makes few connections per run. */
  private static final class DriverManagerDataSource implements DataSource {
    private final String url;
    private final String user;
    private final String password;

    DriverManagerDataSource(String url, String user, String password) {
      this.url = url;
      this.user = user;
      this.password = password;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return user == null
          ? DriverManager.getConnection(url)
          : DriverManager.getConnection(url, user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
      return DriverManager.getConnection(url, username, pass);
    }

    @Override
    public java.io.PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(java.io.PrintWriter out) {}

    /**
     * Kept for the pool, which sets it from its connection timeout and, closing, waits that long
     * for its connection-adding thread to end: at 0 it gave up at once and logged a warning at the
     * end of every run ("Timed-out waiting for add connection executor to shutdown").
     */
    private volatile int loginTimeout;

    @Override
    public void setLoginTimeout(int seconds) {
      loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
      return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }

    @Override
    public String toString() {
      return "DriverManagerDataSource{" + Redaction.url(url) + '}';
    }
  }
}
