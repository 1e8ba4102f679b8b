package io.renderlab.thumbnails.internal.jpeg;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The first layer of {@link JpegDecoder}: the entropy-coded data as a bit stream (byte stuffing,
 * markers and the end of the data fed as zeros, as libjpeg does), Huffman symbols through {@link
 * HuffmanTable}'s lookups, and restart markers; jpeg-decoder keeps the same apart in its {@code
 * huffman.rs}. The layers of the decoder are a chain of abstract classes rather than separate
 * objects so that the hot loops keep reading fields of one object (speed). Not public API.
 */
abstract class JpegBitReader {
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

  final byte[] data;

  int pos;
  long buf;
  int bits;
  boolean hitMarker;
  int padBytes;

  JpegBitReader(byte[] data) {
    this.data = data;
  }

  void resetBits() {
    buf = 0;
    bits = 0;
    hitMarker = false;
    padBytes = 0;
  }

  /**
   * Tops the bit buffer up to more than 56 bits. The buffer holds its {@code bits} unread bits at
   * the top (most significant first), zeros below, so a lookup of the next k bits is a constant
   * shift ({@code buf >>> (64 - k)}) and consuming them a shift left.
   */
  void fill() {
    byte[] d = data;
    int p = pos;
    long acc = buf;
    int n = bits;
    if (!hitMarker && p <= d.length - 8) {
      // Eight bytes at once: take all that fit before the first 0xFF (stuffing or a marker).
      long w = (long) LONG_BE.get(d, p);
      long x = ~w; // a byte of w is 0xFF where this byte is 0
      long ff = ~(((x & LOW7) + LOW7) | x | LOW7); // exactly those bytes' high bits
      int take = Math.min((64 - n) >>> 3, Long.numberOfLeadingZeros(ff) >>> 3);
      if (take > 0) {
        int sh = take << 3;
        acc |= (w & (-1L << (64 - sh))) >>> n;
        n += sh;
        p += take;
        if (n > 56) {
          pos = p;
          buf = acc;
          bits = n;
          return;
        }
      }
    }
    // Byte by byte: plain bytes (no 0xFF) while inside the data, then the careful path.
    if (!hitMarker) {
      int end = d.length - 1;
      while (n <= 56 && p < end) {
        int v = d[p];
        if (v == -1) {
          break;
        }
        acc |= (long) (v & 0xff) << (56 - n);
        n += 8;
        p++;
      }
    }
    while (n <= 56) {
      int v = 0;
      if (!hitMarker) {
        if (p < d.length) {
          v = d[p] & 0xff;
          if (v != 0xff) {
            p++;
          } else if (p + 1 < d.length && d[p + 1] == 0) {
            p += 2;
          } else {
            hitMarker = true; // a marker (or the end): feed zeros, as libjpeg does, and count them
            v = 0;
          }
        } else {
          hitMarker = true;
        }
      }
      if (hitMarker) {
        padBytes++;
      }
      acc |= (long) v << (56 - n);
      n += 8;
    }
    pos = p;
    buf = acc;
    bits = n;
  }

  /**
   * Refuses data that ran into a marker or the end of the file mid-MCU (libjpeg's "premature end").
   */
  void checkData() {
    if (hitMarker && bits < padBytes << 3) {
      throw JpegFrame.corrupt("the data ends before the image does");
    }
  }

  int decode(HuffmanTable t) {
    if (bits < 16) {
      fill();
    }
    int e = t.fast[(int) (buf >>> (64 - HuffmanTable.LOOKAHEAD))];
    if (e != 0) {
      buf <<= e >> 8;
      bits -= e >> 8;
      return e & 0xff;
    }
    int code = (int) (buf >>> 48);
    for (int len = HuffmanTable.LOOKAHEAD + 1; len <= 16; len++) {
      int c = code >>> (16 - len);
      if (c <= t.maxcode[len]) {
        buf <<= len;
        bits -= len;
        return t.symbols[c + t.valoffset[len]];
      }
    }
    throw JpegFrame.corrupt("an invalid Huffman code");
  }

  /** The next {@code s} (1..16) bits as a signed magnitude (JPEG's EXTEND). */
  int receiveExtend(int s) {
    int v = receive(s);
    return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
  }

  /** The next {@code s} (1..16) bits. */
  int receive(int s) {
    if (bits < s) {
      fill();
    }
    int v = (int) (buf >>> (64 - s));
    buf <<= s;
    bits -= s;
    return v;
  }

  /**
   * The position just past the next RSTn marker at or after {@code pos}, skipping what is left of
   * the interval's data (stuffed bytes and fill included).
   *
   * @throws io.renderlab.core.UnsupportedImageException if another marker or the end comes first
   */
  static int afterRestartMarker(byte[] data, int pos) {
    while (pos + 1 < data.length) {
      if ((data[pos] & 0xff) == 0xff) {
        int m = data[pos + 1] & 0xff;
        if (m >= 0xd0 && m <= 0xd7) {
          return pos + 2;
        }
        if (m != 0 && m != 0xff) {
          break;
        }
      }
      pos++;
    }
    throw JpegFrame.corrupt("a restart marker is missing");
  }
}
