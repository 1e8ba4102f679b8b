package io.renderlab.thumbnails;

import io.renderlab.core.UnsupportedImageException;

/**
 * The image has more pixels than the limit (sharp's 268 402 689 by default); it was refused from
 * its header, before any pixel was decoded.
 */
public final class ImageTooLargeException extends UnsupportedImageException {
  private static final long serialVersionUID = 1L;

  private final long pixels;
  private final long limit;

  ImageTooLargeException(long width, long height, long limit) {
    super(
        "Refusing a "
            + width
            + "×"
            + height
            + " image ("
            + (width * height)
            + " pixels): over the "
            + limit
            + "-pixel limit. Raise it with Thumbnailer.builder().maxPixels(...) if this is intended.");
    this.pixels = width * height;
    this.limit = limit;
  }

  /** The image's pixel count. */
  public long pixels() {
    return pixels;
  }

  /** The limit it exceeded. */
  public long limit() {
    return limit;
  }
}
