package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.server.RenderLabServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve [--port 8080] [--host 127.0.0.1] [--dev-user NAME] [--public-url URL]}: the sample
 * server.
 *
 * <p>Runs until SIGTERM (or Ctrl-C): then it stops accepting connections, lets in-flight requests
 * finish, stops the thumbnail worker (unfinished jobs stay queued in the catalog) and exits 0. Jobs
 * left by an earlier run are picked up as soon as it starts, and so are generations an earlier (or
 * another) instance left unfinished: a recovery worker resumes those whose lease lapsed ({@code
 * RENDERLAB_GENERATION_LEASE}, 30 s by default) and records their outputs.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Starts the sample server: RenderLab's routes over the SDK, with auth (RENDERLAB_SUPABASE_URL and/or RENDERLAB_JWT_SECRET) or --dev-user, and a gallery page.")
final class ServeCommand extends CliCommand {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Interface to bind (default ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--dev-user",
      paramLabel = "NAME",
      description = "Serve without tokens as this user (loopback only).")
  String devUser;

  @Option(
      names = "--max-upload-bytes",
      paramLabel = "SIZE",
      defaultValue = "50MiB",
      description = "Largest upload (default ${DEFAULT-VALUE}).")
  ByteSize maxUpload;

  @Option(
      names = "--max-generations-per-user",
      paramLabel = "N",
      defaultValue = "2",
      description =
          "Predictions one user may have in flight (a collection of N counts N); more get 429 with Retry-After (default ${DEFAULT-VALUE}).")
  int maxGenerations;

  @Option(
      names = "--public-url",
      paramLabel = "URL",
      description =
          "The server's public URL (env RENDERLAB_SERVER_URL): generations then complete by Replicate webhook instead of polling.")
  String publicUrl;

  @Option(
      names = "--shutdown-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description = "How long in-flight requests may run after SIGTERM (default ${DEFAULT-VALUE}).")
  Duration shutdownTimeout;

  @Option(
      names = "--supabase-url",
      paramLabel = "URL",
      description =
          "The Supabase project (env RENDERLAB_SUPABASE_URL) whose JWKS verifies ES256/RS256 user tokens; iss must be URL/auth/v1.")
  String supabaseUrl;

  @Option(
      names = "--models",
      paramLabel = "LIST",
      description =
          "Models users may run (env RENDERLAB_MODELS): comma-separated owner/name or owner/*; default the default model only.")
  String models;

  @Option(
      names = "--max-collection-prompts",
      paramLabel = "N",
      defaultValue = "20",
      description = "Most prompts in one collection (default ${DEFAULT-VALUE}).")
  int maxCollectionPrompts;

  @Option(
      names = "--daily-quota",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Predictions one user may start per UTC day, counted in memory (default ${DEFAULT-VALUE}: no quota).")
  int dailyQuota;

  @Option(
      names = "--min-request-rate",
      paramLabel = "SIZE",
      defaultValue = "4KiB",
      description =
          "Slowest request body accepted, per second, averaged from its first byte; slower gets 408 (default ${DEFAULT-VALUE}; 0 disables).")
  String minRequestRate;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description =
          "How long a connection may stay silent (mid-request: 408) (default ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--request-body-timeout",
      paramLabel = "DURATION",
      defaultValue = "10m",
      description =
          "Longest time one request body may take to arrive; later gets 408 (default ${DEFAULT-VALUE}).")
  Duration requestBodyTimeout;

  @Option(
      names = "--header-timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description =
          "Longest time a connection may take to send a whole request head, whatever its byte rate; later it is closed (default ${DEFAULT-VALUE}).")
  Duration headerTimeout;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "Most connections open at once; past it, the one waiting longest without a request is closed for the newcomer (default ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Most connections open at once from one address; past it, that address's connection waiting longest without a request is closed (default ${DEFAULT-VALUE}).")
  int maxConnectionsPerAddress;

  @Option(
      names = "--token-roles",
      paramLabel = "LIST",
      defaultValue = "authenticated",
      description =
          "The role claims a user token may carry, comma-separated (default ${DEFAULT-VALUE}: the project's anon and service_role keys get 401).")
  String tokenRoles;

