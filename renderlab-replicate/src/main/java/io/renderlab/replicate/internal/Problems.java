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
import java.util.Optional;

/** Maps Replicate's error answers ({@code application/problem+json}) to typed exceptions. */
public final class Problems {
  private static final ObjectMapper MAPPER = new ObjectMapper();

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
  public static RenderLabException of(int status, String body, Optional<String> retryAfter, ApiCall call, Clock clock) {
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
          "Replicate refused the token (HTTP " + status + ": " + said + ") while " + call.action()
              + ". Check REPLICATE_API_TOKEN and that the token's account can use " + call.resource() + ".",
          status, title, detail);
    }
    if (status == 404 && !call.url().getPath().contains("/v1/")) {
      // Every path of Replicate's API is under /v1: a 404 here is the base URL, not the resource.
      return new ReplicateApiException.NotFoundException(
          "Replicate answered HTTP 404 (" + said + ") while " + call.action() + ", at " + Redaction.url(call.url().toString())
              + ": the base URL looks wrong. Replicate's API lives under /v1 (https://api.replicate.com/v1); "
              + "set the client's base URL (REPLICATE_BASE_URL) to one that ends in /v1.",
          title, detail);
    }
    if (status == 404) {
      return new ReplicateApiException.NotFoundException(
          "Replicate has no " + call.resource() + " (HTTP 404: " + said + ") while " + call.action()
              + ". Check the owner/name, version id or prediction id.",
          title, detail);
    }
    if (status == 422) {
      return new ReplicateApiException.ValidationException(
          "Replicate rejected the request for " + call.resource() + " (HTTP 422): " + said, title, detail);
    }
    if (status == 429) {
      return new RateLimitedException(
          "Replicate is rate limiting " + call.action() + " (HTTP 429: " + said + "). Slow down or retry later.",
          RetryPolicy.parseRetryAfter(retryAfter.orElse(null), clock).orElse(null));
    }
    boolean retryable = status >= 500;
    return new ReplicateApiException(
        "Replicate failed " + call.action() + " (HTTP " + status + ": " + said + ")" + (retryable ? ". This is retryable." : "."),
        status, title, detail, retryable);
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
