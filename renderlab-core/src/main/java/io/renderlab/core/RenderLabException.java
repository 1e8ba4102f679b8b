package io.renderlab.core;

/**
 * The root of every exception the RenderLab SDK throws on purpose.
 *
 * <p>Catch this to handle any SDK failure in one place; catch a subclass to handle one kind of
 * failure differently. The three broad families map to what a caller does next:
 *
 * <ul>
 *   <li>{@link InputRejectedException}: the input was refused by a policy (a URL pointing at a
 *       private address, a body over the size cap, something that is not an image). Retrying the
 *       same input will fail again; fix the input or the policy.
 *   <li>{@link UpstreamException}, {@link StorageException}, {@link CatalogException}: a service
 *       the SDK depends on failed. {@link #isRetryable()} says whether trying again may help.
 *   <li>{@link DeadlineExceededException}: the operation ran out of time.
 *   <li>{@link ConfigurationException}: a required setting (a token, a URL) is missing or wrong.
 * </ul>
 *
 * <p>Messages never contain tokens, keys, JWTs or signed query strings.
 */
public class RenderLabException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /**
   * Creates an exception.
   *
   * @param message what happened, to which (redacted) input, and what to do next
   * @param cause the underlying failure, or {@code null}
   * @param retryable whether the same call may succeed if tried again
   */
  public RenderLabException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** Creates a non-retryable exception without a cause. */
  public RenderLabException(String message) {
    this(message, null, false);
  }

  /**
   * Whether trying the same call again may succeed (a throttled request, a dropped connection, a
   * 5xx). Refused input and failed predictions are not retryable.
   */
  public boolean isRetryable() {
    return retryable;
  }
}
