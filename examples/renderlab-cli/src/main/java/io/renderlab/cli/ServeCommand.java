package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.server.RenderLabServer;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve [--port 8080] [--host 127.0.0.1] [--dev-user NAME]}: the sample server. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Starts the sample server: the seed's routes over the SDK, with auth (RENDERLAB_JWT_SECRET) or --dev-user, and a gallery page.")
final class ServeCommand extends CliCommand {
  @Option(names = "--port", defaultValue = "8080")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--dev-user", paramLabel = "NAME", description = "Serve without tokens as this user (loopback only).")
  String devUser;

  @Option(names = "--max-upload-bytes", paramLabel = "SIZE", defaultValue = "50MiB", description = "Largest upload (default 50 MiB).")
  String maxUpload;

  @Override
  protected int execute() throws InterruptedException {
    String secret = context.env().get("RENDERLAB_JWT_SECRET");
    if (devUser == null && (secret == null || secret.isBlank())) {
      throw new ConfigurationException("Set RENDERLAB_JWT_SECRET (the Supabase project's JWT secret) or pass --dev-user NAME for a local trial.");
    }
    RenderLabServer.Builder b =
        RenderLabServer.builder()
            .pipeline(context.pipeline(), context.thumbnails())
            .host(host)
            .port(port)
            .maxUploadBytes(Settings.parseSize(maxUpload));
    if (secret != null && !secret.isBlank()) {
      b.jwtSecret(secret);
    }
    if (devUser != null) {
      b.devUser(devUser);
    }
    if (settings().storageUrl.startsWith("file:")) {
      b.filesRoot(java.nio.file.Path.of(java.net.URI.create(settings().storageUrl)));
    }
    context.replicateSecret().ifPresent(b::webhookSecret);
    RenderLabServer server = b.build().start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      context.close();
      stopped.countDown();
    }, "renderlab-serve-shutdown"));
    context.err().println("RenderLab server on http://" + host + ":" + server.port() + "/ (Ctrl-C to stop)");
    stopped.await();
    return ExitCodes.OK;
  }
}
