package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.core.UnsupportedImageException;
import java.util.Arrays;

/**
 * The arithmetic entropy decoder of JPEG (ITU-T T.81 annexes D and F), ported from libjpeg-turbo's
 * jdarith.c with its probability table from jaricom.c: sequential (SOF9) and progressive (SOF10)
 * scans, DC and AC conditioning from DAC segments, statistics reset at each restart marker. It
 * writes coefficients where {@link JpegDecoder}'s Huffman decoding would; everything after the
 * entropy decoding is shared.
 *
 * <p>Where libjpeg-turbo warns about bad data and goes on with zeros (a magnitude or spectral
 * overflow), this decoder refuses the image, as sharp does with its default {@code failOn:
 * 'warning'}. Reaching a marker mid-scan is legal in arithmetic coding (the decoder reads zeros
 * from there on, as libjpeg does: the encoder drops the trailing zero bytes a flat stretch of image
 * ends in); running off the end of the file without a marker is not. Not public API.
 */
final class ArithmeticDecoder {
  /**
   * jaricom.c's table D.2 in libjpeg's compact form: {@code Qe << 16 | Next_Index_MPS << 8 |
   * Switch_MPS << 7 | Next_Index_LPS}, indexed by a statistics bin's low seven bits; entry 113 is
   * the fixed 0.5 estimate.
   */
  private static final int[] QE = new int[114];

  static {
    int[] t = {
      0x5a1d, 1, 1, 1, 0x2586, 14, 2, 0, 0x1114, 16, 3, 0, 0x080b, 18, 4, 0,
      0x03d8, 20, 5, 0, 0x01da, 23, 6, 0, 0x00e5, 25, 7, 0, 0x006f, 28, 8, 0,
      0x0036, 30, 9, 0, 0x001a, 33, 10, 0, 0x000d, 35, 11, 0, 0x0006, 9, 12, 0,
      0x0003, 10, 13, 0, 0x0001, 12, 13, 0, 0x5a7f, 15, 15, 1, 0x3f25, 36, 16, 0,
      0x2cf2, 38, 17, 0, 0x207c, 39, 18, 0, 0x17b9, 40, 19, 0, 0x1182, 42, 20, 0,
      0x0cef, 43, 21, 0, 0x09a1, 45, 22, 0, 0x072f, 46, 23, 0, 0x055c, 48, 24, 0,
      0x0406, 49, 25, 0, 0x0303, 51, 26, 0, 0x0240, 52, 27, 0, 0x01b1, 54, 28, 0,
      0x0144, 56, 29, 0, 0x00f5, 57, 30, 0, 0x00b7, 59, 31, 0, 0x008a, 60, 32, 0,
      0x0068, 62, 33, 0, 0x004e, 63, 34, 0, 0x003b, 32, 35, 0, 0x002c, 33, 9, 0,
      0x5ae1, 37, 37, 1, 0x484c, 64, 38, 0, 0x3a0d, 65, 39, 0, 0x2ef1, 67, 40, 0,
      0x261f, 68, 41, 0, 0x1f33, 69, 42, 0, 0x19a8, 70, 43, 0, 0x1518, 72, 44, 0,
      0x1177, 73, 45, 0, 0x0e74, 74, 46, 0, 0x0bfb, 75, 47, 0, 0x09f8, 77, 48, 0,
      0x0861, 78, 49, 0, 0x0706, 79, 50, 0, 0x05cd, 48, 51, 0, 0x04de, 50, 52, 0,
      0x040f, 50, 53, 0, 0x0363, 51, 54, 0, 0x02d4, 52, 55, 0, 0x025c, 53, 56, 0,
      0x01f8, 54, 57, 0, 0x01a4, 55, 58, 0, 0x0160, 56, 59, 0, 0x0125, 57, 60, 0,
      0x00f6, 58, 61, 0, 0x00cb, 59, 62, 0, 0x00ab, 61, 63, 0, 0x008f, 61, 32, 0,
      0x5b12, 65, 65, 1, 0x4d04, 80, 66, 0, 0x412c, 81, 67, 0, 0x37d8, 82, 68, 0,
      0x2fe8, 83, 69, 0, 0x293c, 84, 70, 0, 0x2379, 86, 71, 0, 0x1edf, 87, 72, 0,
      0x1aa9, 87, 73, 0, 0x174e, 72, 74, 0, 0x1424, 72, 75, 0, 0x119c, 74, 76, 0,
      0x0f6b, 74, 77, 0, 0x0d51, 75, 78, 0, 0x0bb6, 77, 79, 0, 0x0a40, 77, 48, 0,
      0x5832, 80, 81, 1, 0x4d1c, 88, 82, 0, 0x438e, 89, 83, 0, 0x3bdd, 90, 84, 0,
      0x34ee, 91, 85, 0, 0x2eae, 92, 86, 0, 0x299a, 93, 87, 0, 0x2516, 86, 71, 0,
      0x5570, 88, 89, 1, 0x4ca9, 95, 90, 0, 0x44d9, 96, 91, 0, 0x3e22, 97, 92, 0,
      0x3824, 99, 93, 0, 0x32b4, 99, 94, 0, 0x2e17, 93, 86, 0, 0x56a8, 95, 96, 1,
      0x4f46, 101, 97, 0, 0x47e5, 102, 98, 0, 0x41cf, 103, 99, 0, 0x3c3d, 104, 100, 0,
      0x375e, 99, 93, 0, 0x5231, 105, 102, 0, 0x4c0f, 106, 103, 0, 0x4639, 107, 104, 0,
      0x415e, 103, 99, 0, 0x5627, 105, 106, 1, 0x50e7, 108, 107, 0, 0x4b85, 109, 103, 0,
      0x5597, 110, 109, 0, 0x504f, 111, 107, 0, 0x5a10, 110, 111, 1, 0x5522, 112, 109, 0,
      0x59eb, 112, 111, 1, 0x5a1d, 113, 113, 0
    };
    // Each row of t: Qe, Next_Index_LPS, Next_Index_MPS, Switch_MPS (jaricom.c's V(i, a, b, c, d)).
    for (int i = 0; i < QE.length; i++) {
      QE[i] = t[4 * i] << 16 | t[4 * i + 2] << 8 | t[4 * i + 3] << 7 | t[4 * i + 1];
    }
  }

