package io.renderlab.thumbnails;

import io.renderlab.core.UnsupportedImageException;
import java.util.OptionalLong;

/**
 * The image is too large to render here: it has more pixels than the limit (sharp's 268 402 689 by
 * default), or decoding it at the size it would be decoded at needs more memory than one render's
 * share of the heap (see {@link Thumbnailer.Builder#concurrency}). Either way it was refused before
 * the memory was allocated. Not retryable: the same image on the same settings fails the same way.
 */
public final class ImageTooLargeException extends UnsupportedImageException {
  private static final long serialVersionUID = 1L;

  private final long pixels;
  private final long limit;
  private final long memoryNeeded;
  private final long memoryBudget;

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
    this.memoryNeeded = -1;
    this.memoryBudget = -1;
  }

  ImageTooLargeException(
      String type, long width, long height, long limit, String what, long needed, long budget) {
    super(
        "Refusing a "
            + width
            + "×"
            + height
            + " "
            + type
            + " image: decoding it needs about "
            + mib(needed)
            + " for "
            + what
            + ", over this render's "
            + mib(budget)
            + " memory budget (a share of the heap per concurrent render). Give the JVM more heap"
            + " (-Xmx), lower Thumbnailer.builder().concurrency(...), or raise"
            + " Thumbnailer.builder().maxDecodeMemory(...) if this is intended.");
    this.pixels = width * height;
    this.limit = limit;
    this.memoryNeeded = needed;
    this.memoryBudget = budget;
  }

  private static String mib(long bytes) {
    return bytes == Long.MAX_VALUE ? "more than 8 EiB" : ((bytes + (1 << 20) - 1) >> 20) + " MiB";
  }

  /** The image's pixel count. */
  public long pixels() {
    return pixels;
  }

  /** The pixel limit ({@link Thumbnailer.Builder#maxPixels}). */
  public long limit() {
    return limit;
  }

  /** The bytes decoding would have needed, when the memory budget refused the image. */
  public OptionalLong memoryNeeded() {
    return memoryNeeded < 0 ? OptionalLong.empty() : OptionalLong.of(memoryNeeded);
  }

  /** The render's memory budget in bytes, when it refused the image. */
  public OptionalLong memoryBudget() {
    return memoryBudget < 0 ? OptionalLong.empty() : OptionalLong.of(memoryBudget);
  }
}
