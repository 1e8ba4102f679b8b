package io.renderlab.core;

import java.util.Optional;

/**
 * An object store (a folder, S3, Supabase Storage) failed to read, write or delete an object.
 * Carries the object key when there was one. The CLI maps this to exit code 4.
 */
public class StorageException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  private final String key;

  /**
   * Creates an exception.
   *
   * @param message what failed and what to do next
   * @param key the object key involved, or {@code null}
   * @param cause the underlying failure, or {@code null}
   * @param retryable whether trying again may help
   */
  public StorageException(String message, String key, Throwable cause, boolean retryable) {
    super(message, cause, retryable);
    this.key = key;
  }

  /** The object key the failed operation was about, when there was one. */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }
}
