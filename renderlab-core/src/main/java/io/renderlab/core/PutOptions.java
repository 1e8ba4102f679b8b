package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How to write one object.
 *
 * @param contentType the MIME type to store
 * @param cacheControl the {@code Cache-Control} to store (default {@value #DEFAULT_CACHE_CONTROL})
 * @param length the body's exact length when known (one streamed PUT), empty when unknown
 * @param overwrite whether an existing object may be replaced; {@code false} fails with {@link
 *     ObjectExistsException} instead
 */
public record PutOptions(
    String contentType, String cacheControl, OptionalLong length, boolean overwrite) {
  /** The default cache control: caches may keep an object for an hour. */
  public static final String DEFAULT_CACHE_CONTROL = "max-age=3600";

  /** Validates the fields. */
  public PutOptions {
    Args.identifier(contentType, "contentType", 255);
    Args.identifier(cacheControl, "cacheControl", 255);
    Objects.requireNonNull(length, "length");
    if (length.isPresent() && length.getAsLong() < 0) {
      throw new IllegalArgumentException("length must not be negative");
    }
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
}
