package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.server.RenderLabServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve [--port 8080] [--host 127.0.0.1] [--dev-user NAME] [--public-url URL]}: the sample
 * server.
 *
 * <p>Runs until SIGTERM (or Ctrl-C): then it stops accepting connections, lets in-flight requests
 * finish, stops the thumbnail worker (unfinished jobs stay queued in the catalog) and exits 0.
 * Jobs left by an earlier run are picked up as soon as it starts.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Starts the sample server: the seed's routes over the SDK, with auth (RENDERLAB_JWT_SECRET) or --dev-user, and a gallery page.")
final class ServeCommand extends CliCommand {
  @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default 8080; 0 picks a free one).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--dev-user", paramLabel = "NAME", description = "Serve without tokens as this user (loopback only).")
  String devUser;

  @Option(names = "--max-upload-bytes", paramLabel = "SIZE", defaultValue = "50MiB", description = "Largest upload (default 50 MiB).")
  String maxUpload;

  @Option(names = "--max-generations-per-user", paramLabel = "N", defaultValue = "2",
      description = "Generations one user may run at once; more get 429 with Retry-After (default 2).")
  int maxGenerations;

  @Option(names = "--public-url", paramLabel = "URL",
      description = "The server's public URL (env RENDERLAB_SERVER_URL): generations then complete by Replicate webhook instead of polling.")
  String publicUrl;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long in-flight requests may run after SIGTERM (default 30s).")
  String shutdownTimeout;

  @Override
  protected int execute() throws InterruptedException {
    String secret = context.env().get("RENDERLAB_JWT_SECRET");
    if (devUser == null && (secret == null || secret.isBlank())) {
      throw new ConfigurationException("Set RENDERLAB_JWT_SECRET (the Supabase project's JWT secret) or pass --dev-user NAME for a local trial.");
    }
    int listenPort = port == 0 ? freePort(host) : port;
    if (settings().storageUrl.startsWith("file:") && settings().publicBaseUrl.isEmpty()) {
      // Folder storage is served under /files/, so stored objects get URLs a browser can load.
      options.publicBaseUrl = "http://" + hostForUrl(host) + ":" + listenPort + "/files/";
      context.use(options);
    }
    RenderLabServer.Builder b =
        RenderLabServer.builder()
            .pipeline(context.pipeline(), context.thumbnails())
            .host(host)
            .port(listenPort)
            .maxUploadBytes(Settings.parseSize(maxUpload))
            .maxConcurrentGenerations(maxGenerations)
            .shutdownTimeout(Durations.parse(shutdownTimeout, "--shutdown-timeout"));
    if (secret != null && !secret.isBlank()) {
      b.jwtSecret(secret.strip());
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
      b.webhookSecret(() -> context.replicate().webhookSigningSecret()); // fetched once, at the first delivery
    }
    String url = publicUrl != null ? publicUrl : context.env().get("RENDERLAB_SERVER_URL");
    if (url != null && !url.isBlank()) {
      b.publicUrl(url.strip());
    }
    RenderLabServer server = b.build().start();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      context.err().println("Stopping: finishing in-flight requests; unfinished thumbnail jobs stay queued.");
      server.close();
      context.close();
      stopped.countDown();
    }, "renderlab-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    context.err().println("RenderLab server on http://" + hostForUrl(host) + ":" + server.port() + "/ (Ctrl-C to stop)");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Stopped in-process (an embedding program or a test) rather than by a signal.
      Runtime.getRuntime().removeShutdownHook(hook);
      server.close();
    }
    return ExitCodes.OK;
  }

  private static String hostForUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new ConfigurationException("Cannot find a free port on " + host + ": " + e.getMessage(), e);
    }
  }
}