  /** Statistics bins per table: T.81 needs 49 for DC and 245 for AC (jdarith.c). */
  private static final int DC_STAT_BINS = 64;

  private static final int AC_STAT_BINS = 256;

  private final JpegFrame f;
  private final byte[] data;

  /**
   * Statistics areas by table number: each byte the more probable symbol (0x80) and an index into
   * {@link #QE} (low seven bits), as jdarith.c keeps them.
   */
  private final byte[][] dcStats = new byte[16][];

  private final byte[][] acStats = new byte[16][];

  /** The bin of fixed probability 0.5 (signs, DC refinement). */
  private final byte[] fixedBin = new byte[1];

  // The coder's registers, as jdarith.c's: C (base of the interval and the input bits), A (the
  // interval's normalised size), CT (input bits left in C; -16 before the first two bytes).
  private int c; // below A << CT, so below 2^24 whatever the data
  private int a;
  private int ct;
  private int pos;
  private boolean hitMarker;

  // The current scan: components (by scan position), their tables, and the parameters.
  private int ns;
  private final int[] dcTable = new int[4];
  private final int[] acTable = new int[4];
  private final int[] lastDc = new int[4];
  private final int[] dcContext = new int[4];
  private boolean resetDc;
  private boolean resetAc;
  private int ss;
  private int se;
  private int al;

  /**
   * Claims up to this many pixels decode whatever the file's size (a progressive 4:4:4 file this
   * size holds 25 MB of coefficients); above it, at most {@link #PIXELS_PER_BYTE} a byte of the
   * file.
   */
  static final long FREE_PIXELS = 1L << 22;

