package io.renderlab.core;

/**
 * The bytes are not an image the SDK can handle: not a recognised format, truncated, corrupt, or
 * larger than the pixel limit. Nothing was stored or rendered. Not retryable.
 */
public class UnsupportedImageException extends InputRejectedException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception; the message says what is wrong with the image. */
  public UnsupportedImageException(String message) {
    super(message);
  }

  /** Creates an exception with a cause. */
  public UnsupportedImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
