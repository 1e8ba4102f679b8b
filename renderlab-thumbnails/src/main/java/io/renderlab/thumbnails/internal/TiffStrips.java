package io.renderlab.thumbnails.internal;

import io.renderlab.core.UnsupportedImageException;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The common TIFF, decoded without ImageIO: chunky RGB, RGBA (unassociated alpha), grey (black is
 * zero) or palette, in strips or tiles, uncompressed, LZW, Deflate or PackBits, with or without
 * horizontal differencing, 8 or 16 bits a sample (not palette), and CMYK inks (converted through
 * their profile at full size, as before). An ICC profile of the others is converted on the small
 * result, as for JPEG, PNG and WebP (ImageIO's route converted every pixel of the full image: 3 s
 * for a 16 MP photo in Display P3, ten times sharp). ImageIO's TIFF plugin decodes LZW a code and a
 * string at a time and undoes the predictor one byte store to the next byte's load: a 16 MP LZW or
 * Deflate photo took 1.8–1.9× sharp's CPU. Here LZW strings are copied from the strip already
 * decoded (as libtiff does), the predictor carries the left pixel in locals, and the samples land
 * in {@link Interleaved} directly. Every other kind returns null from {@link #decode} and goes to
 * ImageIO as before. Not public API.
 */
public final class TiffStrips {
  private static final int NONE = 1;
  private static final int LZW = 5;
  private static final int DEFLATE = 8;
  private static final int DEFLATE_OLD = 32946;
  private static final int PACKBITS = 32773;

  private TiffStrips() {}

  /**
   * A decoded TIFF: its samples, and the ICC profile they are still in (null when none, or when it
   * was applied: CMYK inks come out as sRGB).
   */
  public record Image(Interleaved pixels, byte[] iccProfile) {}

  /**
   * The first image, or null when it is not a kind this class decodes. {@code checkPixels} sees the
   * size before anything is allocated; {@code reserve} is asked for the canvas and a strip's
   * buffer; {@code deadline} runs once per strip or tile.
   *
   * @throws UnsupportedImageException when the data ends before the picture does or is corrupt
   */
  public static Image decode(
      byte[] tiff, BiConsumer<Long, Long> checkPixels, LongConsumer reserve, Runnable deadline) {
    TiffIfd ifd = TiffIfd.of(tiff);
    if (ifd == null) {
      return null;
    }
    long w = ifd.first(256, 0);
    long h = ifd.first(257, 0);
    int samples = (int) ifd.first(277, 1);
    int photometric = (int) ifd.first(262, -1);
    int compression = (int) ifd.first(259, NONE);
    int predictor = (int) ifd.first(317, 1);
    long[] bits = ifd.values(258);
    long[] extra = ifd.values(338);
    long[] colormap = ifd.values(320);
    boolean kind =
        switch (photometric) {
          case 1 -> samples == 1 && extra == null;
          case 2 ->
              (samples == 3 && extra == null)
                  || (samples == 4 && extra != null && extra.length == 1 && extra[0] == 2);
          case 3 -> samples == 1 && extra == null && colormap != null && colormap.length == 768;
          case 5 -> samples == 4 && extra == null && ifd.first(332, 1) == 1; // CMYK inks
          default -> false;
        };
    if (!kind
        || w <= 0
        || h <= 0
        || (compression != NONE
            && compression != LZW
            && compression != DEFLATE
            && compression != DEFLATE_OLD
            && compression != PACKBITS)
        || (predictor != 1 && predictor != 2)
        || ifd.first(284, 1) != 1 // planar configuration: chunky
        || ifd.first(266, 1) != 1 // fill order: most significant bit first
        || ifd.first(339, 1) != 1 // sample format: unsigned integers
        || bits == null
        || bits.length != samples
        || !allEqual(bits)
        || (bits[0] != 8 && (bits[0] != 16 || photometric == 3))) {
      return null;
    }
    TiffIfd.Layout layout = ifd.layout(w, h);
    if (layout == null) {
      return null; // ImageIO's refusal, as before
    }
    checkPixels.accept(w, h);
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
    int channels = photometric == 2 || photometric == 5 ? samples : 3;
    int depth = (int) bits[0] / 8; // bytes a sample
    long rowBytes = tw * samples * depth;
    if (w * h * channels > Integer.MAX_VALUE - 8 || rowBytes * th > Integer.MAX_VALUE - 8) {
      // Tags can claim a tile of 2^32 rows: refused before any arithmetic on it can overflow.
      throw refusal("its image or one of its strips or tiles is too large to decode in one piece");
    }
    // CMYK: the inks' sRGB as ARGB and as samples too.
    reserve.accept(w * h * (channels + (photometric == 5 ? 7 : 0)) + rowBytes * th * 2);
    int width = (int) w;
    int height = (int) h;
    byte[] canvas = new byte[Math.multiplyExact(Math.multiplyExact(width, height), channels)];
    byte[] part = new byte[Math.toIntExact(rowBytes * th)];
    Lzw lzw = compression == LZW ? new Lzw() : null;
    Inflater inflater =
        compression == DEFLATE || compression == DEFLATE_OLD ? new Inflater() : null;
    byte[] lut = photometric == 3 ? palette(colormap) : null;
    try {
      for (int i = 0; i < across * down; i++) {
        deadline.run();
        int x0 = (int) (i % across * tw);
        int y0 = (int) (i / across * th);
        // A strip holds only the image's rows that are left; a tile is always whole.
        int rows = tiled ? (int) th : (int) Math.min(th, h - y0);
        int need = Math.toIntExact(rowBytes * rows);
        long at = offsets[i];
        long n = counts[i];
        if (at < 0 || n < 0 || at + n > tiff.length) {
          throw refusal("it is truncated (strip or tile " + i + " lies past its end)");
        }
        int got =
            switch (compression) {
              case NONE -> {
                int k = (int) Math.min(n, need);
                System.arraycopy(tiff, (int) at, part, 0, k);
                yield k;
              }
              case LZW -> lzw.decode(tiff, (int) at, (int) n, part, need);
              case PACKBITS -> unpackBits(tiff, (int) at, (int) n, part, need);
              default -> inflate(inflater, tiff, (int) at, (int) n, part, need);
            };
        if (got < need) {
          throw refusal("it is truncated (strip or tile " + i + " ends before its rows do)");
        }
        if (predictor == 2) {
          if (depth == 1) {
            undifference(part, (int) tw, rows, samples);
          } else {
            undifference16(part, (int) tw, rows, samples, ifd.bigEndian());
          }
        }
        if (depth == 2) {
          to8(part, need / 2, ifd.bigEndian(), photometric == 1 || photometric == 5);
        }
        place(part, (int) tw, rows, samples, lut, canvas, width, height, x0, y0, channels);
      }
    } finally {
      if (inflater != null) {
        inflater.end();
      }
    }
    byte[] icc = ifd.bytes(34675);
    if (photometric == 5) {
      // The inks through their profile, or libvips' default CMYK one, at full size before the
      // resize, as libvips converts them (and as the ImageIO route did).
      Pixels.Argb rgb = ColorProfiles.cmykToSrgb(canvas, width, height, icc);
      return new Image(Interleaved.ofArgb(rgb.pixels(), width, height, false), null);
    }
    return new Image(new Interleaved(canvas, width, height, channels, false), icc);
  }

  private static boolean allEqual(long[] bits) {
    for (long b : bits) {
      if (b != bits[0]) {
        return false;
      }
    }
    return true;
  }

  /**
   * 16-bit samples to 8 bits in place (into the first half): grey by its high byte, colour rounded
   * from {@code v / 65535} as Java2D's colour model rounds it, so the thumbnails stay those of the
   * ImageIO route.
   */
  private static void to8(byte[] b, int n, boolean bigEndian, boolean grey) {
    byte[] table = grey ? null : SIXTEEN_TO_EIGHT;
    int hi = bigEndian ? 0 : 1;
    for (int i = 0; i < n; i++) {
      int v = (b[2 * i + hi] & 0xff) << 8 | (b[2 * i + 1 - hi] & 0xff);
      b[i] = grey ? (byte) (v >>> 8) : table[v];
    }
  }

  private static final byte[] SIXTEEN_TO_EIGHT = new byte[65536];

  static {
    for (int v = 0; v < 65536; v++) {
      SIXTEEN_TO_EIGHT[v] = (byte) (int) ((v / 65535.0f) * 255.0f + 0.5f);
    }
  }

  /** 16-bit horizontal differencing undone in place, in the file's byte order. */
  private static void undifference16(byte[] b, int w, int rows, int spp, boolean bigEndian) {
    int hi = bigEndian ? 0 : 1;
    int lo = 1 - hi;
    int stride = w * spp * 2;
    for (int y = 0, row = 0; y < rows; y++, row += stride) {
      for (int i = row + spp * 2; i < row + stride; i += 2) {
        int left = (b[i - spp * 2 + hi] & 0xff) << 8 | (b[i - spp * 2 + lo] & 0xff);
        int v = ((b[i + hi] & 0xff) << 8 | (b[i + lo] & 0xff)) + left;
        b[i + hi] = (byte) (v >> 8);
        b[i + lo] = (byte) v;
      }
    }
  }

  /** The ColorMap's 16-bit entries as 8-bit RGB, scaled as ImageIO's TIFF reader scales them. */
  private static byte[] palette(long[] colormap) {
    byte[] lut = new byte[256 * 3];
    for (int i = 0; i < 256; i++) {
      for (int c = 0; c < 3; c++) {
        lut[i * 3 + c] = (byte) (colormap[c * 256 + i] * 255 / 65535);
      }
    }
    return lut;
  }

  /** PackBits runs (Macintosh RLE) into {@code out}; returns how many bytes came out. */
  private static int unpackBits(byte[] src, int at, int n, byte[] out, int need) {
    int p = at;
    int end = at + n;
    int o = 0;
    while (o < need && p < end) {
      int header = src[p++];
      if (header >= 0) { // the next header + 1 bytes as they are
        int k = Math.min(Math.min(header + 1, end - p), need - o);
        System.arraycopy(src, p, out, o, k);
        p += header + 1;
        o += k;
      } else if (header != -128) { // the next byte, 1 - header times
        if (p >= end) {
          break;
        }
        int k = Math.min(1 - header, need - o);
        java.util.Arrays.fill(out, o, o + k, src[p++]);
        o += k;
      }
    }
    return o;
  }

  private static int inflate(Inflater inflater, byte[] src, int at, int n, byte[] out, int need) {
    inflater.reset();
    inflater.setInput(src, at, n);
    int got = 0;
    try {
      while (got < need) {
        int k = inflater.inflate(out, got, need - got);
        if (k == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        got += k;
      }
    } catch (DataFormatException e) {
      throw refusal("a Deflate strip is corrupt (" + e.getMessage() + ")");
    }
    return got;
  }

  /** Horizontal differencing undone in place, the left pixel's samples carried in locals. */
  private static void undifference(byte[] b, int w, int rows, int spp) {
    int stride = w * spp;
    for (int y = 0, row = 0; y < rows; y++, row += stride) {
      switch (spp) {
        case 1 -> {
          int a = 0;
          for (int i = row; i < row + stride; i++) {
            a = (a + b[i]) & 0xff;
            b[i] = (byte) a;
          }
        }
        case 3 -> {
          int a0 = 0;
          int a1 = 0;
          int a2 = 0;
          for (int i = row; i < row + stride; i += 3) {
            a0 = (a0 + b[i]) & 0xff;
            a1 = (a1 + b[i + 1]) & 0xff;
            a2 = (a2 + b[i + 2]) & 0xff;
            b[i] = (byte) a0;
            b[i + 1] = (byte) a1;
            b[i + 2] = (byte) a2;
          }
        }
        default -> {
          for (int i = row + spp; i < row + stride; i++) {
            b[i] += b[i - spp];
          }
        }
      }
    }
  }

  /** A decoded strip or tile into the canvas, clipped at its right and bottom edges. */
  private static void place(
      byte[] part,
      int tw,
      int rows,
      int spp,
      byte[] lut,
      byte[] canvas,
      int width,
      int height,
      int x0,
      int y0,
      int channels) {
    int cols = Math.min(tw, width - x0);
    int lines = Math.min(rows, height - y0);
    for (int y = 0; y < lines; y++) {
      int src = y * tw * spp;
      int dst = ((y0 + y) * width + x0) * channels;
      if (spp == channels) {
        System.arraycopy(part, src, canvas, dst, cols * channels);
      } else if (lut != null) {
        for (int x = 0; x < cols; x++, dst += 3) {
          int p = (part[src + x] & 0xff) * 3;
          canvas[dst] = lut[p];
          canvas[dst + 1] = lut[p + 1];
          canvas[dst + 2] = lut[p + 2];
        }
      } else { // grey
        for (int x = 0; x < cols; x++, dst += 3) {
          byte v = part[src + x];
          canvas[dst] = v;
          canvas[dst + 1] = v;
          canvas[dst + 2] = v;
        }
      }
    }
  }

  private static UnsupportedImageException refusal(String why) {
    return new UnsupportedImageException("Cannot decode this image/tiff image: " + why + ".");
  }

  /**
   * TIFF's LZW (most significant bit first, code widths growing one code early, 12 bits at most),
   * decoded as libtiff does: a code's string is a run of the strip already decoded, kept as its
   * start and length, and copied from there.
   */
  static final class Lzw {
    private static final int CLEAR = 256;
    private static final int END = 257;

    /** Per code, where its string starts in the strip ({@code << 16}) and its length. */
    private final long[] table = new long[4096];

    /**
     * Decodes the {@code n} bytes at {@code at} into {@code out} until {@code need} bytes are out,
     * the end code, or the data ends; returns how many bytes came out.
     */
    int decode(byte[] src, int at, int n, byte[] out, int need) {
      long[] t = table;
      int end = at + n;
      int pos = at;
      long buffer = 0;
      int bitsIn = 0;
      int width = 9;
      int next = 258;
      int o = 0;
      int prevLength = 0; // 0: no string since the last clear
      while (o < need) {
        while (bitsIn < width) {
          if (pos >= end) {
            return o;
          }
          buffer = (buffer << 8) | (src[pos++] & 0xff);
          bitsIn += 8;
        }
        int code = (int) (buffer >>> (bitsIn - width)) & ((1 << width) - 1);
        bitsIn -= width;
        if (code == CLEAR) {
          width = 9;
          next = 258;
          prevLength = 0;
          continue;
        }
        if (code == END) {
          return o;
        }
        if (prevLength > 0 && next < 4096) {
          // The new entry: the previous string, which ends here, and the first byte of this
          // code's string, which is written next (for the code being this entry, KwKwK, that byte
          // is the previous string's first: the copy below reads it as it writes it).
          t[next++] = (long) (o - prevLength) << 16 | (prevLength + 1);
          if (next + 1 >= 1 << width && width < 12) {
            width++;
          }
        }
        if (code < 256) {
          out[o++] = (byte) code;
          prevLength = 1;
          continue;
        }
        if (code >= next || prevLength == 0) {
          throw refusal("an LZW strip is corrupt (a code past its table)");
        }
        long e = t[code];
        int s = (int) (e >>> 16);
        int len = (int) e & 0xffff;
        prevLength = len;
        if (len > need - o) {
          len = need - o;
        }
        if (len > 16 && s + len <= o) {
          System.arraycopy(out, s, out, o, len);
        } else {
          for (int i = 0; i < len; i++) { // may overlap its own output (KwKwK): byte by byte
            out[o + i] = out[s + i];
          }
        }
        o += len;
      }
      return o;
    }
  }
}
