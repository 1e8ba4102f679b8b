package io.renderlab.thumbnails;

import java.util.Objects;

/**
 * A rendered thumbnail: WebP bytes and their dimensions.
 *
 * <p>A record that will not grow: a thumbnail is its encoded bytes and their dimensions (WebP by
 * contract). {@code equals} compares the array by identity, as records do.
 *
 * @param webp the encoded WebP
 * @param width its width in pixels
 * @param height its height in pixels
 */
public record Thumbnail(byte[] webp, int width, int height) {
  /** Validates the fields. */
  public Thumbnail {
    Objects.requireNonNull(webp, "webp");
  }

  /** The MIME type, {@code image/webp}. */
  public String contentType() {
    return "image/webp";
  }
}
