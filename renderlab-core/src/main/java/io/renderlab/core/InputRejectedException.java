package io.renderlab.core;

/**
 * Input was refused by a safety or format policy: a URL the fetch policy blocks, a body over the
 * byte cap, data that is not a supported image, an image over the pixel limit.
 *
 * <p>Never retryable: the same input fails the same way. Subclasses in other modules name the exact
 * policy. The CLI maps this family to exit code 3.
 */
public class InputRejectedException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was refused and how to get past it
   * @param cause the underlying failure, or {@code null}
   */
  public InputRejectedException(String message, Throwable cause) {
    super(message, cause, false);
  }

  /** Creates an exception without a cause. */
  public InputRejectedException(String message) {
    this(message, null);
  }
}
