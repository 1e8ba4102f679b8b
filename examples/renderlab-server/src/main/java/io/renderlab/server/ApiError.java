package io.renderlab.server;

/** An error answered as {@code {"error": message}} with an HTTP status. */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final transient java.time.Duration retryAfter;

  ApiError(int status, String message) {
    this(status, message, null);
  }

  ApiError(int status, String message, java.time.Duration retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfter = retryAfter;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  static ApiError notFound(String what) {
    return new ApiError(404, what + " not found");
  }
}
