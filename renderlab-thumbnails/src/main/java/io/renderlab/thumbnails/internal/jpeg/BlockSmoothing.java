package io.renderlab.thumbnails.internal.jpeg;

/**
 * libjpeg-turbo's block smoothing for a progressive file whose scans stop before its low AC
 * coefficients are complete (a file that holds only its first scans): the first nine AC
 * coefficients still unknown are estimated from the DC values of the 5×5 neighbouring blocks, and
 * when no AC coefficient arrived at all the DC is smoothed too (the interpolation of libjpeg-turbo
 * 2.1+, after JPEG's annex K.8), so the image comes out soft as libjpeg-turbo's (and so sharp's)
 * does instead of as 8×8 tiles. Estimates only fill coefficients that are zero and not known
 * exactly, and stay below what the missing bits could add. Not public API.
 */
final class BlockSmoothing {
  /** Natural positions of zigzag coefficients 1 to 9: 01, 10, 20, 11, 02, 03, 12, 21, 30. */
  private static final int[] POS = {0, 1, 8, 16, 9, 2, 3, 10, 17, 24};

  private final JpegCoefficients d;
  private final int[] bits;
  private final int[] q;
  private final int c;
  private final boolean changeDc;
  private final int widthInBlocks;
  private final int heightInBlocks;
  private final int lastImcu;
  private final int lastImcuBlockRows;
  private final int[] rows = new int[5];
  private final long[] dc = new long[25];

  private BlockSmoothing(JpegCoefficients d, int c) {
    this.d = d;
    this.c = c;
    this.bits = d.coefBits[c];
    this.q = d.q[c];
    boolean noAc = true;
    for (int k = 1; k < 10; k++) {
      noAc &= bits[k] == -1;
    }
    this.changeDc = noAc;
    JpegFrame f = d.f;
    this.widthInBlocks = ceilDiv(ceilDiv(f.width * f.h[c], f.hmax), 8);
    this.heightInBlocks = ceilDiv(ceilDiv(f.height * f.v[c], f.vmax), 8);
    this.lastImcu = ceilDiv(f.height, 8 * f.vmax) - 1;
    int rest = heightInBlocks % f.v[c];
    this.lastImcuBlockRows = rest == 0 ? f.v[c] : rest;
  }

  /**
   * Per component, the smoothing of its blocks, or null for every component when smoothing does not
   * apply (libjpeg's {@code smoothing_ok}): not progressive, a quantiser of the first ten
   * coefficients zero, a DC never sent, or every one of those coefficients already exact.
   */
  static BlockSmoothing[] of(JpegCoefficients d) {
    if (!d.f.progressive || d.coefBits == null) {
      return null;
    }
    boolean useful = false;
    for (int c = 0; c < d.nc; c++) {
      int[] qc = d.q[c];
      int[] b = d.coefBits[c];
      if (qc == null || b[0] < 0) {
        return null;
      }
      for (int k = 0; k < 10; k++) {
        if (qc[POS[k]] == 0) {
          return null;
        }
        useful |= k > 0 && b[k] != 0;
      }
    }
    if (!useful) {
      return null;
    }
    BlockSmoothing[] all = new BlockSmoothing[d.nc];
    for (int c = 0; c < d.nc; c++) {
      all[c] = new BlockSmoothing(d, c);
    }
    return all;
  }

