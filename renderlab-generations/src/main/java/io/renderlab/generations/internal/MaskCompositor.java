package io.renderlab.generations.internal;

import io.renderlab.core.UnsupportedImageException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Puts a model's output onto the original image inside the mask only, for models that take an image
 * but no mask: the output is resized to the original's size and blended in through the mask (white:
 * edit, black: keep), feathered inward, so that every pixel outside the mask stays the original's
 * exactly. The result is a PNG of the original's size. Not public API.
 */
final class MaskCompositor {
  /** The largest image composited (24 MP: 5,657² or a 6000×4000 photo). */
  static final long MAX_PIXELS = 24_000_000L;

  private MaskCompositor() {}

  /**
   * The original with the output inside the mask.
   *
   * @throws UnsupportedImageException if an input is not an image ImageIO reads, or too large
   */
  static byte[] composite(InputStream original, InputStream mask, InputStream output)
      throws IOException {
    BufferedImage base = read(original, "the original image");
    int w = base.getWidth();
    int h = base.getHeight();
    byte[] inside = maskAt(read(mask, "the mask"), w, h);
    BufferedImage edited = resized(read(output, "the model's output"), w, h);
    int radius = Math.max(2, Math.min(16, Math.min(w, h) / 100));
    byte[] feather = feathered(inside, w, h, radius);
    boolean alpha = base.getColorModel().hasAlpha();
    BufferedImage out =
        new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    int[] o = base.getRGB(0, 0, w, h, null, 0, w);
    int[] p = edited.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < o.length; i++) {
      int a = feather[i] & 0xff;
      if (a == 0) {
        continue; // outside the mask: the original's pixel, untouched
      }
      int q = o[i];
      int r = p[i];
      o[i] =
          (q & 0xff000000)
              | blend(q >>> 16 & 0xff, r >>> 16 & 0xff, a) << 16
              | blend(q >>> 8 & 0xff, r >>> 8 & 0xff, a) << 8
              | blend(q & 0xff, r & 0xff, a);
    }
    out.setRGB(0, 0, w, h, o, 0, w);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(out, "png", png);
    return png.toByteArray();
  }

  private static int blend(int keep, int edit, int a) {
    return (keep * (255 - a) + edit * a + 127) / 255;
  }

  /** Where the mask is white (luminance at least half), at the original's size. */
  private static byte[] maskAt(BufferedImage mask, int w, int h) {
    int mw = mask.getWidth();
    int mh = mask.getHeight();
    int[] px = mask.getRGB(0, 0, mw, mh, null, 0, mw);
    byte[] out = new byte[w * h];
    for (int y = 0; y < h; y++) {
      int my = (int) ((long) y * mh / h);
      for (int x = 0; x < w; x++) {
        int v = px[my * mw + (int) ((long) x * mw / w)];
        int alpha = v >>> 24;
        int lum = ((v >>> 16 & 0xff) * 299 + (v >>> 8 & 0xff) * 587 + (v & 0xff) * 114) / 1000;
        out[y * w + x] = (byte) (lum * alpha / 255 >= 128 ? 1 : 0);
      }
    }
    return out;
  }

  /**
   * The blend weight (0..255): a box blur of the mask, kept inside it, so the edge fades into the
   * original inward and nothing outside the mask changes.
   */
  static byte[] feathered(byte[] inside, int w, int h, int r) {
    int[] rows = new int[w * h];
    for (int y = 0; y < h; y++) {
      int sum = 0;
      int row = y * w;
      for (int x = -r; x <= r; x++) {
        sum += inside[row + Math.max(0, Math.min(w - 1, x))];
      }
      for (int x = 0; x < w; x++) {
        rows[row + x] = sum;
        sum -= inside[row + Math.max(0, x - r)];
        sum += inside[row + Math.min(w - 1, x + r + 1)];
      }
    }
    int span = (2 * r + 1) * (2 * r + 1);
    byte[] out = new byte[w * h];
    for (int x = 0; x < w; x++) {
      int sum = 0;
      for (int y = -r; y <= r; y++) {
        sum += rows[Math.max(0, Math.min(h - 1, y)) * w + x];
      }
      for (int y = 0; y < h; y++) {
        int i = y * w + x;
        out[i] = inside[i] == 0 ? 0 : (byte) (sum * 255 / span);
        sum -= rows[Math.max(0, y - r) * w + x];
        sum += rows[Math.min(h - 1, y + r + 1) * w + x];
      }
    }
    return out;
  }

  private static BufferedImage resized(BufferedImage image, int w, int h) {
    if (image.getWidth() == w && image.getHeight() == h) {
      return image;
    }
    BufferedImage current = image;
    // Halve while more than twice too large: bicubic alone aliases on strong reductions.
    while (current.getWidth() / 2 >= w && current.getHeight() / 2 >= h) {
      current = scale(current, current.getWidth() / 2, current.getHeight() / 2);
    }
    return scale(current, w, h);
  }

  private static BufferedImage scale(BufferedImage image, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(image, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** Decodes an image after checking its size from its header. */
  private static BufferedImage read(InputStream in, String what) throws IOException {
    try (ImageInputStream stream = ImageIO.createImageInputStream(in)) {
      Iterator<ImageReader> readers = stream == null ? null : ImageIO.getImageReaders(stream);
      if (readers == null || !readers.hasNext()) {
        throw new UnsupportedImageException(
            "Cannot composite the edit: " + what + " is not an image this JVM reads.");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(stream, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
          throw new UnsupportedImageException(
              "Cannot composite the edit: "
                  + what
                  + " has "
                  + pixels
                  + " pixels, over the "
                  + MAX_PIXELS
                  + "-pixel limit; use a model that takes a mask (such as"
                  + " black-forest-labs/flux-fill-pro) for images this large.");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    }
  }
}