  @Override
  protected int execute() throws InterruptedException {
    String secret = context.env().get("RENDERLAB_JWT_SECRET");
    String supabase = supabaseUrl;
    boolean hasSecret = secret != null && !secret.isBlank();
    boolean hasProject = supabase != null && !supabase.isBlank();
    if (devUser == null && !hasSecret && !hasProject) {
      throw new ConfigurationException(
          "Set RENDERLAB_SUPABASE_URL (or --supabase-url: the Supabase project whose JWKS verifies user tokens) "
              + "and/or RENDERLAB_JWT_SECRET (its legacy JWT secret), or pass --dev-user NAME for a local trial.");
    }
    String allowed = models;
    int listenPort = port == 0 ? freePort(host) : port;
    if (settings().storageUrl.startsWith("file:") && settings().publicBaseUrl.isEmpty()) {
      // Folder storage is served under /files/, so stored objects get URLs a browser can load.
      options.publicBaseUrl = "http://" + hostForUrl(host) + ":" + listenPort + "/files/";
    }
    String database = settings().databaseUrl;
    boolean embedded =
        database.startsWith("jdbc:h2:")
            && !database.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT");
    if (embedded) {
      // H2 closes an embedded database from its own shutdown hook, racing ours: requests that
      // finish after SIGTERM, and the thumbnail worker giving back its leases, must still write.
      // The hook below closes it (flushing its write delay) once they are done.
      options.database = database + ";DB_CLOSE_ON_EXIT=FALSE";
    }
    context.use(options);
    // The thumbnailer decodes bytes already in memory; ImageIO's default disk cache would register
    // a JVM shutdown hook on first use, which fails for renders that run while the server drains.
    ImageIO.setUseCache(false);
    context.listener(
        new ServeEvents()); // a line per generation that ends, is taken over or given up
    context.remoteUsers(); // users' URLs: the strict policy, without --allow-host
    String url = publicUrl;
    if (url != null && !url.isBlank() && context.hasReplicateToken()) {
      // Every generation goes through its row: Replicate's delivery completes it in any instance.
      context.webhookUrl(url.strip().replaceAll("/+$", "") + "/api/webhooks/replicate");
    }
    RenderLabServer.Builder b =
        RenderLabServer.builder()
            .pipeline(context.pipeline(), context.thumbnails())
            .host(host)
            .port(listenPort)
            .maxUploadBytes(maxUpload.bytes())
            .maxConcurrentGenerations(maxGenerations)
            .shutdownTimeout(shutdownTimeout)
            .maxCollectionPrompts(maxCollectionPrompts)
            .dailyQuota(dailyQuota)
            .minRequestDataRate(
                minRequestRate.strip().equals("0") // 0 disables: not a size
                    ? 0
                    : ByteSize.parse(minRequestRate, "--min-request-rate").bytes())
            .idleTimeout(idleTimeout)
            .requestBodyTimeout(requestBodyTimeout)
            .headerTimeout(headerTimeout);
    try {
      b.maxConnections(maxConnections, maxConnectionsPerAddress);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          e.getMessage() + " (--max-connections, --max-connections-per-address)", e);
    }
    if (hasSecret) {
      b.jwtSecret(secret.strip());
    }
    try {
      if (hasProject) {
        b.supabaseUrl(supabase.strip());
      }
      if (allowed != null && !allowed.isBlank()) {
        b.models(java.util.List.of(allowed.split(",")));
      }
      b.tokenRoles(java.util.List.of(tokenRoles.split(",")));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          e.getMessage()
              + " (--supabase-url / RENDERLAB_SUPABASE_URL, --models / RENDERLAB_MODELS,"
              + " --token-roles)",
          e);
    }
    if (devUser != null) {
      b.devUser(devUser);
    }
    if (settings().storageUrl.startsWith("file:")) {
      b.filesRoot(Path.of(URI.create(settings().storageUrl)));
    }
    if (context.replicateSecret().isPresent()) {
      b.webhookSecret(context.replicateSecret().get());
    } else if (context.hasReplicateToken()) {
      b.webhookSecret(
          () -> context.replicate().webhookSigningSecret()); // fetched once, at the first delivery
    }
    if (url != null && !url.isBlank()) {
      b.publicUrl(url.strip());
    }
    RenderLabServer server = b.build().start();
    if (context.hasReplicateToken()) {
      context.recoveryWorker(); // finishes generations a stopped instance left unfinished, now and
      // every few seconds
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              context
                  .err()
                  .println(
                      "Stopping: finishing in-flight requests; unfinished thumbnail jobs stay queued.");
              try {
                server.close(); // waits up to --shutdown-timeout for in-flight requests
              } catch (RuntimeException e) {
                context
                    .err()
                    .println("warning: the server did not stop cleanly: " + e.getMessage());
              } finally {
                // Whatever the requests did, hand the generation and thumbnail leases back, so
                // another instance resumes this one's work at once instead of after a lease.
                try {
                  context.close();
                } catch (RuntimeException e) {
                  context.err().println("warning: could not release everything: " + e.getMessage());
                }
                if (embedded) {
                  closeEmbeddedDatabase();
                }
                stopped.countDown();
              }
              // A JVM ended by SIGTERM exits 143 whatever its hooks do; the documented contract is
              // 0 after
              // a clean stop, so end it here, everything above being closed.
              context.err().flush();
              Runtime.getRuntime().halt(ExitCodes.OK);
            },
            "renderlab-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    context
        .err()
        .println(
            "RenderLab server on http://"
                + hostForUrl(host)
                + ":"
                + server.port()
                + "/ (Ctrl-C to stop)");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Stopped in-process (an embedding program or a test) rather than by a signal.
      Runtime.getRuntime().removeShutdownHook(hook);
      server.close();
    }
    return ExitCodes.OK;
  }

  /**
   * Closes the embedded H2 database cleanly, so its last writes reach the file before the JVM
   * halts.
   */
  private void closeEmbeddedDatabase() {
    String url = settings().databaseUrl;
    if (!url.toUpperCase(Locale.ROOT).contains("DB_CLOSE_DELAY")) {
      url = url + ";DB_CLOSE_DELAY=-1"; // as CliContext opens it
    }
    try (Connection c =
            DriverManager.getConnection(
                url,
                settings().databaseUser.orElse(null),
                settings().databasePassword.orElse(null));
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      context
          .err()
          .println("warning: could not close the embedded database cleanly: " + e.getMessage());
    }
  }

  private static String hostForUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new ConfigurationException(
          "Cannot find a free port on " + host + ": " + e.getMessage(), e);
    }
  }
}
