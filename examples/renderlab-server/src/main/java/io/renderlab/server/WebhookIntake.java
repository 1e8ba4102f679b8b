package io.renderlab.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;

/**
 * Reads a webhook delivery's body only once its headers could be genuine: the three {@code
 * webhook-*} headers present, a timestamp that is a number of seconds within the replay window, and
 * a declared length within the cap. The body is then read to the cap and no further, so an unsigned
 * or oversized delivery costs the server a few header bytes, not its memory.
 */
final class WebhookIntake {
  /** Replicate's (Standard Webhooks') replay window, as {@code WebhookVerifier} enforces it. */
  static final Duration WINDOW = Duration.ofMinutes(5);

  /** About year 5138: anything later (or negative) is not a timestamp at all. */
  private static final long LATEST_PLAUSIBLE = 100_000_000_000L;

  private WebhookIntake() {}

  static byte[] read(Context ctx, Clock clock, int maxBytes) {
    String id = ctx.header("webhook-id");
    String timestamp = ctx.header("webhook-timestamp");
    String signature = ctx.header("webhook-signature");
    if (id == null
        || id.isBlank()
        || timestamp == null
        || signature == null
        || signature.isBlank()) {
      throw new ApiError(
          401, "invalid webhook: missing webhook-id, webhook-timestamp or webhook-signature");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("webhook-timestamp must be a number of seconds since 1970");
    }
    if (seconds < 0 || seconds > LATEST_PLAUSIBLE) {
      throw ApiError.badRequest("webhook-timestamp is not a plausible time (seconds since 1970)");
    }
    long now = clock.instant().getEpochSecond();
    if (Math.abs(now - seconds) > WINDOW.toSeconds()) {
      throw new ApiError(
          401,
          "invalid webhook: webhook-timestamp is outside the "
              + WINDOW.toSeconds()
              + " s tolerance (stale or replayed)");
    }
    if (ctx.contentLength() > maxBytes) {
      throw new ApiError(413, "webhook body larger than " + maxBytes + " bytes");
    }
    try (InputStream in = ctx.bodyInputStream()) {
      byte[] body = in.readNBytes(maxBytes + 1);
      if (body.length > maxBytes) {
        throw new ApiError(413, "webhook body larger than " + maxBytes + " bytes");
      }
      return body;
    } catch (IOException e) {
      throw ApiErrors.unreadableBody(e);
    }
  }
}