  /**
   * Arithmetic coding can describe a flat image of any size in a few bytes (a solid 4000×4000 grey
   * is 208 bytes, headers included), so unlike Huffman data (at least a bit per 8×8 block, 512
   * pixels a byte) it does not bound the image by itself. Real images stay far below this ratio (a
   * 1024×768 photo at quality 75 is 14 pixels a byte, a 12 MP one at q92 3); a larger claim from
   * less data is refused rather than allocated for.
   */
  static final long PIXELS_PER_BYTE = 1L << 12;

  /**
   * @throws io.renderlab.core.UnsupportedImageException if the frame claims more pixels than the
   *     file's size can plausibly hold (see {@link #PIXELS_PER_BYTE})
   */
  ArithmeticDecoder(JpegFrame f) {
    this.f = f;
    this.data = f.data;
    long pixels = (long) f.width * f.height;
    if (pixels > Math.max(FREE_PIXELS, data.length * PIXELS_PER_BYTE)) {
      throw new UnsupportedImageException(
          "Refusing the arithmetic-coded image/jpeg image: "
              + f.width
              + "×"
              + f.height
              + " pixels from "
              + data.length
              + " bytes is more than "
              + PIXELS_PER_BYTE
              + " pixels a byte, the shape of a decompression bomb.");
    }
  }

  /**
   * Starts the scan whose SOS segment begins at {@code header} (the marker's length field) and
   * whose data begins at {@code dataStart}; the caller validated the component count and, for
   * progressive scans, Ss, Se, Ah and Al.
   */
  void startScan(int header, int dataStart, int ns, int ss, int se, int ah, int al) {
    this.ns = ns;
    this.ss = ss;
    this.se = se;
    this.al = al;
    if (f.progressive && ah != 0 && ah - 1 != al) {
      throw JpegFrame.corrupt("bad progressive scan parameters");
    }
    // jdarith.c start_pass: a sequential scan or a DC first pass uses DC statistics, a sequential
    // scan or an AC pass AC statistics.
    resetDc = !f.progressive || (ss == 0 && ah == 0);
    resetAc = !f.progressive || ss != 0;
    for (int i = 0; i < ns; i++) {
      int t = data[header + 4 + 2 * i] & 0xff;
      dcTable[i] = t >> 4;
      acTable[i] = t & 15;
      if (resetDc && dcStats[dcTable[i]] == null) {
        dcStats[dcTable[i]] = new byte[DC_STAT_BINS];
      }
      if (resetAc && acStats[acTable[i]] == null) {
        acStats[acTable[i]] = new byte[AC_STAT_BINS];
      }
    }
    pos = dataStart;
    reset();
  }

  /** Where the next marker is (or where the data stopped being read). */
  int position() {
    return pos;
  }

  /** jdarith.c process_restart: past the RSTn marker, then statistics and registers afresh. */
  void restart() {
    pos = JpegDecoder.afterRestartMarker(data, pos);
    reset();
  }

  private void reset() {
    for (int i = 0; i < ns; i++) {
      if (resetDc) {
        Arrays.fill(dcStats[dcTable[i]], (byte) 0);
        lastDc[i] = 0;
        dcContext[i] = 0;
      }
      if (resetAc) {
        Arrays.fill(acStats[acTable[i]], (byte) 0);
      }
    }
    fixedBin[0] = 113;
    c = 0;
    a = 0;
    ct = -16; // read two bytes into C first
    hitMarker = false;
  }

  /** The next data byte, 0xFF for a stuffed 0xFF 0x00, or 0 from a marker on (jdarith.c). */
  private int nextByte() {
    if (hitMarker) {
      return 0;
    }
    if (pos >= data.length) {
      throw JpegFrame.corrupt("the data ends before the image does");
    }
    int v = data[pos] & 0xff;
    if (v != 0xff) {
      pos++;
      return v;
    }
    int q = pos + 1;
    while (q < data.length && data[q] == (byte) 0xff) {
      q++; // fill bytes
    }
    if (q >= data.length) {
      throw JpegFrame.corrupt("the data ends before the image does");
    }
    if (data[q] == 0) {
      pos = q + 1;
      return 0xff;
    }
    // A marker: supply zeros until the scan is decoded; the marker is left for the caller.
    pos = q - 1;
    hitMarker = true;
    return 0;
  }

