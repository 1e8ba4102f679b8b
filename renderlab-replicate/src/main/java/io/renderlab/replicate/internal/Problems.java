package io.renderlab.replicate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.Redaction;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.ReplicateApiException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps Replicate's error answers ({@code application/problem+json}) to typed exceptions. */
public final class Problems {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern RESETS_IN =
      Pattern.compile("resets in ~?\\s*(\\d+)\\s*s", Pattern.CASE_INSENSITIVE);
  private static final Duration MAX_RESET_HINT = Duration.ofHours(1);

  private Problems() {}

  /**
   * The exception for an error answer.
   *
   * @param status the HTTP status (not 2xx)
   * @param body the body, possibly not JSON (a proxy's HTML page), possibly {@code null}
   * @param retryAfter the {@code Retry-After} header, if sent
   * @param call the request, for the message
   * @param clock to read an HTTP-date {@code Retry-After}
   */
  public static RenderLabException of(
      int status, String body, Optional<String> retryAfter, ApiCall call, Clock clock) {
    String title = null;
    String detail = null;
    try {
      JsonNode problem = MAPPER.readTree(body == null ? "" : body);
      if (problem != null && problem.isObject()) {
        title = textOrNull(problem.get("title"));
        detail = textOrNull(problem.get("detail"));
      }
    } catch (IOException notJson) {
      // a proxy's HTML page: keep the status only
    }
    String said = (detail != null ? detail : title != null ? title : "no detail").strip();
    if (status == 401 || status == 403) {
      return new ReplicateApiException.AuthenticationException(
          "Replicate refused the token (HTTP "
              + status
              + ": "
              + said
              + ") while "
              + call.action()
              + ". Check REPLICATE_API_TOKEN and that the token's account can use "
              + call.resource()
              + ".",
          status,
          title,
          detail);
    }
    if (status == 404 && !call.url().getPath().contains("/v1/")) {
      // Every path of Replicate's API is under /v1: a 404 here is the base URL, not the resource.
      return new ReplicateApiException.NotFoundException(
          "Replicate answered HTTP 404 ("
              + said
              + ") while "
              + call.action()
              + ", at "
              + Redaction.url(call.url().toString())
              + ": the base URL looks wrong. Replicate's API lives under /v1 (https://api.replicate.com/v1); "
              + "set the client's base URL (REPLICATE_BASE_URL) to one that ends in /v1.",
          title,
          detail);
    }
    if (status == 404) {
      return new ReplicateApiException.NotFoundException(
          "Replicate has no "
              + call.resource()
              + " (HTTP 404: "
              + said
              + ") while "
              + call.action()
              + ". Check the owner/name, version id or prediction id.",
          title,
          detail);
    }
    if (status == 422) {
      return new ReplicateApiException.ValidationException(
          "Replicate rejected the request for " + call.resource() + " (HTTP 422): " + said,
          title,
          detail);
    }
    if (status == 429) {
      Optional<Duration> hint = resetHint(detail != null ? detail : title);
      return new RateLimitedException(
          "Replicate is rate limiting "
              + call.action()
              + " (HTTP 429: "
              + said
              + "). Slow down or retry later.",
          RetryPolicy.parseRetryAfter(retryAfter.orElse(null), clock).or(() -> hint).orElse(null));
    }
    boolean retryable = status >= 500;
    return new ReplicateApiException(
        "Replicate failed "
            + call.action()
            + " (HTTP "
            + status
            + ": "
            + said
            + ")"
            + (retryable ? ". This is retryable." : "."),
        status,
        title,
        detail,
        retryable);
  }

  /**
   * Replicate's 429s often come without {@code Retry-After} but say when the limit resets in the
   * detail: {@code "Request was throttled. Your rate limit resets in ~30s."}. Read that hint (whole
   * seconds, at most an hour) so the retry waits for it instead of backing off blindly.
   */
  static Optional<Duration> resetHint(String detail) {
    if (detail == null) {
      return Optional.empty();
    }
    Matcher m = RESETS_IN.matcher(detail);
    if (!m.find()) {
      return Optional.empty();
    }
    String digits = m.group(1);
    if (digits.length() > 6) {
      return Optional.of(MAX_RESET_HINT);
    }
    Duration d = Duration.ofSeconds(Long.parseLong(digits));
    return Optional.of(d.compareTo(MAX_RESET_HINT) > 0 ? MAX_RESET_HINT : d);
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
