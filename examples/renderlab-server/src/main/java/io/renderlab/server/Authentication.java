package io.renderlab.server;

import io.javalin.http.Context;
import java.util.Objects;

/**
 * Who a request acts for: the user of its {@code Authorization: Bearer} token (verified by the
 * server's {@link JwtVerifier}), or the dev user when there is no token and one is configured.
 * Every {@code /api/} route but the webhook reads it with {@link #user(Context)}. Thread-safe.
 */
final class Authentication {
  private static final String USER = "renderlab.user";

  private final RenderLabServer.Builder config;

  Authentication(RenderLabServer.Builder config) {
    this.config = config;
  }

  /** Authenticates the request and remembers its user for {@link #user(Context)}; 401 if none. */
  void authenticate(Context ctx) {
    ctx.attribute(USER, userOf(ctx));
  }

  private String userOf(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      if (config.devUser != null) {
        return config.devUser;
      }
      throw new ApiError(401, "missing Authorization: Bearer <token>");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiError(401, "Authorization must be 'Bearer <token>'");
    }
    if (config.jwt == null) {
      throw new ApiError(401, "this server runs in dev-user mode and takes no tokens");
    }
    return config.jwt.verify(header.substring(7).strip());
  }

  /** The user {@link #authenticate(Context)} found for this request. */
  static String user(Context ctx) {
    return Objects.requireNonNull(ctx.attribute(USER), "user");
  }
}
