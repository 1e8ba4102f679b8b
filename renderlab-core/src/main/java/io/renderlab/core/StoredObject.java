package io.renderlab.core;

import java.util.Objects;

/**
 * An object as stored: where it lives, its permanent URL, and what was written.
 *
 * <p>Immutable; a class rather than a record so that it can gain fields (an ETag, a version id)
 * without breaking callers. An {@link ImageStore} implementation makes one with {@link #builder()}.
 * Equal when every field is equal.
 *
 * <pre>{@code
 * StoredObject stored = StoredObject.builder().key(key).url(url).contentType("image/png")
 *     .bytes(written).sha256(hex).build();
 * }</pre>
 */
public final class StoredObject {
  private final String key;
  private final String url;
  private final String contentType;
  private final long bytes;
  private final String sha256;

  private StoredObject(String key, String url, String contentType, long bytes, String sha256) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(sha256, "sha256");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative");
    }
    this.key = key;
    this.url = url;
    this.contentType = contentType;
    this.bytes = bytes;
    this.sha256 = sha256;
  }

  /** A builder; every field is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this object's values. */
  public Builder toBuilder() {
    return new Builder().key(key).url(url).contentType(contentType).bytes(bytes).sha256(sha256);
  }

  /** The object key in its store. */
  public String key() {
    return key;
  }

  /** The permanent (public) URL. */
  public String url() {
    return url;
  }

  /** The MIME type it was stored with. */
  public String contentType() {
    return contentType;
  }

  /** How many bytes were written. */
  public long bytes() {
    return bytes;
  }

  /** The SHA-256 of the bytes, lower-case hex. */
  public String sha256() {
    return sha256;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof StoredObject)) {
      return false;
    }
    StoredObject other = (StoredObject) o;
    return key.equals(other.key)
        && url.equals(other.url)
        && contentType.equals(other.contentType)
        && bytes == other.bytes
        && sha256.equals(other.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, url, contentType, bytes, sha256);
  }

  /** Every field, the URL with its query string redacted. */
  @Override
  public String toString() {
    return "StoredObject[key="
        + key
        + ", url="
        + Redaction.url(url)
        + ", contentType="
        + contentType
        + ", bytes="
        + bytes
        + ", sha256="
        + sha256
        + ']';
  }

  /** Builds a {@link StoredObject}. Not thread-safe. */
  public static final class Builder {
    private String key;
    private String url;
    private String contentType;
    private long bytes = -1;
    private String sha256;

    private Builder() {}

    /** The object key in its store (required). */
    public Builder key(String key) {
      this.key = key;
      return this;
    }

    /** The permanent (public) URL (required). */
    public Builder url(String url) {
      this.url = url;
      return this;
    }

    /** The MIME type it was stored with (required). */
    public Builder contentType(String contentType) {
      this.contentType = contentType;
      return this;
    }

    /** How many bytes were written (required, not negative). */
    public Builder bytes(long bytes) {
      this.bytes = bytes;
      return this;
    }

    /** The SHA-256 of the bytes, lower-case hex (required). */
    public Builder sha256(String sha256) {
      this.sha256 = sha256;
      return this;
    }

    /**
     * Builds the object.
     *
     * @throws NullPointerException naming a missing field
     * @throws IllegalArgumentException if {@code bytes} was not set or is negative
     */
    public StoredObject build() {
      return new StoredObject(key, url, contentType, bytes, sha256);
    }
  }
}
