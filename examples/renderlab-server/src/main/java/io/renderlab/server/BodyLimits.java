package io.renderlab.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.HandlerType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.HttpInput;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.HandlerWrapper;

/**
 * Caps every request body, by route, whether or not a {@code Content-Length} is sent.
 *
 * <p>A declared length over the route's cap is answered 413 before anything is read. Otherwise the
 * body is counted as Jetty receives it, below every reader (JSON, multipart, webhook): the read
 * that would pass the cap fails with {@link TooLargeException} instead of delivering the bytes, and
 * a body still arriving after the body deadline fails with a 408. Jetty then closes the connection
 * rather than drain what the client still sends. Paths not listed get the default cap (a JSON
 * body's).
 */
final class BodyLimits extends HandlerWrapper {
  private final long defaultLimit;
  private final Map<String, Long> prefixes;
  private final long deadlineNanos;

  BodyLimits(long defaultLimit, Map<String, Long> prefixes, Duration bodyTimeout) {
    this.defaultLimit = defaultLimit;
    this.prefixes = new LinkedHashMap<>(prefixes);
    this.deadlineNanos = bodyTimeout.toNanos();
  }

  /**
   * Puts the limits into a Javalin configuration: this handler under Jetty's statistics handler (so
   * everything Javalin serves is counted), the minimum data rate, a connector with the idle timeout
   * and the connection guard (header deadline, connection caps), JSON for Jetty's own errors, 405
   * for a known path with another method, and {@code HEAD} for every {@code GET} route (Javalin
   * would otherwise answer 200 without running it).
   */
  static void configure(
      JavalinConfig cfg,
      BodyLimits limits,
      String host,
      int port,
      Duration idleTimeout,
      long minDataRate,
      ConnectionGuard guard,
      Supplier<Javalin> app) {
    cfg.jetty.modifyServer(
        server -> {
          ((HandlerWrapper) server.getHandler()).setHandler(limits);
          server.setErrorHandler(new ApiErrors.JsonErrorHandler());
        });
    cfg.jetty.modifyServletContextHandler(
        context -> context.setErrorHandler(new ApiErrors.JsonErrorHandler()));
    cfg.jetty.modifyHttpConfiguration(
        http -> {
          http.setMinRequestDataRate(minDataRate);
          http.setSendServerVersion(false);
        });
    cfg.jetty.addConnector(
        (server, http) -> {
          ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
          connector.setHost(host);
          connector.setPort(port);
          connector.setIdleTimeout(idleTimeout.toMillis());
          // A flood keeps the kernel's accept queue full; with Java's default of 50, a health
          // check's SYN is dropped and retried a second (or three) later. The kernel caps this
          // at net.core.somaxconn.
          connector.setAcceptQueueSize(4096);
          guard.scheduler(connector.getScheduler());
          connector.addBean(guard); // header deadline and connection caps, per connection
          return connector;
        });
    cfg.jetty.timeoutStatus = 408;
    cfg.jetty.clientAbortStatus = 400;
    cfg.http.prefer405over404 = true;
    cfg.events.handlerAdded(
        added -> {
          if (added.getHttpMethod() == HandlerType.GET) {
            app.get().addHttpHandler(HandlerType.HEAD, added.getPath(), added.getHandler());
          }
        });
  }

  /** The cap of a path: the longest listed prefix, else the default. */
  long limitFor(String path) {
    long limit = defaultLimit;
    int best = -1;
    for (Map.Entry<String, Long> e : prefixes.entrySet()) {
      if (path.startsWith(e.getKey()) && e.getKey().length() > best) {
        best = e.getKey().length();
        limit = e.getValue();
      }
    }
    return limit;
  }

  @Override
  public void handle(
      String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException, ServletException {
    long limit = limitFor(target);
    if (baseRequest.getContentLengthLong() > limit) {
      response.setHeader("Connection", "close");
      ApiErrors.writeDirect(response, 413, "request body larger than " + limit + " bytes");
      baseRequest.setHandled(true);
      closeWithoutDraining(baseRequest);
      return;
    }
    baseRequest
        .getHttpInput()
        .addInterceptor(new Cap(limit, System.nanoTime() + deadlineNanos, deadlineNanos));
    super.handle(target, baseRequest, request, response);
    if (!baseRequest.isAsyncStarted()
        && hasBody(baseRequest)
        && !baseRequest.getHttpInput().isFinished()) {
      closeWithoutDraining(baseRequest);
    }
  }

  /**
   * Runs after a route, before its answer is written: an answer to a request whose body was not
   * read to its end says {@code Connection: close}, since the connection is closed after it.
   */
  static void markUnreadBody(io.javalin.http.Context ctx) {
    Request request = Request.getBaseRequest(ctx.req());
    if (request != null
        && hasBody(request)
        && !request.getHttpInput().isFinished()
        && !ctx.res().isCommitted()) {
      ctx.header("Connection", "close");
    }
  }

  private static boolean hasBody(Request request) {
    return request.getContentLengthLong() > 0
        || request.getHttpFields().contains(HttpHeader.TRANSFER_ENCODING);
  }

  /**
   * The answer went out before the body was read to its end (refused, or past its cap). Jetty would
   * read and discard the rest for as long as the client keeps sending; instead the answer is
   * completed, the write side shut (the client reads the answer, then the end of the stream) and
   * the connection closed.
   */
  private static void closeWithoutDraining(Request request) {
    try {
      request.getResponse().closeOutput();
    } catch (IOException e) {
      // the client is gone already
    }
    EndPoint endPoint = request.getHttpChannel().getEndPoint();
    endPoint.shutdownOutput();
    endPoint.close();
  }

  /** The body passed its cap; surfaces (wrapped in an {@link IOException}) from the read. */
  static final class TooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long limit;

    TooLargeException(long limit) {
      super("request body larger than " + limit + " bytes", null, false, false);
      this.limit = limit;
    }
  }

  /** Counts raw content before anything reads it. */
  private static final class Cap implements HttpInput.Interceptor {
    private final long limit;
    private final long deadline;
    private final long timeoutNanos;
    private long received;

    Cap(long limit, long deadline, long timeoutNanos) {
      this.limit = limit;
      this.deadline = deadline;
      this.timeoutNanos = timeoutNanos;
    }

    @Override
    public HttpInput.Content readFrom(HttpInput.Content content) {
      if (content == null || content.isSpecial()) {
        return content;
      }
      received += content.remaining();
      if (received > limit) {
        throw new TooLargeException(limit);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new BadMessageException(
            HttpStatus.REQUEST_TIMEOUT_408,
            "request body not received within "
                + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)
                + " s");
      }
      return content;
    }
  }
}
