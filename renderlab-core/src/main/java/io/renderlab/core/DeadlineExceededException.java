package io.renderlab.core;

import java.time.Duration;
import java.util.Optional;

/**
 * An operation did not finish within its deadline: a download past its overall time limit, a
 * prediction still running when the caller stopped waiting. The CLI maps this to exit code 5.
 */
public class DeadlineExceededException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  private final transient Duration limit;

  /**
   * Creates an exception.
   *
   * @param message what timed out and what happened to it (for example, that it was canceled)
   * @param limit the time limit that was exceeded, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public DeadlineExceededException(String message, Duration limit, Throwable cause) {
    super(message, cause, true);
    this.limit = limit;
  }

  /** The limit that ran out, when known. */
  public Optional<Duration> limit() {
    return Optional.ofNullable(limit);
  }
}
