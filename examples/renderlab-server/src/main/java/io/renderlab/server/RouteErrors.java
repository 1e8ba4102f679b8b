package io.renderlab.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.renderlab.core.CatalogException;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.replicate.ReplicateApiException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a route's failure answers: each exception the routes and the SDK throw mapped to its status
 * and a {@code {"error": "..."}} body whose message a client may read (scrubbed of file paths;
 * storage details only in the log). Errors raised outside the routes are {@link ApiErrors}'.
 */
final class RouteErrors {
  // The server's log category, as before the routes left RenderLabServer.
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabServer.class);

  private RouteErrors() {}

  /** Registers the mappings on a Javalin app; one catalog-outage tracker per server. */
  static void install(Javalin app) {
    CatalogOutage catalogOutage = new CatalogOutage(LOG);
    app.exception(
        ApiError.class,
        (e, ctx) -> {
          if (e.status == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
          }
          if (e.status == 413 || e.status == 408) {
            ctx.header("Connection", "close"); // the rest of the body is not read
          }
          error(ctx, e.status, e.getMessage(), e.retryAfter);
        });
    app.exception(
        JwtVerifier.InvalidTokenException.class,
        (e, ctx) -> {
          ctx.header("WWW-Authenticate", "Bearer");
          error(ctx, 401, e.getMessage(), null);
        });
    app.exception(
        JwtVerifier.KeysUnavailableException.class,
        (e, ctx) -> {
          LOG.warn("Cannot verify an access token: {}", e.getMessage());
          error(
              ctx, 503, "cannot verify access tokens right now; try again", Duration.ofSeconds(30));
        });
    app.exception(
        IllegalArgumentException.class,
        (e, ctx) -> error(ctx, 400, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        InputRejectedException.class,
        (e, ctx) -> error(ctx, 422, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        ReplicateApiException.ValidationException.class,
        (e, ctx) -> error(ctx, 422, e.getMessage(), null));
    app.exception(
        RateLimitedException.class,
        (e, ctx) -> error(ctx, 429, e.getMessage(), e.retryAfter().orElse(null)));
    app.exception(
        DeadlineExceededException.class,
        (e, ctx) -> error(ctx, 504, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        ConfigurationException.class,
        (e, ctx) -> error(ctx, 503, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        CatalogException.class,
        (e, ctx) -> {
          catalogOutage.failed(e); // one warning per outage, not a line per request
          error(ctx, 503, "catalog unavailable; try again", null);
        });
    app.after(
        "/api/*",
        ctx -> {
          if (ctx.statusCode() < 500) {
            catalogOutage.succeeded(); // logs once, when an outage ends
          }
        });
    app.exception(
        io.renderlab.core.StorageException.class,
        (e, ctx) -> {
          // Its message names keys, folders, buckets: the operator's to read, not the client's.
          LOG.warn("Storage failed on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          error(ctx, 502, "the image store failed; try again later", null);
        });
    app.exception(
        ReplicateApiException.NotFoundException.class,
        (e, ctx) -> {
          // Replicate knows no such model or version: the request named it (an allowed owner/*).
          LOG.debug(
              "Replicate answered 404 on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          error(ctx, 422, "Replicate has no such model or version; check the model name", null);
        });
    app.exception(
        RenderLabException.class,
        (e, ctx) -> error(ctx, 502, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.warn("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
          error(ctx, 500, "internal error", null);
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null) {
            error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
          }
        });
  }

  private static void error(Context ctx, int status, String message, Duration retryAfter) {
    ctx.status(status);
    if (retryAfter != null) {
      ctx.header("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    }
    ctx.json(Map.of("error", message == null ? "error" : message));
  }
}
