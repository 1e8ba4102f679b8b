package io.renderlab.thumbnails.internal;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;

/**
 * WebP-compressed TIFF (Compression 50001, as libtiff writes it and libvips reads it), which
 * ImageIO's TIFF plugin refuses: each strip or tile is a whole WebP bitstream, decoded by libwebp
 * (webp-imageio) and placed. Classic TIFF, RGB or RGBA, 8 bits a sample. Not public API.
 */
public final class TiffWebp {
  /** libtiff's COMPRESSION_WEBP. */
  public static final int COMPRESSION_WEBP = 50001;

  private TiffWebp() {}

  /** The first image's Compression tag, or -1 when the bytes are not a classic TIFF. */
  public static int compression(byte[] tiff) {
    long[] c = TiffIfd.of(tiff) == null ? null : TiffIfd.of(tiff).values(259);
    return c == null || c.length == 0 ? -1 : (int) c[0];
  }

  /**
   * Decodes the first image. {@code checkPixels} sees the size before anything is allocated; {@code
   * reserve} is asked for the canvas and its copy; {@code deadline} runs once per strip.
   */
  public static Interleaved decode(
      byte[] tiff,
      java.util.function.BiConsumer<Long, Long> checkPixels,
      java.util.function.LongConsumer reserve,
      Runnable deadline) {
    TiffIfd ifd = TiffIfd.of(tiff);
    long w = ifd.first(256, 0);
    long h = ifd.first(257, 0);
    int samples = (int) ifd.first(277, 1);
    if (w <= 0 || h <= 0) {
      throw refusal("its header gives no size");
    }
    checkPixels.accept(w, h);
    if (samples != 3 && samples != 4) {
      throw refusal(samples + " samples a pixel (libtiff's WebP codec writes RGB or RGBA)");
    }
    TiffIfd.Layout layout = ifd.layout(w, h);
    if (layout == null) {
      throw refusal("its strip or tile tags are missing or damaged");
    }
    boolean tiled = layout.tiled();
    long[] offsets = layout.offsets();
    long[] counts = layout.counts();
    long tw = layout.tw();
    long th = layout.th();
    long across = layout.across();
    long down = layout.down();
    if (across * down > offsets.length) {
      throw refusal("it is truncated (fewer strips or tiles than its size needs)");
    }
    // The canvas and its interleaved copy, then one strip or tile decoded at a time.
    reserve.accept(w * h * 8 + tw * th * 8);
    int width = (int) w;
    int height = (int) h;
    int[] canvas = new int[Math.multiplyExact(width, height)];
    boolean alpha = samples == 4;
    for (int i = 0; i < across * down; i++) {
      deadline.run();
      long at = offsets[i];
      long n = counts[i];
      if (at < 0 || n <= 0 || at + n > tiff.length) {
        throw refusal("it is truncated (strip or tile " + i + " lies past its end)");
      }
      BufferedImage part = webp(java.util.Arrays.copyOfRange(tiff, (int) at, (int) (at + n)));
      int x0 = (int) (i % across * tw);
      int y0 = (int) (i / across * th);
      int pw = Math.min(part.getWidth(), width - x0);
      int ph = Math.min(part.getHeight(), height - y0);
      if (pw > 0 && ph > 0) {
        part.getRGB(0, 0, pw, ph, canvas, y0 * width + x0, width);
      }
    }
    return Interleaved.ofArgb(canvas, width, height, alpha);
  }

  private static BufferedImage webp(byte[] webp) {
    try (BytesImageInputStream in = new BytesImageInputStream(webp)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw refusal("a strip is not a WebP bitstream");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof UnsupportedImageException u) {
        throw u;
      }
      throw refusal("libwebp could not decode a strip (" + e.getMessage() + ")");
    }
  }

  private static UnsupportedImageException refusal(String why) {
    return new UnsupportedImageException(
        "Cannot decode this WebP-compressed image/tiff image: " + why + ".");
  }
}
