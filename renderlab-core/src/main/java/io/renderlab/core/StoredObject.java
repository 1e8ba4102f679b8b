package io.renderlab.core;

import java.util.Objects;

/**
 * An object as stored: where it lives, its permanent URL, and what was written.
 *
 * @param key the object key in its store
 * @param url the permanent (public) URL
 * @param contentType the MIME type it was stored with
 * @param bytes how many bytes were written
 * @param sha256 the SHA-256 of the bytes, lower-case hex
 */
public record StoredObject(String key, String url, String contentType, long bytes, String sha256) {
  /** Validates the fields. */
  public StoredObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(sha256, "sha256");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative");
    }
  }
}