  /**
   * jdarith.c arith_decode: one binary decision with the statistics bin {@code st[i]}. Kept small
   * so that it inlines; the renormalisation it starts with is {@link #renormalize()}.
   */
  private int decode(byte[] st, int i) {
    if (a < 0x8000) {
      renormalize();
    }
    int sv = st[i];
    int e = QE[sv & 0x7f];
    int qe = e >>> 16;
    // Decoding and estimation, T.81 D.2.4 and D.2.5.
    int rest = a - qe;
    int temp = rest << ct;
    if (c >= temp) {
      c -= temp;
      a = qe;
      if (rest < qe) {
        // Conditional exchange: the more probable symbol after all.
        st[i] = (byte) ((sv & 0x80) ^ ((e >> 8) & 0xff));
        return (sv >> 7) & 1;
      }
      st[i] = (byte) ((sv & 0x80) ^ (e & 0xff));
      return ((sv >> 7) & 1) ^ 1;
    }
    a = rest;
    if (rest < 0x8000) {
      if (rest < qe) {
        st[i] = (byte) ((sv & 0x80) ^ (e & 0xff));
        return ((sv >> 7) & 1) ^ 1;
      }
      st[i] = (byte) ((sv & 0x80) ^ ((e >> 8) & 0xff));
    }
    return (sv >> 7) & 1;
  }

  /** Renormalisation and data input, T.81 D.2.6, as jdarith.c does it. */
  private void renormalize() {
    int a = this.a;
    int ct = this.ct;
    int c = this.c;
    while (a < 0x8000) {
      if (--ct < 0) {
        c = (c << 8) | nextByte();
        ct += 8;
        if (ct < 0 && ++ct == 0) {
          a = 0x8000; // the two initial bytes are in: A becomes 0x10000 below
        }
      }
      a <<= 1;
    }
    this.a = a;
    this.ct = ct;
    this.c = c;
  }

  private static RuntimeException badCode() {
    return JpegFrame.corrupt("an invalid arithmetic code");
  }

  /**
   * A DC difference (T.81 F.1.4.4.1, figures F.19 and F.21–F.24) for the scan's {@code i}-th
   * component, added to its prediction; returns the new DC value (16 bits, as libjpeg keeps it).
   */
  private int decodeDc(int i) {
    byte[] st = dcStats[dcTable[i]];
    int s = dcContext[i];
    if (decode(st, s) == 0) {
      dcContext[i] = 0;
      return lastDc[i];
    }
    int sign = decode(st, s + 1);
    s += 2 + sign;
    int m = decode(st, s);
    if (m != 0) {
      s = 20; // X1
      while (decode(st, s) != 0) {
        m <<= 1;
        if (m == 0x8000) {
          throw badCode(); // magnitude overflow
        }
        s++;
      }
    }
    int t = dcTable[i];
    if (m < (1 << f.arithDcL[t]) >> 1) {
      dcContext[i] = 0; // zero difference category
    } else if (m > (1 << f.arithDcU[t]) >> 1) {
      dcContext[i] = 12 + sign * 4; // large
    } else {
      dcContext[i] = 4 + sign * 4; // small
    }
    int v = m;
    s += 14;
    while ((m >>= 1) != 0) {
      if (decode(st, s) != 0) {
        v |= m;
      }
    }
    v++;
    if (sign != 0) {
      v = -v;
    }
    lastDc[i] = (lastDc[i] + v) & 0xffff;
    return lastDc[i];
  }

