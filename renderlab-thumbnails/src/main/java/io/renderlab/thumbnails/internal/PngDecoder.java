package io.renderlab.thumbnails.internal;

import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A fast path for the PNGs users actually send (8-bit, non-interlaced, grey, RGB, palette, with
 * or without alpha): inflate straight into one interleaved byte array and unfilter in place, with
 * no per-row raster copies. Anything else (16-bit, interlaced, 1/2/4-bit) is left to ImageIO.
 * Not public API.
 */
public final class PngDecoder {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private PngDecoder() {}

  /** The header: size, and whether this decoder handles the image. */
  public record Header(int width, int height, int bitDepth, int colourType, boolean interlaced) {
    /** True when {@link #decode} supports this image; otherwise use ImageIO. */
    public boolean supported() {
      return bitDepth == 8 && !interlaced && (colourType == 0 || colourType == 2 || colourType == 3 || colourType == 4 || colourType == 6);
    }
  }

  /** Reads the IHDR chunk only; empty when this is not a well-formed PNG header. */
  public static Optional<Header> header(byte[] png) {
    if (png.length < 33) {
      return Optional.empty();
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (png[i] != SIGNATURE[i]) {
        return Optional.empty();
      }
    }
    if (u32(png, 8) != 13 || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
      return Optional.empty();
    }
    long w = u32(png, 16);
    long h = u32(png, 20);
    if (w <= 0 || h <= 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(new Header((int) w, (int) h, png[24] & 0xff, png[25] & 0xff, png[28] != 0));
  }

  /**
   * Decodes a PNG whose {@link Header#supported()} is true into interleaved 8-bit RGB (3 channels)
   * or RGBA (4 channels, not premultiplied).
   *
   * @throws IllegalArgumentException when the data is truncated or corrupt
   */
  public static Interleaved decode(byte[] png, Header header) {
    int w = header.width();
    int h = header.height();
    int ct = header.colourType();
    int inChannels = switch (ct) {
      case 0, 3 -> 1;
      case 2 -> 3;
      case 4 -> 2;
      default -> 4;
    };
    byte[] palette = null;
    byte[] paletteAlpha = null;
    int[] greyKey = null;
    int[] rgbKey = null;
    long stride = (long) w * inChannels;
    long rawLength = (stride + 1) * h;
    if (rawLength > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("PNG too large for this decoder");
    }
    byte[] raw = new byte[(int) rawLength];
    Inflater inflater = new Inflater();
    int produced = 0;
    boolean ended = false;
    try {
      int pos = 8;
      while (pos + 12 <= png.length) {
        long length = u32(png, pos);
        int type = (int) u32(png, pos + 4);
        int data = pos + 8;
        if (length > png.length - data - 4L) {
          throw new IllegalArgumentException("PNG chunk runs past the end of the data (truncated)");
        }
        int len = (int) length;
        if (type == 0x504c5445) { // PLTE
          palette = java.util.Arrays.copyOfRange(png, data, data + len);
        } else if (type == 0x74524e53) { // tRNS
          if (ct == 3) {
            paletteAlpha = java.util.Arrays.copyOfRange(png, data, data + len);
          } else if (ct == 0 && len >= 2) {
            greyKey = new int[] {u16(png, data)};
          } else if (ct == 2 && len >= 6) {
            rgbKey = new int[] {u16(png, data), u16(png, data + 2), u16(png, data + 4)};
          }
        } else if (type == 0x49444154) { // IDAT
          inflater.setInput(png, data, len);
          while (!inflater.needsInput() && !inflater.finished() && produced < raw.length) {
            int n = inflater.inflate(raw, produced, raw.length - produced);
            produced += n;
            if (n == 0 && inflater.needsDictionary()) {
              throw new IllegalArgumentException("PNG image data needs a preset dictionary");
            }
          }
        } else if (type == 0x49454e44) { // IEND
          ended = true;
          break;
        }
        pos = data + len + 4;
      }
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("PNG image data is corrupt: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
    if (produced < raw.length) {
      throw new IllegalArgumentException("PNG image data is truncated (" + produced + " of " + raw.length + " bytes)");
    }
    if (!ended) {
      throw new IllegalArgumentException("PNG has no IEND chunk (truncated)");
    }
    unfilter(raw, (int) stride, h, Math.max(1, inChannels));
    boolean alpha = ct == 4 || ct == 6 || paletteAlpha != null || greyKey != null || rgbKey != null;
    int channels = alpha ? 4 : 3;
    if (ct == 2 && !alpha) {
      // Already RGB: compact the filter bytes away in place.
      for (int y = 0; y < h; y++) {
        System.arraycopy(raw, y * ((int) stride + 1) + 1, raw, y * (int) stride, (int) stride);
      }
      return new Interleaved(raw, w, h, 3, false);
    }
    byte[] out = new byte[w * h * channels];
    for (int y = 0; y < h; y++) {
      int in = y * ((int) stride + 1) + 1;
      int o = y * w * channels;
      for (int x = 0; x < w; x++, o += channels) {
        int r;
        int g;
        int b;
        int a = 255;
        switch (ct) {
          case 0 -> {
            r = g = b = raw[in++] & 0xff;
            if (greyKey != null && r == greyKey[0]) {
              a = 0;
            }
          }
          case 2 -> {
            r = raw[in] & 0xff;
            g = raw[in + 1] & 0xff;
            b = raw[in + 2] & 0xff;
            in += 3;
            if (rgbKey != null && r == rgbKey[0] && g == rgbKey[1] && b == rgbKey[2]) {
              a = 0;
            }
          }
          case 3 -> {
            int idx = raw[in++] & 0xff;
            if (palette == null || idx * 3 + 2 >= palette.length) {
              throw new IllegalArgumentException("PNG palette index out of range");
            }
            r = palette[idx * 3] & 0xff;
            g = palette[idx * 3 + 1] & 0xff;
            b = palette[idx * 3 + 2] & 0xff;
            if (paletteAlpha != null && idx < paletteAlpha.length) {
              a = paletteAlpha[idx] & 0xff;
            }
          }
          case 4 -> {
            r = g = b = raw[in] & 0xff;
            a = raw[in + 1] & 0xff;
            in += 2;
          }
          default -> {
            r = raw[in] & 0xff;
            g = raw[in + 1] & 0xff;
            b = raw[in + 2] & 0xff;
            a = raw[in + 3] & 0xff;
            in += 4;
          }
        }
        out[o] = (byte) r;
        out[o + 1] = (byte) g;
        out[o + 2] = (byte) b;
        if (alpha) {
          out[o + 3] = (byte) a;
        }
      }
    }
    return new Interleaved(out, w, h, channels, false);
  }

  private static void unfilter(byte[] raw, int stride, int h, int bpp) {
    int rowLength = stride + 1;
    for (int y = 0; y < h; y++) {
      int row = y * rowLength;
      int filter = raw[row];
      int cur = row + 1;
      int prev = cur - rowLength; // only read when y > 0
      switch (filter) {
        case 0 -> { }
        case 1 -> {
          for (int i = bpp; i < stride; i++) {
            raw[cur + i] += raw[cur + i - bpp];
          }
        }
        case 2 -> {
          if (y > 0) {
            for (int i = 0; i < stride; i++) {
              raw[cur + i] += raw[prev + i];
            }
          }
        }
        case 3 -> {
          for (int i = 0; i < stride; i++) {
            int left = i >= bpp ? raw[cur + i - bpp] & 0xff : 0;
            int up = y > 0 ? raw[prev + i] & 0xff : 0;
            raw[cur + i] += (byte) ((left + up) >>> 1);
          }
        }
        case 4 -> {
          for (int i = 0; i < stride; i++) {
            int a = i >= bpp ? raw[cur + i - bpp] & 0xff : 0;
            int b = y > 0 ? raw[prev + i] & 0xff : 0;
            int c = (i >= bpp && y > 0) ? raw[prev + i - bpp] & 0xff : 0;
            int p = a + b - c;
            int pa = Math.abs(p - a);
            int pb = Math.abs(p - b);
            int pc = Math.abs(p - c);
            int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
            raw[cur + i] += (byte) pred;
          }
        }
        default -> throw new IllegalArgumentException("PNG row " + y + " has unknown filter type " + filter + " (corrupt)");
      }
    }
  }

  private static long u32(byte[] b, int p) {
    return ((b[p] & 0xffL) << 24) | ((b[p + 1] & 0xffL) << 16) | ((b[p + 2] & 0xffL) << 8) | (b[p + 3] & 0xffL);
  }

  private static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
