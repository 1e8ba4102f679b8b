package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import java.net.http.HttpResponse;
import java.time.Clock;

/** Maps Replicate's error answers ({@code application/problem+json}) to typed exceptions. */
final class Errors {
  private Errors() {}

  static RenderLabException of(HttpResponse<String> response, String what, Clock clock) {
    int status = response.statusCode();
    String title = null;
    String detail = null;
    try {
      JsonNode problem = ReplicateClient.MAPPER.readTree(response.body() == null ? "" : response.body());
      if (problem != null && problem.isObject()) {
        title = textOrNull(problem.get("title"));
        detail = textOrNull(problem.get("detail"));
      }
    } catch (java.io.IOException notJson) {
      // a proxy's HTML page: keep status only
    }
    String said = detail != null ? detail : title != null ? title : "no detail";
    if (status == 401 || status == 403) {
      return new ReplicateApiException.AuthenticationException(
          "Replicate refused the token (HTTP " + status + ": " + said + ") while " + what + ". Check REPLICATE_API_TOKEN.",
          status, title, detail);
    }
    if (status == 404) {
      return new ReplicateApiException.NotFoundException(
          "Replicate found no " + what + " (HTTP 404: " + said + "). Check the model, version or deployment name.", title, detail);
    }
    if (status == 422) {
      return new ReplicateApiException.ValidationException(
          "Replicate rejected the input for " + what + " (HTTP 422): " + said, title, detail);
    }
    if (status == 429) {
      return new RateLimitedException(
          "Replicate is rate limiting requests for " + what + " (HTTP 429: " + said + "). Slow down or retry later.",
          RetryPolicy.parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null), clock).orElse(null));
    }
    boolean retryable = status >= 500;
    return new ReplicateApiException(
        "Replicate failed " + what + " (HTTP " + status + ": " + said + ")" + (retryable ? ". This is retryable." : "."),
        status, title, detail, retryable);
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
