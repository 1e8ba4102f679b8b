package io.renderlab.thumbnails.internal.jpeg;

import java.util.Arrays;

/**
 * The second layer of {@link JpegDecoder}: one block's Huffman-coded coefficients, sequential or
 * progressive (DC and AC first scans, AC refinement with its end-of-band runs), as libjpeg-turbo's
 * jdhuff.c and jdphuff.c; the DC predictions and restarts. See {@link JpegBitReader} for why the
 * layers are a chain of classes. Not public API.
 */
abstract class JpegEntropyDecoder extends JpegBitReader {
  /** Zigzag index to natural (row-major) index, padded so a corrupt run cannot index past 63. */
  static final int[] NATURAL = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63
  };

  /** {@code SELECT_IN_BYTE[r << 8 | b]}: the position of the r-th (from 0) set bit of byte b. */
  static final byte[] SELECT_IN_BYTE = new byte[8 << 8];

  /** {@code RUN_END[r << 8 | b]}: the position of the r-th (from 0) set bit of b, or -1. */
  static final byte[] RUN_END = new byte[16 << 8];

  static {
    for (int v = 0; v < 256; v++) {
      for (int i = 0, r = 0; i < 8; i++) {
        if ((v & (1 << i)) != 0) {
          SELECT_IN_BYTE[r++ << 8 | v] = (byte) i;
        }
      }
      for (int r = 0; r < 16; r++) {
        RUN_END[r << 8 | v] = r < Integer.bitCount(v) ? SELECT_IN_BYTE[r << 8 | v] : -1;
      }
    }
  }

  final int[] pred = new int[4];
  int eobrun;

  final JpegFrame f;

  /** The entropy decoder of arithmetic-coded files, made at their first scan. */
  ArithmeticDecoder arith;

  JpegEntropyDecoder(JpegFrame f) {
    super(f.data);
    this.f = f;
  }

  /**
   * Counts the restart interval down before each MCU (each block, in a one-component scan): at its
   * end, reads the RST marker and resets the entropy decoder. Returns the MCUs left in the
   * interval.
   */
  int beforeMcu(int left) {
    int restarts = f.restartInterval;
    if (restarts > 0) {
      if (left == 0) {
        if (f.arithmetic) {
          arith.restart();
        } else {
          restart();
        }
        left = restarts;
      }
      left--;
    }
    return left;
  }

  void restart() {
    // The encoder byte-aligns before RSTn: drop what is left and find the marker.
    resetBits();
    pos = afterRestartMarker(data, pos);
    Arrays.fill(pred, 0);
    eobrun = 0;
  }

  /**
   * Decodes one sequential block into {@code blk} at {@code off}, AC coefficient {@code k} (zigzag)
   * at {@code off + nat[k]}. When {@code zeroed} (the block is zero wherever this writes, and
   * {@code nat} has 128 entries), the end of block and ZRL come through {@link
   * HuffmanTable#acBlock} too.
   */
  void decodeBaseline(
      short[] blk, int off, HuffmanTable dct, HuffmanTable act, int c, int[] nat, boolean zeroed) {
    if (bits < 16) {
      fill();
    }
    int de = dct.dcFast[(int) (buf >>> (64 - HuffmanTable.DC_LOOKAHEAD))];
    int s;
    if (de != 0) {
      // Code and magnitude bits in one lookup.
      buf <<= de & 0xff;
      bits -= de & 0xff;
      pred[c] += de >> 16;
    } else {
      s = decode(dct);
      if (s != 0) {
        if (s > 16) {
          throw JpegFrame.corrupt("a bad DC code");
        }
        pred[c] += receiveExtend(s);
      }
    }
    blk[off] = (short) pred[c];
    int[] fast = act.fast;
    int[] acFast = zeroed ? act.acBlock : act.acFast;
    // The bit buffer lives in locals through the loop (written back around the rare calls).
    long b = buf;
    int n = bits;
    int k = 1;
    while (k < 64) {
      if (n < 16) {
        buf = b;
        bits = n;
        fill();
        b = buf;
        n = bits;
      }
      // Most coefficients: code and magnitude in one lookup.
      int fe = acFast[(int) (b >>> (64 - HuffmanTable.AC_LOOKAHEAD))];
      if (fe != 0) {
        b <<= fe & 0xff;
        n -= fe & 0xff;
        k += (fe >> 8) & 0xff;
        blk[off + nat[k]] = (short) (fe >> 16);
        k++;
        continue;
      }
      int rs;
      int e = fast[(int) (b >>> (64 - HuffmanTable.LOOKAHEAD))];
      if (e != 0) {
        b <<= e >> 8;
        n -= e >> 8;
        rs = e & 0xff;
      } else {
        buf = b;
        bits = n;
        rs = decode(act);
        b = buf;
        n = bits;
      }
      int r = rs >> 4;
      s = rs & 15;
      if (s != 0) {
        k += r;
        if (n < s) {
          buf = b;
          bits = n;
          fill();
          b = buf;
          n = bits;
        }
        int v = (int) (b >>> (64 - s));
        b <<= s;
        n -= s;
        blk[off + nat[k]] = (short) (v < (1 << (s - 1)) ? v - (1 << s) + 1 : v);
        k++;
      } else {
        if (r != 15) {
          break;
        }
        k += 16;
      }
    }
    buf = b;
    bits = n;
  }

  void decodeDcFirst(short[] blk, int off, HuffmanTable dct, int c, int al) {
    if (bits < 16) {
      fill();
    }
    int de = dct.dcFast[(int) (buf >>> (64 - HuffmanTable.DC_LOOKAHEAD))];
    if (de != 0) {
      // Code and magnitude bits in one lookup.
      buf <<= de & 0xff;
      bits -= de & 0xff;
      pred[c] += de >> 16;
    } else {
      int s = decode(dct);
      if (s != 0) {
        if (s > 16) {
          throw JpegFrame.corrupt("a bad DC code");
        }
        pred[c] += receiveExtend(s);
      }
    }
    blk[off] = (short) (pred[c] << al);
  }

  /**
   * The first scan of a band of AC coefficients ({@code ah == 0}): values at the block's slots
   * ({@code slot}), nonzero-ness in the block's mask {@code masks[mi]}.
   */
  void decodeAcFirst(
      short[] blk,
      int off,
      long[] masks,
      int mi,
      int[] slot,
      HuffmanTable act,
      int ssel,
      int se,
      int al) {
    if (eobrun > 0) {
      eobrun--;
      return;
    }
    int[] acFast = act.acFast;
    long m = masks[mi];
    long b = buf;
    int n = bits;
    for (int k = ssel; k <= se; k++) {
      if (n < 16) {
        buf = b;
        bits = n;
        fill();
        b = buf;
        n = bits;
      }
      int v;
      int fe = acFast[(int) (b >>> (64 - HuffmanTable.AC_LOOKAHEAD))];
      if (fe != 0) {
        b <<= fe & 0xff;
        n -= fe & 0xff;
        k += (fe >> 8) & 0xff;
        v = (short) ((fe >> 16) << al);
      } else {
        // An end of band (once a block) or a code longer than the lookup.
        int e = act.fast[(int) (b >>> (64 - HuffmanTable.LOOKAHEAD))];
        int rs = e & 0xff;
        if (e != 0) {
          b <<= e >> 8;
          n -= e >> 8;
        }
        buf = b;
        bits = n;
        if (e == 0) {
          rs = decode(act);
        }
        int r = rs >> 4;
        int s = rs & 15;
        if (s == 0) {
          if (r < 15) {
            eobrun = 1 << r;
            if (r != 0) {
              eobrun += receive(r);
            }
            eobrun--;
            b = buf;
            n = bits;
            break;
          }
          b = buf;
          n = bits;
          k += 15;
          continue;
        }
        k += r;
        v = (short) (receiveExtend(s) << al);
        b = buf;
        n = bits;
      }
      // k may run past 63 on corrupt data: NATURAL sends it to 63, and so does this.
      blk[off + slot[k]] = (short) v;
      long bit = 1L << Math.min(k, 63);
      m = v != 0 ? m | bit : m & ~bit;
    }
    masks[mi] = m;
    buf = b;
    bits = n;
  }

  /**
   * A refinement scan of a band of AC coefficients ({@code ah > 0}, bit {@code al}). Each already
   * nonzero coefficient the scan passes takes one correction bit; the zero ones are counted in
   * runs. The block's nonzero mask finds where a run ends without visiting the coefficients one by
   * one, the correction bits of the nonzero ones passed are read in one go, and only the kept ones
   * ({@code read}: the zigzag positions the IDCT reads) are touched. Bit for bit as jdphuff.c's
   * decode_mcu_AC_refine, corrupt runs included.
   */
  void decodeAcRefine(
      short[] blk,
      int off,
      long[] masks,
      int mi,
      int[] slot,
      long read,
      HuffmanTable act,
      int ssel,
      int se,
      int al) {
    long band = (-1L << ssel) & (-1L >>> (63 - se)); // zigzag ssel..se
    long m = masks[mi];
    int k = ssel;
    // The bit buffer lives in locals (written back around fill and the slow paths).
    long b = buf;
    int n = bits;
    if (eobrun == 0) {
      int[] table = act.acRefine;
      long zeros = ~m & band;
      while (k <= se) {
        if (n < 16) {
          buf = b;
          bits = n;
          fill();
          b = buf;
          n = bits;
        }
        int e = table[(int) (b >>> (64 - HuffmanTable.AC_LOOKAHEAD))];
        if (e == 0) {
          buf = b;
          bits = n;
          e = refineSymbol(act);
          b = buf;
          n = bits;
        } else {
          b <<= e & 0xff;
          n -= e & 0xff;
        }
        int r = (e >> 8) & 15;
        if ((e & (1 << 12)) != 0) {
          eobrun = 1 << r;
          if (r != 0) {
            buf = b;
            bits = n;
            eobrun += receive(r);
            b = buf;
            n = bits;
          }
          break;
        }
        // The run ends at the (r+1)-th zero coefficient from k, or past se when there are fewer:
        // nearly always within the next eight coefficients, which one lookup settles. (Only
        // coefficients below k change, so the zeros ahead are those of the block as it came.)
        // The nonzero ones passed on the way each take a correction bit; their count is what the
        // next symbol waits for, so it comes from the same lookup when it can.
        int d = RUN_END[r << 8 | (int) ((zeros >>> k) & 0xff)];
        int t;
        int cnt;
        if (d >= 0) {
          t = k + d;
          cnt = d - r;
        } else {
          long ahead = zeros & (-1L << k);
          t = Long.bitCount(ahead) > r ? select(ahead, r) : se + 1;
          cnt = Long.bitCount(m & band & (-1L << k) & (-1L >>> (64 - t)));
        }
        if (cnt != 0) {
          long passed = m & band & (-1L << k) & (-1L >>> (64 - t)); // the nonzero ones in [k, t)
          if (cnt <= n) {
            long corr = b;
            b <<= cnt;
            n -= cnt;
            for (long kept = passed & read; kept != 0; kept &= kept - 1) {
              correct(blk, off + slot[Long.numberOfTrailingZeros(kept)], corr, passed, kept, al);
            }
          } else {
            buf = b;
            bits = n;
            correct(blk, off, slot, read, passed, al);
            b = buf;
            n = bits;
          }
        }
        int v = (e >> 16) << al; // ZRL: 0
        if (v != 0) {
          // On corrupt data t may be 64: NATURAL sends it to 63, and so does this.
          blk[off + slot[t]] = (short) v;
          m |= 1L << (t - (t >> 6));
        }
        k = t + 1;
      }
    }
    if (eobrun > 0) {
      // The rest of the band: a correction bit for each nonzero coefficient.
      long passed = k <= se ? m & band & (-1L << k) : 0;
      int cnt = Long.bitCount(passed);
      if (cnt <= n) {
        long corr = b;
        b <<= cnt;
        n -= cnt;
        for (long kept = passed & read; kept != 0; kept &= kept - 1) {
          correct(blk, off + slot[Long.numberOfTrailingZeros(kept)], corr, passed, kept, al);
        }
      } else {
        buf = b;
        bits = n;
        correct(blk, off, slot, read, passed, al);
        b = buf;
        n = bits;
      }
      eobrun--;
    }
    masks[mi] = m;
    buf = b;
    bits = n;
  }

  /**
   * One refinement symbol the long way (its code longer than the lookup, or a new coefficient's
   * sign bit past it), as an {@link HuffmanTable#acRefine} entry.
   */
  int refineSymbol(HuffmanTable act) {
    int rs = decode(act);
    int r = rs >> 4;
    if ((rs & 15) != 0) {
      return ((receive(1) != 0 ? 1 : -1) << 16) | (r << 8);
    }
    return (r == 15 ? 0 : 1 << 12) | (r << 8);
  }

  /** Zigzag position of the {@code r}-th (from 0) set bit of {@code x}, which has more than r. */
  static int select(long x, int r) {
    // Vigna, "Broadword implementation of rank/select queries": byte counts, their prefix sums,
    // the byte where the sum passes r, then a table within that byte.
    long s = x - ((x >>> 1) & 0x5555555555555555L);
    s = (s & 0x3333333333333333L) + ((s >>> 2) & 0x3333333333333333L);
    s = ((s + (s >>> 4)) & 0x0f0f0f0f0f0f0f0fL) * 0x0101010101010101L;
    long le = ((r * 0x0101010101010101L | 0x8080808080808080L) - s) & 0x8080808080808080L;
    int place = Long.bitCount(le) << 3;
    int before = (int) (((s << 8) >>> place) & 0xff);
    return place + SELECT_IN_BYTE[(r - before) << 8 | (int) ((x >>> place) & 0xff)];
  }

  /**
   * Reads a correction bit for each nonzero coefficient in {@code passed} (lowest position first)
   * and applies those of the kept ones ({@code read}), up to 48 bits at a time.
   */
  void correct(short[] blk, int off, int[] slot, long read, long passed, int al) {
    while (passed != 0) {
      long part = passed;
      int cnt = Long.bitCount(part);
      if (cnt > 48) {
        part &= ~(-1L << select(part, 48));
        cnt = 48;
      }
      if (bits < cnt) {
        fill();
      }
      long corr = buf;
      for (long kept = part & read; kept != 0; kept &= kept - 1) {
        correct(blk, off + slot[Long.numberOfTrailingZeros(kept)], corr, part, kept, al);
      }
      buf <<= cnt;
      bits -= cnt;
      passed ^= part;
    }
  }

  /**
   * Applies to {@code blk[i]}, the lowest coefficient of {@code kept}, its bit of {@code corr},
   * which holds one bit for each coefficient of {@code passed}, lowest first, from bit 63. Half the
   * bits are ones, at random: no branch. A one moves the magnitude up by 2^al unless that bit is
   * set already (corrupt data only).
   */
  static void correct(short[] blk, int i, long corr, long passed, long kept, int al) {
    long below = passed & ((kept & -kept) - 1);
    int x = blk[i];
    int one = (int) ((corr << Long.bitCount(below)) >>> 63) & ~(x >> al);
    int sign = x >> 31;
    blk[i] = (short) (x + (((one & 1) << al ^ sign) - sign));
  }
}
