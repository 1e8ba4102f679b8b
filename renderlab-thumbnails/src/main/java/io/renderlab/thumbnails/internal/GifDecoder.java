package io.renderlab.thumbnails.internal;

import io.renderlab.core.UnsupportedImageException;

/**
 * GIF's first frame composited on its logical screen, decoded by our own LZW reader the way
 * libnsgif (so libvips, so sharp) decodes it, where ImageIO misreads or refuses some files:
 *
 * <ul>
 *   <li>the screen starts transparent; the frame is drawn at its offset, interlaced rows in their
 *       places; its transparent index leaves the screen's pixel as it was;
 *   <li>LZW data that ends early (its end code, or the sub-blocks' terminator, before the last
 *       pixel), or a code that cannot be (an index past the dictionary), ends the frame there: what
 *       was decoded stays, the rest stays transparent (libnsgif "makes do"). A file cut inside the
 *       frame's data (no terminator, no trailer after it) is refused as truncated, the README's
 *       policy for every format;
 *   <li>the opaque-screen rule: libvips gives a GIF an alpha channel only when some frame of the
 *       file has a transparent index; otherwise every pixel is opaque, so the screen around the
 *       frame is black, not transparent;
 *   <li>a GIF without any colour table uses libnsgif's default, black and white.
 * </ul>
 *
 * <p>Allocates only the {@code screenWidth × screenHeight} canvas the caller reserved and a 16 KB
 * dictionary. Not public API.
 */
public final class GifDecoder {
  private static final int MAX_CODES = 4096;

  private GifDecoder() {}

  /**
   * The first frame on its screen ({@code screen.screenWidth() × screen.screenHeight()}), with
   * alpha when some frame has a transparent index; {@code deadline} is run once per decoded row.
   */
  public static Interleaved firstFrame(byte[] gif, GifScreen screen, Runnable deadline) {
    int sw = screen.screenWidth();
    int sh = screen.screenHeight();
    int packed = gif[10] & 0xff;
    int globalColours = (packed & 0x80) != 0 ? 2 << (packed & 7) : 0;
    int p = 13 + 3 * globalColours;
    // The blocks first: whether any frame has a transparent index decides the samples (RGBA or
    // RGB), and the first frame is decoded straight into them.
    boolean anyTransparency = false;
    int frame = -1;
    int frameTransparent = -1;
    int transparent = -1;
    while (p < gif.length) {
      int block = gif[p] & 0xff;
      if (block == 0x21) {
        if (p + 1 >= gif.length) {
          break;
        }
        if ((gif[p + 1] & 0xff) == 0xf9 && p + 6 < gif.length && (gif[p + 2] & 0xff) >= 4) {
          boolean flag = (gif[p + 3] & 1) != 0;
          anyTransparency |= flag;
          transparent = flag ? gif[p + 6] & 0xff : -1;
        }
        p = GifScreen.skipSubBlocks(gif, p + 2);
      } else if (block == 0x2c) {
        if (p + 10 > gif.length) {
          break;
        }
        if (frame < 0) {
          frame = p;
          frameTransparent = transparent;
        }
        transparent = -1;
        int local = gif[p + 9] & 0xff;
        int data = p + 10 + 3 * ((local & 0x80) != 0 ? 2 << (local & 7) : 0);
        p = data < gif.length ? GifScreen.skipSubBlocks(gif, data + 1) : gif.length;
      } else {
        break; // the trailer, or damage
      }
    }
    int channels = anyTransparency ? 4 : 3;
    // Zero: transparent black with alpha, the opaque black screen without.
    byte[] canvas = new byte[Math.multiplyExact(Math.multiplyExact(sw, sh), channels)];
    if (frame >= 0 && !screen.emptyFrame()) {
      int local = gif[frame + 9] & 0xff;
      int localColours = (local & 0x80) != 0 ? 2 << (local & 7) : 0;
      int data = frame + 10 + 3 * localColours;
      int[] table =
          localColours > 0
              ? colours(gif, frame + 10, localColours)
              : globalColours > 0 ? colours(gif, 13, globalColours) : defaultTable();
      if (data + 1 >= gif.length) {
        throw truncated();
      }
      decode(
          gif,
          data,
          screen,
          (local & 0x40) != 0,
          samples(table, channels),
          frameTransparent,
          canvas,
          channels,
          deadline);
    }
    return new Interleaved(canvas, sw, sh, channels, false);
  }

  /** An ARGB table as {@code channels} samples an entry (RGB, or RGBA). */
  private static byte[] samples(int[] table, int channels) {
    byte[] out = new byte[256 * channels];
    for (int i = 0; i < 256; i++) {
      int v = table[i];
      out[i * channels] = (byte) (v >> 16);
      out[i * channels + 1] = (byte) (v >> 8);
      out[i * channels + 2] = (byte) v;
      if (channels == 4) {
        out[i * channels + 3] = (byte) (v >>> 24);
      }
    }
    return out;
  }

