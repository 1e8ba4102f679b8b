package io.renderlab.core;

/**
 * The remote server failed: an error status, a dropped connection, an unresolvable host. A 403, 404
 * or 410 from a delivery URL usually means the URL expired (Replicate's output URLs live about an
 * hour): {@link #isExpired()} says so, and it is not retryable.
 */
public class RemoteFetchFailedException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final boolean expired;

  /**
   * Creates an exception.
   *
   * @param message what failed, with the redacted URL
   * @param statusCode the HTTP status, 0 without a response
   * @param cause the underlying failure, or {@code null}
   * @param retryable whether trying again may help
   * @param expired whether the source looks expired or gone
   */
  public RemoteFetchFailedException(
      String message, int statusCode, Throwable cause, boolean retryable, boolean expired) {
    super(message, statusCode, cause, retryable);
    this.expired = expired;
  }

  /** Whether the source answered as expired or gone (403, 404, 410). */
  public boolean isExpired() {
    return expired;
  }
}
