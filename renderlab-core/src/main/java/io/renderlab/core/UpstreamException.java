package io.renderlab.core;

import java.util.OptionalInt;

/**
 * A remote service (Replicate, an image host, a delivery URL) failed or refused the request.
 *
 * <p>Carries the HTTP status when there was one. 5xx answers and dropped connections are retryable;
 * 4xx answers are not (except 429, see {@link RateLimitedException}). The CLI maps this family to
 * exit code 4.
 */
public class UpstreamException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;

  /**
   * Creates an exception.
   *
   * @param message what failed and what to do next
   * @param statusCode the HTTP status, or {@code 0} when no response arrived
   * @param cause the underlying failure, or {@code null}
   * @param retryable whether trying again may help
   */
  public UpstreamException(String message, int statusCode, Throwable cause, boolean retryable) {
    super(message, cause, retryable);
    this.statusCode = statusCode;
  }

  /** The HTTP status of the failed response, empty when no response arrived. */
  public OptionalInt statusCode() {
    return statusCode == 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }
}
