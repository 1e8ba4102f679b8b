package io.renderlab.core;

/**
 * A write was refused because an object already exists under that key, and the caller did not ask
 * to overwrite it. Nothing was changed. Choose another key, or pass the overwrite option if
 * replacing the object is intended.
 */
public class ObjectExistsException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception for {@code key}.
   *
   * @param key the key that is already taken
   */
  public ObjectExistsException(String key) {
    super(
        "An object already exists at key '"
            + key
            + "'; nothing was overwritten. Use another key, or allow overwriting if replacing it is intended.",
        key,
        null,
        false);
  }
}
