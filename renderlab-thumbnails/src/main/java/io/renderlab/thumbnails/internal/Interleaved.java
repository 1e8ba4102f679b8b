package io.renderlab.thumbnails.internal;

/**
 * A decoded image as interleaved 8-bit samples: 3 channels (RGB, or JPEG's YCbCr when {@code ycc})
 * or 4 (RGBA, not premultiplied). Not public API.
 *
 * @param data the samples, row by row, {@code width * channels} per row
 * @param width width in pixels
 * @param height height in pixels
 * @param channels 3 or 4
 * @param ycc true when the three channels are full-range BT.601 YCbCr (JFIF) rather than RGB
 */
public record Interleaved(byte[] data, int width, int height, int channels, boolean ycc) {
  /** True when the fourth channel is alpha. */
  public boolean alpha() {
    return channels == 4;
  }

  /** Packs ARGB ints (as ImageIO and libwebp give them) into interleaved samples. */
  public static Interleaved ofArgb(int[] argb, int width, int height, boolean alpha) {
    int channels = alpha ? 4 : 3;
    byte[] out = new byte[width * height * channels];
    for (int i = 0, o = 0; i < width * height; i++, o += channels) {
      int v = argb[i];
      out[o] = (byte) (v >> 16);
      out[o + 1] = (byte) (v >> 8);
      out[o + 2] = (byte) v;
      if (alpha) {
        out[o + 3] = (byte) (v >>> 24);
      }
    }
    return new Interleaved(out, width, height, channels, false);
  }
}
