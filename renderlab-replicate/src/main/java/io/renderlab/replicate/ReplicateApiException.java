package io.renderlab.replicate;

import io.renderlab.core.UpstreamException;
import java.util.Optional;

/**
 * Replicate answered an error ({@code application/problem+json}): carries the status, title and
 * detail. Subclasses name the cases a caller handles differently.
 */
public class ReplicateApiException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final String title;
  private final String detail;

  /**
   * Creates an exception.
   *
   * @param message what failed and what to do next (never the token)
   * @param status the HTTP status
   * @param title the problem's {@code title}, or {@code null}
   * @param detail the problem's {@code detail}, or {@code null}
   * @param retryable whether trying again may help (5xx)
   */
  public ReplicateApiException(
      String message, int status, String title, String detail, boolean retryable) {
    super(message, status, null, retryable);
    this.title = title;
    this.detail = detail;
  }

  /** The problem's title. */
  public Optional<String> title() {
    return Optional.ofNullable(title);
  }

  /** The problem's detail. */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /** 401 or 403: the token is missing, wrong or lacks access. */
  public static final class AuthenticationException extends ReplicateApiException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception (for the client and for tests of code that handles it). */
    public AuthenticationException(String message, int status, String title, String detail) {
      super(message, status, title, detail, false);
    }
  }

  /** 404: no such model, version, deployment or prediction. */
  public static final class NotFoundException extends ReplicateApiException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception (for the client and for tests of code that handles it). */
    public NotFoundException(String message, String title, String detail) {
      super(message, 404, title, detail, false);
    }
  }

  /** 422: the input does not match the model's schema. */
  public static final class ValidationException extends ReplicateApiException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception (for the client and for tests of code that handles it). */
    public ValidationException(String message, String title, String detail) {
      super(message, 422, title, detail, false);
    }
  }
}
