package io.renderlab.server;

import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.server.handler.StatisticsHandler;

/**
 * The Javalin app on its Jetty server, with the server's limits: graceful stop, request and upload
 * sizes, the body limits (size, rate, total time) and the connection guard. Routes are added by
 * {@link RenderLabServer}.
 */
final class ServerWiring {
  private ServerWiring() {}

  /**
   * A Javalin app configured from the built options; {@code self} returns the app once created (the
   * body limits reach it at request time).
   */
  static Javalin create(
      RenderLabServer.Builder b, ConnectionGuard connections, Supplier<Javalin> self) {
    BodyLimits bodies =
        new BodyLimits(
            RenderLabServer.MAX_JSON_BYTES,
            Map.of("/api/upload", b.maxUploadBytes + 64 * 1024),
            b.requestBodyTimeout);
    return Javalin.create(
        cfg -> {
          cfg.showJavalinBanner = false;
          // Graceful stop: Jetty stops accepting, then waits for the requests the
          // StatisticsHandler
          // counts (up to the stop timeout) before it closes connections.
          cfg.jetty.modifyServer(
              server -> {
                server.setHandler(new StatisticsHandler());
                server.setStopTimeout(b.shutdownTimeout.toMillis());
                server.setStopAtShutdown(false);
              });
          cfg.http.maxRequestSize = RenderLabServer.MAX_JSON_BYTES;
          cfg.jetty.multipartConfig.maxFileSize(b.maxUploadBytes, SizeUnit.BYTES);
          cfg.jetty.multipartConfig.maxTotalRequestSize(
              b.maxUploadBytes + 64 * 1024, SizeUnit.BYTES);
          cfg.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
          BodyLimits.configure(
              cfg, bodies, b.host, b.port, b.idleTimeout, b.minRequestDataRate, connections, self);
        });
  }
}
