package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How to write one object.
 *
 * <pre>{@code
 * store.put(key, in, PutOptions.of("image/webp").withLength(size));
 * }</pre>
 *
 * <p>Immutable; a class rather than a record so that it can gain options without breaking callers.
 * Equal when every field is equal.
 */
public final class PutOptions {
  /** The default cache control: caches may keep an object for an hour. */
  public static final String DEFAULT_CACHE_CONTROL = "max-age=3600";

  private final String contentType;
  private final String cacheControl;
  private final OptionalLong length;
  private final boolean overwrite;

  private PutOptions(
      String contentType, String cacheControl, OptionalLong length, boolean overwrite) {
    Args.identifier(contentType, "contentType", 255);
    Args.identifier(cacheControl, "cacheControl", 255);
    Objects.requireNonNull(length, "length");
    if (length.isPresent() && length.getAsLong() < 0) {
      throw new IllegalArgumentException("length must not be negative");
    }
    this.contentType = contentType;
    this.cacheControl = cacheControl;
    this.length = length;
    this.overwrite = overwrite;
  }

  /** A new object of this type and unknown length, never overwriting. */
  public static PutOptions of(String contentType) {
    return new PutOptions(contentType, DEFAULT_CACHE_CONTROL, OptionalLong.empty(), false);
  }

  /** These options with a known length. */
  public PutOptions withLength(long length) {
    return new PutOptions(contentType, cacheControl, OptionalLong.of(length), overwrite);
  }

  /** These options allowing (or not) an existing object to be replaced. */
  public PutOptions withOverwrite(boolean overwrite) {
    return new PutOptions(contentType, cacheControl, length, overwrite);
  }

  /** These options with another cache control. */
  public PutOptions withCacheControl(String cacheControl) {
    return new PutOptions(contentType, cacheControl, length, overwrite);
  }

  /** The MIME type to store. */
  public String contentType() {
    return contentType;
  }

  /** The {@code Cache-Control} to store (default {@value #DEFAULT_CACHE_CONTROL}). */
  public String cacheControl() {
    return cacheControl;
  }

  /** The body's exact length when known (one streamed PUT), empty when unknown. */
  public OptionalLong length() {
    return length;
  }

  /**
   * Whether an existing object may be replaced; {@code false} fails with {@link
   * ObjectExistsException} instead.
   */
  public boolean overwrite() {
    return overwrite;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PutOptions)) {
      return false;
    }
    PutOptions other = (PutOptions) o;
    return contentType.equals(other.contentType)
        && cacheControl.equals(other.cacheControl)
        && length.equals(other.length)
        && overwrite == other.overwrite;
  }

  @Override
  public int hashCode() {
    return Objects.hash(contentType, cacheControl, length, overwrite);
  }

  @Override
  public String toString() {
    return "PutOptions[contentType="
        + contentType
        + ", cacheControl="
        + cacheControl
        + ", length="
        + length
        + ", overwrite="
        + overwrite
        + ']';
  }
}