  /**
   * Adds the estimates to {@code blk} (block row {@code r}, column {@code bx}, natural order, as
   * stored), reading the neighbours' DC values from the stored coefficients.
   */
  void estimate(short[] blk, int r, int bx) {
    if (r >= heightInBlocks || bx >= widthInBlocks) {
      return; // MCU padding: cropped from the output
    }
    neighbourRows(r);
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        int col = Math.max(0, Math.min(widthInBlocks - 1, bx + j - 2));
        dc[i * 5 + j] = d.dcOf(c, rows[i], col);
      }
    }
    long q00 = q[0];
    long[] v = dc;
    // Weights of the DC values at (row, column) offsets -2..2, row-major, per estimate.
    if (changeDc) {
      set(blk, 1, q00, sum(v, W01_DC));
      set(blk, 2, q00, sum(v, W10_DC));
      set(blk, 3, q00, sum(v, W20_DC));
      set(blk, 4, q00, sum(v, W11_DC));
      set(blk, 5, q00, sum(v, W02_DC));
      set(blk, 6, q00, sum(v, W03));
      set(blk, 7, q00, sum(v, W12));
      set(blk, 8, q00, sum(v, W21));
      set(blk, 9, q00, sum(v, W30));
      blk[0] = (short) predict(q00, q00, sum(v, W00), 0, false);
    } else {
      set(blk, 1, q00, sum(v, W01));
      set(blk, 2, q00, sum(v, W10));
      set(blk, 3, q00, sum(v, W20));
      set(blk, 4, q00, sum(v, W11));
      set(blk, 5, q00, sum(v, W02));
    }
  }

  private void set(short[] blk, int k, long q00, long weighted) {
    int at = POS[k];
    if (bits[k] != 0 && blk[at] == 0) {
      blk[at] = (short) predict(q00, q[at], weighted, bits[k], true);
    }
  }

  /** The estimate of a coefficient quantised by {@code qk} (libjpeg's rounding and limit). */
  private static int predict(long q00, long qk, long weighted, int al, boolean limit) {
    long num = q00 * weighted;
    long pred = ((qk << 7) + Math.abs(num)) / (qk << 8);
    if (limit && al > 0 && pred >= (1L << al)) {
      pred = (1L << al) - 1;
    }
    return (int) (num >= 0 ? pred : -pred);
  }

  /**
   * The block rows around {@code r}, repeated at the image's edges as libjpeg-turbo's buffer window
   * gives them (two rows back only from the second iMCU row on).
   */
  private void neighbourRows(int r) {
    int v = d.f.v[c];
    int imcu = r / v;
    int brow = r % v;
    int blockRows = imcu < lastImcu ? v : lastImcuBlockRows;
    int prev = brow > 0 || imcu > 0 ? r - 1 : r;
    int prevPrev = brow > 1 || imcu > 1 ? r - 2 : prev;
    int next = brow + 1 < blockRows || imcu < lastImcu ? r + 1 : r;
    int nextNext = brow + 2 < blockRows || imcu + 1 < lastImcu ? r + 2 : next;
    rows[0] = prevPrev;
    rows[1] = prev;
    rows[2] = r;
    rows[3] = Math.min(next, heightInBlocks - 1);
    rows[4] = Math.min(nextNext, heightInBlocks - 1);
  }

  private static long sum(long[] v, int[] w) {
    long s = 0;
    for (int i = 0; i < 25; i++) {
      s += v[i] * w[i];
    }
    return s;
  }

  private static int ceilDiv(int a, int b) {
    return -Math.floorDiv(-a, b);
  }

  // DC weights, 5×5 around the block (row -2 first). With some AC coefficients known: a 1-D
  // estimate along the row or column. With none: the 2-D interpolation, DC included.
  private static final int[] W01 = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -7, 50, 0, -50, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W10 = {
    0, 0, -7, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, -50, 0, 0, 0, 0, 7, 0, 0
  };
  private static final int[] W20 = {
    0, 0, -1, 0, 0, 0, 0, 13, 0, 0, 0, 0, -24, 0, 0, 0, 0, 13, 0, 0, 0, 0, -1, 0, 0
  };
  private static final int[] W11 = {
    0, -1, 0, 1, 0, -1, 10, 0, -10, 1, 0, 0, 0, 0, 0, 1, -10, 0, 10, -1, 0, 1, 0, -1, 0
  };
  private static final int[] W02 = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 13, -24, 13, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W01_DC = {
    -1, -1, 0, 1, 1, -3, 13, 0, -13, 3, -3, 38, 0, -38, 3, -3, 13, 0, -13, 3, -1, -1, 0, 1, 1
  };
  private static final int[] W10_DC = {
    -1, -3, -3, -3, -1, -1, 13, 38, 13, -1, 0, 0, 0, 0, 0, 1, -13, -38, -13, 1, 1, 3, 3, 3, 1
  };
  private static final int[] W20_DC = {
    0, 0, 1, 0, 0, 0, 2, 7, 2, 0, 0, -5, -14, -5, 0, 0, 2, 7, 2, 0, 0, 0, 1, 0, 0
  };
  private static final int[] W11_DC = {
    -1, 0, 0, 0, 1, 0, 9, 0, -9, 0, 0, 0, 0, 0, 0, 0, -9, 0, 9, 0, 1, 0, 0, 0, -1
  };
  private static final int[] W02_DC = {
    0, 0, 0, 0, 0, 0, 2, -5, 2, 0, 1, 7, -14, 7, 1, 0, 2, -5, 2, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W03 = {
    0, 0, 0, 0, 0, 0, 1, 0, -1, 0, 0, 2, 0, -2, 0, 0, 1, 0, -1, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W12 = {
    0, 0, 0, 0, 0, 0, 1, -3, 1, 0, 0, 0, 0, 0, 0, 0, -1, 3, -1, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W21 = {
    0, 0, 0, 0, 0, 0, 1, 0, -1, 0, 0, -3, 0, 3, 0, 0, 1, 0, -1, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W30 = {
    0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, -1, -2, -1, 0, 0, 0, 0, 0, 0
  };
  private static final int[] W00 = {
    -2, -6, -8, -6, -2, -6, 6, 42, 6, -6, -8, 42, 152, 42, -8, -6, 6, 42, 6, -6, -2, -6, -8, -6, -2
  };
}
