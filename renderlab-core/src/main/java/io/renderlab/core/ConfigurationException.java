package io.renderlab.core;

/**
 * The SDK is not configured to do what was asked: a missing token, an unreadable storage URL, an
 * unknown database URL. Not retryable; the message names the setting to fix. The CLI maps this to
 * exit code 2.
 */
public class ConfigurationException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message which setting is missing or wrong, and how to set it
   */
  public ConfigurationException(String message) {
    super(message, null, false);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message which setting is missing or wrong, and how to set it
   * @param cause the underlying failure
   */
  public ConfigurationException(String message, Throwable cause) {
    super(message, cause, false);
  }
}