  /**
   * A 256-entry ARGB table from {@code count} RGB triples at {@code at}; opaque black past them.
   */
  private static int[] colours(byte[] gif, int at, int count) {
    int[] table = new int[256];
    java.util.Arrays.fill(table, 0xff000000);
    for (int i = 0; i < count && at + 3 * i + 2 < gif.length; i++) {
      int o = at + 3 * i;
      table[i] = 0xff000000 | (gif[o] & 0xff) << 16 | (gif[o + 1] & 0xff) << 8 | gif[o + 2] & 0xff;
    }
    return table;
  }

  private static int[] defaultTable() {
    int[] table = new int[256];
    java.util.Arrays.fill(table, 0xff000000);
    table[1] = 0xffffffff;
    return table;
  }

  private static void decode(
      byte[] gif,
      int at,
      GifScreen screen,
      boolean interlaced,
      byte[] palette,
      int transparent,
      byte[] canvas,
      int channels,
      Runnable deadline) {
    int minCodeSize = gif[at] & 0xff;
    if (minCodeSize >= 12) {
      return; // libnsgif: a bad initial code size decodes nothing
    }
    int sw = screen.screenWidth();
    int fw = screen.width();
    int fh = screen.height();
    Bits bits = new Bits(gif, at + 1);
    short[] prefix = new short[MAX_CODES];
    byte[] suffix = new byte[MAX_CODES];
    byte[] stack = new byte[MAX_CODES + 1];
    int clear = 1 << minCodeSize;
    int end = clear + 1;
    for (int i = 0; i < clear; i++) {
      suffix[i] = (byte) i;
    }
    int codeSize = minCodeSize + 1;
    int next = clear + 2;
    int prev = -1;
    int first = 0;
    int x = 0;
    int row = 0;
    int pass = interlaced ? 0 : -1;
    int y = 0;
    int o = (screen.top() * sw + screen.left()) * channels; // the frame's first pixel
    deadline.run();
    while (true) {
      int code = bits.read(codeSize);
      if (code < 0 || code == end) {
        return;
      }
      if (code == clear) {
        codeSize = minCodeSize + 1;
        next = clear + 2;
        prev = -1;
        continue;
      }
      int sp = 0;
      int c;
      if (prev < 0) {
        if (code >= clear) {
          return; // the first code after a clear must be a literal
        }
        stack[sp++] = (byte) code;
        first = code;
      } else {
        if (code > next || (code == next && next >= MAX_CODES)) {
          return; // not in the dictionary: the frame ends here
        }
        c = code;
        if (code == next) {
          stack[sp++] = (byte) first;
          c = prev;
        }
        while (c >= clear) {
          stack[sp++] = suffix[c];
          c = prefix[c];
        }
        stack[sp++] = (byte) c;
        first = c;
        if (next < MAX_CODES) {
          prefix[next] = (short) prev;
          suffix[next] = (byte) first;
          next++;
          if (next == 1 << codeSize && codeSize < 12) {
            codeSize++;
          }
        }
      }
      prev = code;
      while (sp > 0) {
        int index = stack[--sp] & 0xff;
        if (index != transparent) {
          int q = index * channels;
          canvas[o] = palette[q];
          canvas[o + 1] = palette[q + 1];
          canvas[o + 2] = palette[q + 2];
          if (channels == 4) {
            canvas[o + 3] = palette[q + 3];
          }
        }
        o += channels;
        if (++x == fw) {
          x = 0;
          row++;
          if (row == fh) {
            return;
          }
          if (pass < 0) {
            y = row;
          } else {
            y += PASS_STEP[pass];
            while (y >= fh) {
              pass++;
              if (pass > 3) {
                return;
              }
              y = PASS_START[pass];
            }
          }
          o = ((screen.top() + y) * sw + screen.left()) * channels;
          deadline.run();
        }
      }
    }
  }

  private static final int[] PASS_START = {0, 4, 2, 1};
  private static final int[] PASS_STEP = {8, 8, 4, 2};

  /** LSB-first codes from the data sub-blocks; -1 when they end. */
  private static final class Bits {
    private final byte[] gif;
    private int p; // the next byte to read
    private int blockEnd; // the end of the current sub-block
    private int acc;
    private int count;
    private boolean ended;

    Bits(byte[] gif, int at) {
      this.gif = gif;
      this.p = at;
      this.blockEnd = at;
    }

    int read(int n) {
      while (count < n) {
        if (p >= blockEnd) {
          if (ended || gif[p] == 0) {
            ended = true;
            return -1;
          }
          blockEnd = p + 1 + (gif[p] & 0xff);
          p++;
          if (blockEnd >= gif.length) {
            throw truncated(); // the block runs past the end of the file
          }
          continue;
        }
        acc |= (gif[p++] & 0xff) << count;
        count += 8;
      }
      int code = acc & ((1 << n) - 1);
      acc >>>= n;
      count -= n;
      return code;
    }
  }

  private static UnsupportedImageException truncated() {
    return new UnsupportedImageException(
        "The image/gif image is truncated: its data ends inside the first frame.");
  }
}