  /**
   * An AC coefficient's value after its zero run (figures F.21–F.24): the sign from the fixed bin,
   * the magnitude from the bins at {@code s} (the coefficient's) and the table's X1/X2 bins by Kx.
   */
  private int decodeAcValue(byte[] st, int s, int k, int kx) {
    int sign = decode(fixedBin, 0);
    s += 2;
    int m = decode(st, s);
    if (m != 0 && decode(st, s) != 0) {
      m <<= 1;
      s = k <= kx ? 189 : 217;
      while (decode(st, s) != 0) {
        m <<= 1;
        if (m == 0x8000) {
          throw badCode(); // magnitude overflow
        }
        s++;
      }
    }
    int v = m;
    s += 14;
    while ((m >>= 1) != 0) {
      if (decode(st, s) != 0) {
        v |= m;
      }
    }
    v++;
    return sign != 0 ? -v : v;
  }

  /**
   * One block of a sequential scan (jdarith.c decode_mcu) for the scan's {@code i}-th component: DC
   * at {@code off}, the AC coefficient of zigzag index k at {@code off + nat[k]}. The block must be
   * zero wherever this writes, as for the Huffman decoder.
   */
  void decodeSequential(short[] blk, int off, int i, int[] nat) {
    blk[off] = (short) decodeDc(i);
    int t = acTable[i];
    byte[] st = acStats[t];
    int kx = f.arithAcK[t];
    for (int k = 1; k <= 63; k++) {
      int s = 3 * (k - 1);
      if (decode(st, s) != 0) {
        break; // end of block
      }
      while (decode(st, s + 1) == 0) {
        s += 3;
        if (++k > 63) {
          throw badCode(); // spectral overflow
        }
      }
      blk[off + nat[k]] = (short) decodeAcValue(st, s, k, kx);
    }
  }

  /** A DC first pass (jdarith.c decode_mcu_DC_first) for the scan's {@code i}-th component. */
  void decodeDcFirst(short[] blk, int off, int i) {
    blk[off] = (short) (decodeDc(i) << al);
  }

  /** A DC refinement (decode_mcu_DC_refine): the next bit of the DC value. */
  void decodeDcRefine(short[] blk, int off) {
    if (decode(fixedBin, 0) != 0) {
      blk[off] |= (short) (1 << al);
    }
  }

  /** An AC first pass over Ss..Se (decode_mcu_AC_first); the block is in natural order. */
  void decodeAcFirst(short[] blk, int off) {
    int t = acTable[0];
    byte[] st = acStats[t];
    int kx = f.arithAcK[t];
    for (int k = ss; k <= se; k++) {
      int s = 3 * (k - 1);
      if (decode(st, s) != 0) {
        break;
      }
      while (decode(st, s + 1) == 0) {
        s += 3;
        if (++k > se) {
          throw badCode();
        }
      }
      blk[off + JpegDecoder.NATURAL[k]] = (short) (decodeAcValue(st, s, k, kx) << al);
    }
  }

  /** An AC refinement over Ss..Se (decode_mcu_AC_refine); the block is in natural order. */
  void decodeAcRefine(short[] blk, int off) {
    byte[] st = acStats[acTable[0]];
    int p1 = 1 << al;
    int m1 = -1 << al;
    // EOBx: the end of block of the passes before.
    int kex = se;
    while (kex > 0 && blk[off + JpegDecoder.NATURAL[kex]] == 0) {
      kex--;
    }
    for (int k = ss; k <= se; k++) {
      int s = 3 * (k - 1);
      if (k > kex && decode(st, s) != 0) {
        break;
      }
      while (true) {
        int z = off + JpegDecoder.NATURAL[k];
        if (blk[z] != 0) {
          // Previously nonzero: a correction bit.
          if (decode(st, s + 2) != 0) {
            blk[z] += (short) (blk[z] < 0 ? m1 : p1);
          }
          break;
        }
        if (decode(st, s + 1) != 0) {
          // Newly nonzero.
          blk[z] = (short) (decode(fixedBin, 0) != 0 ? m1 : p1);
          break;
        }
        s += 3;
        if (++k > se) {
          throw badCode();
        }
      }
    }
  }
}
