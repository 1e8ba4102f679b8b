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
 * a body still arriving after the body deadline fails with a 408. The answer is then completed and
 * what the client still sends drained up to a bound before the connection is closed, so a client
 * that sends its whole body before reading gets the answer rather than a reset. Paths not listed
 * get the default cap (a JSON body's).
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
      closeAfterDraining(baseRequest, null, limit);
      return;
    }
    Cap cap = new Cap(limit, System.nanoTime() + deadlineNanos, deadlineNanos);
    baseRequest.getHttpInput().addInterceptor(cap);
    super.handle(target, baseRequest, request, response);
    if (!baseRequest.isAsyncStarted()
        && hasBody(baseRequest)
        && !baseRequest.getHttpInput().isFinished()) {
      closeAfterDraining(baseRequest, cap, limit);
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
   * The answer went out before the body was read to its end (refused, or past its cap). Many
   * clients send their whole body before they read: closing with unread bytes would make the kernel
   * answer them with a reset, which destroys the answer they have not read. So the answer is
   * completed, then what the client still sends is read and discarded up to a bound (a body of
   * twice what the route accepts, or the route's cap plus {@value #DRAIN_BYTES} bytes, within
   * {@value #DRAIN_SECONDS} seconds, the idle timeout cut to 2 s meanwhile), and the connection
   * closed: the client reads the answer, then the end of the stream. A declared length beyond the
   * bound is not drained at all: such a client gets the answer only if it reads while it sends.
   */
  private static void closeAfterDraining(Request request, Cap cap, long limit) {
    try {
      request.getResponse().closeOutput();
    } catch (IOException e) {
      // the client is gone already
    }
    EndPoint endPoint = request.getHttpChannel().getEndPoint();
    long bound = Math.max(limit, DRAIN_BYTES) + limit;
    long declared = request.getContentLengthLong();
    if (endPoint.isOpen() && declared <= bound) {
      if (cap != null) {
        cap.draining = true;
      }
      endPoint.setIdleTimeout(Math.min(endPoint.getIdleTimeout(), 2_000));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
      byte[] sink = new byte[16 * 1024];
      long drained = 0;
      try {
        java.io.InputStream in = request.getInputStream();
        while (drained < bound && System.nanoTime() - end < 0) {
          int n = in.read(sink);
          if (n < 0) {
            break;
          }
          drained += n;
        }
      } catch (IOException | RuntimeException e) {
        // The request's input failed (a body past its cap fails it for good: every read throws),
        // or the client stalled: what it still sends is read from the connection itself.
        drainRaw(endPoint, bound - drained, end);
      }
    }
    endPoint.shutdownOutput();
    endPoint.close();
  }

  /**
   * Reads and discards up to {@code bound} bytes straight from the connection, until the client
   * stops sending (2 s without a byte), ends the stream or {@code end} (a {@link
   * System#nanoTime()}) passes; returns how many.
   */
  private static long drainRaw(EndPoint endPoint, long bound, long end) {
    java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(16 * 1024);
    long drained = 0;
    try {
      while (drained < bound && endPoint.isOpen()) {
        sink.clear();
        sink.flip(); // Jetty fills from the limit: an empty buffer in flush mode
        int n = endPoint.fill(sink);
        if (n < 0) {
          return drained;
        }
        if (n > 0) {
          drained += n;
          continue;
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          return drained;
        }
        org.eclipse.jetty.util.FutureCallback readable =
            new org.eclipse.jetty.util.FutureCallback();
        endPoint.fillInterested(readable);
        readable.get(Math.min(left, TimeUnit.SECONDS.toNanos(2)), TimeUnit.NANOSECONDS);
      }
    } catch (Exception e) {
      // stalled past the idle time, too slow, read already pending, or gone: close now
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    return drained;
  }

  /** The least a refused body may be drained by, so that its client reads the answer. */
  static final long DRAIN_BYTES = 16L * 1024 * 1024;

  /** The longest a refused body is drained. */
  static final long DRAIN_SECONDS = 10;

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

    /** Set once the answer is out: what still comes is discarded, not checked. */
    volatile boolean draining;

    Cap(long limit, long deadline, long timeoutNanos) {
      this.limit = limit;
      this.deadline = deadline;
      this.timeoutNanos = timeoutNanos;
    }

    @Override
    public HttpInput.Content readFrom(HttpInput.Content content) {
      if (content == null || content.isSpecial() || draining) {
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
