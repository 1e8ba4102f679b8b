package io.renderlab.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Every error the server answers is {@code {"error": "..."}} with {@code application/json}: from a
 * route, from Javalin (unknown path 404, wrong method 405), from the body limits (413, 408), and
 * from Jetty itself (malformed requests, oversized headers). Never a stack trace.
 */
final class ApiErrors {
  /** The statuses whose body is made JSON when whatever produced them wrote something else. */
  private static final int[] STATUSES = {
    400, 401, 403, 404, 405, 406, 408, 409, 411, 413, 414, 415, 421, 422, 429, 431, 500, 501, 502,
    503, 504, 505
  };

  private ApiErrors() {}

  /** Registers the mappings on a Javalin app (more specific than the routes' own catch-all). */
  static void install(Javalin app) {
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> {
          if (e.getStatus() == 405) {
            ctx.header(
                "Allow", String.join(", ", e.getDetails().values()).toUpperCase(Locale.ROOT));
            write(ctx, 405, "method " + ctx.method() + " not allowed on " + ctx.path());
          } else if (e.getStatus() == 404) {
            write(ctx, 404, "no route " + ctx.method() + " " + ctx.path());
          } else {
            write(ctx, e.getStatus(), e.getMessage());
          }
        });
    app.exception(
        BadMessageException.class,
        (e, ctx) -> {
          if (e.getCode() == 408 || e.getCode() == 413) {
            ctx.header("Connection", "close");
          }
          write(
              ctx,
              e.getCode(),
              e.getReason() == null ? HttpStatus.getMessage(e.getCode()) : e.getReason());
        });
    app.exception(BodyLimits.TooLargeException.class, (e, ctx) -> tooLarge(ctx, e));
    app.exception(
        IOException.class,
        (e, ctx) -> {
          ApiError mapped = unreadableBody(e);
          if (mapped.status == 408 || mapped.status == 413) {
            ctx.header("Connection", "close");
          }
          write(ctx, mapped.status, mapped.getMessage());
        });
    app.after(BodyLimits::markUnreadBody);
    for (int status : STATUSES) {
      app.error(
          status,
          ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.startsWith("application/json")) {
              write(ctx, status, HttpStatus.getMessage(status));
            }
          });
    }
  }

  private static void tooLarge(Context ctx, BodyLimits.TooLargeException e) {
    ctx.header("Connection", "close");
    write(ctx, 413, e.getMessage());
  }

  /**
   * What a failed read of the request body means for the client: 413 past the cap, 408 too slow or
   * stalled, 400 otherwise (the body ended early or could not be read).
   */
  static ApiError unreadableBody(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BodyLimits.TooLargeException) {
        return new ApiError(413, t.getMessage());
      }
      if (t instanceof BadMessageException) {
        BadMessageException bad = (BadMessageException) t;
        return new ApiError(
            bad.getCode(),
            bad.getReason() == null ? HttpStatus.getMessage(bad.getCode()) : bad.getReason());
      }
      if (t instanceof TimeoutException) {
        return new ApiError(408, "request body not received in time");
      }
      if (t instanceof EofException) {
        return new ApiError(400, "the request body ended early");
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return new ApiError(400, "the request body could not be read");
  }

  /**
   * An absolute file path in a message: a slash not preceded by a URL's host, scheme or path
   * characters, then at least two segments ({@code /srv/renderlab/objects/ada}).
   */
  private static final java.util.regex.Pattern ABSOLUTE_PATH =
      java.util.regex.Pattern.compile(
          "(?<![\\w.:/%~-])/(?:[^\\s/'\"`,;:]+/)+(?:[^\\s/'\"`,;:]*[^\\s/'\"`,;:.])?");

  /**
   * A message as a client may read it: absolute file paths (the storage folder, temporary files)
   * replaced, so that no error body tells the server's layout. URLs are kept.
   */
  static String scrub(String message) {
    if (message == null) {
      return null;
    }
    return ABSOLUTE_PATH.matcher(message).replaceAll("<path>");
  }

  /** Writes {@code {"error": message}} with a status on a Javalin context. */
  static void write(Context ctx, int status, String message) {
    ctx.status(status);
    ctx.json(
        Map.of(
            "error",
            message == null || message.isBlank() ? HttpStatus.getMessage(status) : message));
  }

  /** Writes a JSON error on a raw servlet response (outside Javalin). */
  static void writeDirect(HttpServletResponse response, int status, String message)
      throws IOException {
    byte[] body = body(status, message);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  static byte[] body(int status, String message) {
    String text = message == null || message.isBlank() ? HttpStatus.getMessage(status) : message;
    return RenderLabServer.JSON
        .createObjectNode()
        .put("error", text)
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Jetty's error handler, for errors raised before a request reaches Javalin: JSON, no stack. */
  static final class JsonErrorHandler extends ErrorHandler {
    JsonErrorHandler() {
      setShowStacks(false);
      setShowServlet(false);
    }

    @Override
    protected void generateAcceptableResponse(
        Request baseRequest,
        HttpServletRequest request,
        HttpServletResponse response,
        int code,
        String message)
        throws IOException {
      writeDirect(response, code, message);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      if (HttpStatus.hasNoBody(status)) {
        return ByteBuffer.allocate(0);
      }
      fields.put(HttpHeader.CONTENT_TYPE, "application/json");
      return ByteBuffer.wrap(body(status, reason));
    }
  }
}
