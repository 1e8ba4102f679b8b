package io.renderlab.core;

import java.time.Duration;
import java.util.Optional;

/**
 * The service answered 429 Too Many Requests and retries ran out. Retryable: wait for {@link
 * #retryAfter()} (when the server said) and try again.
 */
public class RateLimitedException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final transient Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param message what was throttled and for how long
   * @param retryAfter the server's {@code Retry-After}, or {@code null} when absent
   */
  public RateLimitedException(String message, Duration retryAfter) {
    super(message, 429, null, true);
    this.retryAfter = retryAfter;
  }

  /** How long the server asked the client to wait, when it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
