package io.renderlab.core;

/**
 * The image catalog's database failed (connection lost, constraint broken, schema missing).
 * Connection failures are retryable; a missing schema is not: run {@code migrate()} first.
 */
public class CatalogException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what failed and what to do next
   * @param cause the underlying failure, or {@code null}
   * @param retryable whether trying again may help
   */
  public CatalogException(String message, Throwable cause, boolean retryable) {
    super(message, cause, retryable);
  }
}
