package io.renderlab.thumbnails.internal.jpeg;

/**
 * libjpeg-turbo's integer inverse DCTs, transcribed so our samples match the ones sharp's decoder
 * produces: {@code jpeg_idct_islow} (8×8 out, jidctint.c) and the reduced-size ones of jidctred.c
 * ({@code jpeg_idct_4x4}, {@code 2x2}, {@code 1x1}), which decode a block straight to 1/2, 1/4 or
 * 1/8 of its size. Coefficients are in natural order, dequantised here; each IDCT clears the
 * coefficients it reads, so a block it has transformed is zero wherever it was read. Arithmetic is
 * 32-bit, as in libjpeg-turbo's builds where {@code JLONG} is 32 bits: exact for any valid 8-bit
 * data. Not public API.
 */
final class Idct {
  private Idct() {}

  private static final int CONST_BITS = 13;
  private static final int PASS1_BITS = 2;

  private static final int FIX_0_211164243 = 1730;
  private static final int FIX_0_298631336 = 2446;
  private static final int FIX_0_390180644 = 3196;
  private static final int FIX_0_509795579 = 4176;
  private static final int FIX_0_541196100 = 4433;
  private static final int FIX_0_601344887 = 4926;
  private static final int FIX_0_720959822 = 5906;
  private static final int FIX_0_765366865 = 6270;
  private static final int FIX_0_850430095 = 6967;
  private static final int FIX_0_899976223 = 7373;
  private static final int FIX_1_061594337 = 8697;
  private static final int FIX_1_175875602 = 9633;
  private static final int FIX_1_272758580 = 10426;
  private static final int FIX_1_451774981 = 11893;
  private static final int FIX_1_501321110 = 12299;
  private static final int FIX_1_847759065 = 15137;
  private static final int FIX_1_961570560 = 16069;
  private static final int FIX_2_053119869 = 16819;
  private static final int FIX_2_172734803 = 17799;
  private static final int FIX_2_562915447 = 20995;
  private static final int FIX_3_072711026 = 25172;
  private static final int FIX_3_624509785 = 29692;

  /**
   * libjpeg's range_limit table: index {@code x & 1023} gives the centred value clamped to 0..255.
   */
  private static final byte[] RANGE = new byte[1024];

  static {
    for (int i = 0; i < 1024; i++) {
      int x =
          (i < 512 ? i : i - 1024) + 128; // the 10-bit wrap libjpeg's RANGE_MASK applies to garbage
      RANGE[i] = (byte) (x < 0 ? 0 : (x > 255 ? 255 : x));
    }
  }

  private static byte limit(int x) {
    return RANGE[x & 1023];
  }

  /** Full 8×8 (jpeg_idct_islow). {@code ws} is 64 ints of scratch. */
  static void idct8(short[] in, int off, int[] q, int[] ws, byte[] out, int o, int stride) {
    for (int c = 0; c < 8; c++) {
      int i0 = in[off + c];
      int i1 = in[off + 8 + c];
      int i2 = in[off + 16 + c];
      int i3 = in[off + 24 + c];
      int i4 = in[off + 32 + c];
      int i5 = in[off + 40 + c];
      int i6 = in[off + 48 + c];
      int i7 = in[off + 56 + c];
      in[off + c] = 0;
      in[off + 8 + c] = 0;
      in[off + 16 + c] = 0;
      in[off + 24 + c] = 0;
      in[off + 32 + c] = 0;
      in[off + 40 + c] = 0;
      in[off + 48 + c] = 0;
      in[off + 56 + c] = 0;
      if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) == 0) {
        int dc = (i0 * q[c]) << PASS1_BITS;
        ws[c] = dc;
        ws[8 + c] = dc;
        ws[16 + c] = dc;
        ws[24 + c] = dc;
        ws[32 + c] = dc;
        ws[40 + c] = dc;
        ws[48 + c] = dc;
        ws[56 + c] = dc;
        continue;
      }
      int z2 = i2 * q[16 + c];
      int z3 = i6 * q[48 + c];
      int z1 = (z2 + z3) * FIX_0_541196100;
      int tmp2 = z1 + z3 * -FIX_1_847759065;
      int tmp3 = z1 + z2 * FIX_0_765366865;
      z2 = i0 * q[c];
      z3 = i4 * q[32 + c];
      int tmp0 = (z2 + z3) << CONST_BITS;
      int tmp1 = (z2 - z3) << CONST_BITS;
      int tmp10 = tmp0 + tmp3;
      int tmp13 = tmp0 - tmp3;
      int tmp11 = tmp1 + tmp2;
      int tmp12 = tmp1 - tmp2;
      tmp0 = i7 * q[56 + c];
      tmp1 = i5 * q[40 + c];
      tmp2 = i3 * q[24 + c];
      tmp3 = i1 * q[8 + c];
      z1 = tmp0 + tmp3;
      z2 = tmp1 + tmp2;
      z3 = tmp0 + tmp2;
      int z4 = tmp1 + tmp3;
      int z5 = (z3 + z4) * FIX_1_175875602;
      tmp0 = tmp0 * FIX_0_298631336;
      tmp1 = tmp1 * FIX_2_053119869;
      tmp2 = tmp2 * FIX_3_072711026;
      tmp3 = tmp3 * FIX_1_501321110;
      z1 = z1 * -FIX_0_899976223;
      z2 = z2 * -FIX_2_562915447;
      z3 = z3 * -FIX_1_961570560 + z5;
      z4 = z4 * -FIX_0_390180644 + z5;
      tmp0 += z1 + z3;
      tmp1 += z2 + z4;
      tmp2 += z2 + z3;
      tmp3 += z1 + z4;
      final int sh = CONST_BITS - PASS1_BITS;
      final int rnd = 1 << (sh - 1);
      ws[c] = ((tmp10 + tmp3 + rnd) >> sh);
      ws[56 + c] = ((tmp10 - tmp3 + rnd) >> sh);
      ws[8 + c] = ((tmp11 + tmp2 + rnd) >> sh);
      ws[48 + c] = ((tmp11 - tmp2 + rnd) >> sh);
      ws[16 + c] = ((tmp12 + tmp1 + rnd) >> sh);
      ws[40 + c] = ((tmp12 - tmp1 + rnd) >> sh);
      ws[24 + c] = ((tmp13 + tmp0 + rnd) >> sh);
      ws[32 + c] = ((tmp13 - tmp0 + rnd) >> sh);
    }
    final int sh = CONST_BITS + PASS1_BITS + 3;
    final int rnd = 1 << (sh - 1);
    for (int r = 0, w = 0; r < 8; r++, w += 8, o += stride) {
      if ((ws[w + 1] | ws[w + 2] | ws[w + 3] | ws[w + 4] | ws[w + 5] | ws[w + 6] | ws[w + 7])
          == 0) {
        byte dc = limit((ws[w] + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
        out[o] = dc;
        out[o + 1] = dc;
        out[o + 2] = dc;
        out[o + 3] = dc;
        out[o + 4] = dc;
        out[o + 5] = dc;
        out[o + 6] = dc;
        out[o + 7] = dc;
        continue;
      }
      int z2 = ws[w + 2];
      int z3 = ws[w + 6];
      int z1 = (z2 + z3) * FIX_0_541196100;
      int tmp2 = z1 + z3 * -FIX_1_847759065;
      int tmp3 = z1 + z2 * FIX_0_765366865;
      int tmp0 = (ws[w] + ws[w + 4]) << CONST_BITS;
      int tmp1 = (ws[w] - ws[w + 4]) << CONST_BITS;
      int tmp10 = tmp0 + tmp3;
      int tmp13 = tmp0 - tmp3;
      int tmp11 = tmp1 + tmp2;
      int tmp12 = tmp1 - tmp2;
      tmp0 = ws[w + 7];
      tmp1 = ws[w + 5];
      tmp2 = ws[w + 3];
      tmp3 = ws[w + 1];
      z1 = tmp0 + tmp3;
      z2 = tmp1 + tmp2;
      z3 = tmp0 + tmp2;
      int z4 = tmp1 + tmp3;
      int z5 = (z3 + z4) * FIX_1_175875602;
      tmp0 = tmp0 * FIX_0_298631336;
      tmp1 = tmp1 * FIX_2_053119869;
      tmp2 = tmp2 * FIX_3_072711026;
      tmp3 = tmp3 * FIX_1_501321110;
      z1 = z1 * -FIX_0_899976223;
      z2 = z2 * -FIX_2_562915447;
      z3 = z3 * -FIX_1_961570560 + z5;
      z4 = z4 * -FIX_0_390180644 + z5;
      tmp0 += z1 + z3;
      tmp1 += z2 + z4;
      tmp2 += z2 + z3;
      tmp3 += z1 + z4;
      out[o] = limit(((tmp10 + tmp3 + rnd) >> sh));
      out[o + 7] = limit(((tmp10 - tmp3 + rnd) >> sh));
      out[o + 1] = limit(((tmp11 + tmp2 + rnd) >> sh));
      out[o + 6] = limit(((tmp11 - tmp2 + rnd) >> sh));
      out[o + 2] = limit(((tmp12 + tmp1 + rnd) >> sh));
      out[o + 5] = limit(((tmp12 - tmp1 + rnd) >> sh));
      out[o + 3] = limit(((tmp13 + tmp0 + rnd) >> sh));
      out[o + 4] = limit(((tmp13 - tmp0 + rnd) >> sh));
    }
  }

  /**
   * 4×4 out of an 8×8 block (jpeg_idct_4x4; coefficient row and column 4 are not used). The columns
   * and rows are separate calls with constant indexes, so that each inlined copy has its own
   * all-zero branch to predict.
   */
  static void idct4(short[] in, int off, int[] q, int[] ws, byte[] out, int o, int stride) {
    column4(in, off, q, ws, 0);
    column4(in, off, q, ws, 1);
    column4(in, off, q, ws, 2);
    column4(in, off, q, ws, 3);
    column4(in, off, q, ws, 5);
    column4(in, off, q, ws, 6);
    column4(in, off, q, ws, 7);
    row4(ws, 0, out, o);
    row4(ws, 8, out, o + stride);
    row4(ws, 16, out, o + 2 * stride);
    row4(ws, 24, out, o + 3 * stride);
  }

  /** Pass one of jpeg_idct_4x4 for column {@code c}. */
  private static void column4(short[] in, int off, int[] q, int[] ws, int c) {
    int i0 = in[off + c];
    int i1 = in[off + 8 + c];
    int i2 = in[off + 16 + c];
    int i3 = in[off + 24 + c];
    int i5 = in[off + 40 + c];
    int i6 = in[off + 48 + c];
    int i7 = in[off + 56 + c];
    in[off + c] = 0;
    in[off + 8 + c] = 0;
    in[off + 16 + c] = 0;
    in[off + 24 + c] = 0;
    in[off + 40 + c] = 0;
    in[off + 48 + c] = 0;
    in[off + 56 + c] = 0;
    if ((i1 | i2 | i3 | i5 | i6 | i7) == 0) {
      int dc = (i0 * q[c]) << PASS1_BITS;
      ws[c] = dc;
      ws[8 + c] = dc;
      ws[16 + c] = dc;
      ws[24 + c] = dc;
      return;
    }
    int tmp0 = (i0 * q[c]) << (CONST_BITS + 1);
    int z2 = i2 * q[16 + c];
    int z3 = i6 * q[48 + c];
    int tmp2 = z2 * FIX_1_847759065 + z3 * -FIX_0_765366865;
    int tmp10 = tmp0 + tmp2;
    int tmp12 = tmp0 - tmp2;
    int z1 = i7 * q[56 + c];
    z2 = i5 * q[40 + c];
    z3 = i3 * q[24 + c];
    int z4 = i1 * q[8 + c];
    tmp0 =
        z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
    tmp2 =
        z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
    final int sh = CONST_BITS - PASS1_BITS + 1;
    final int rnd = 1 << (sh - 1);
    ws[c] = ((tmp10 + tmp2 + rnd) >> sh);
    ws[24 + c] = ((tmp10 - tmp2 + rnd) >> sh);
    ws[8 + c] = ((tmp12 + tmp0 + rnd) >> sh);
    ws[16 + c] = ((tmp12 - tmp0 + rnd) >> sh);
  }

  /** Pass two of jpeg_idct_4x4 for the row at {@code w}. */
  private static void row4(int[] ws, int w, byte[] out, int o) {
    if ((ws[w + 1] | ws[w + 2] | ws[w + 3] | ws[w + 5] | ws[w + 6] | ws[w + 7]) == 0) {
      byte dc = limit((ws[w] + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
      out[o] = dc;
      out[o + 1] = dc;
      out[o + 2] = dc;
      out[o + 3] = dc;
      return;
    }
    final int sh = CONST_BITS + PASS1_BITS + 3 + 1;
    final int rnd = 1 << (sh - 1);
    int tmp0 = ws[w] << (CONST_BITS + 1);
    int tmp2 = ws[w + 2] * FIX_1_847759065 + ws[w + 6] * -FIX_0_765366865;
    int tmp10 = tmp0 + tmp2;
    int tmp12 = tmp0 - tmp2;
    int z1 = ws[w + 7];
    int z2 = ws[w + 5];
    int z3 = ws[w + 3];
    int z4 = ws[w + 1];
    tmp0 =
        z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
    tmp2 =
        z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
    out[o] = limit(((tmp10 + tmp2 + rnd) >> sh));
    out[o + 3] = limit(((tmp10 - tmp2 + rnd) >> sh));
    out[o + 1] = limit(((tmp12 + tmp0 + rnd) >> sh));
    out[o + 2] = limit(((tmp12 - tmp0 + rnd) >> sh));
  }

  /**
   * {@code q} prepared for {@link #idct2}: row 0 as is, rows 1, 3, 5 and 7 multiplied by their
   * pass-one constants. In 32-bit arithmetic {@code (c * q) * k == c * (q * k)}, overflow included,
   * so the samples do not change.
   */
  static int[] prepare2(int[] q) {
    int[] p = q.clone();
    for (int c = 0; c < 8; c++) {
      p[8 + c] = q[8 + c] * FIX_3_624509785;
      p[24 + c] = q[24 + c] * -FIX_1_272758580;
      p[40 + c] = q[40 + c] * FIX_0_850430095;
      p[56 + c] = q[56 + c] * -FIX_0_720959822;
    }
    return p;
  }

  /**
   * 2×2 out of an 8×8 block (jpeg_idct_2x2; only coefficients 0, 1, 3, 5, 7 of each axis), with
   * {@code p} from {@link #prepare2}. Unrolled into locals: each column's all-zero test is a branch
   * of its own, which predicts far better than one shared by a loop.
   */
  static void idct2(short[] in, int off, int[] p, byte[] out, int o, int stride) {
    final int sh = CONST_BITS - PASS1_BITS + 2;
    final int rnd = 1 << (sh - 1);
    int t0, t1, t3, t5, t7;
    int b0, b1, b3, b5, b7;
    {
      int i0 = in[off + 0];
      int i1 = in[off + 8];
      int i3 = in[off + 24];
      int i5 = in[off + 40];
      int i7 = in[off + 56];
      in[off + 0] = 0;
      in[off + 8] = 0;
      in[off + 24] = 0;
      in[off + 40] = 0;
      in[off + 56] = 0;
      if ((i1 | i3 | i5 | i7) == 0) {
        t0 = (i0 * p[0]) << PASS1_BITS;
        b0 = t0;
      } else {
        int tmp10 = (i0 * p[0]) << (CONST_BITS + 2);
        int tmp0 = i7 * p[56] + i5 * p[40] + i3 * p[24] + i1 * p[8];
        t0 = (tmp10 + tmp0 + rnd) >> sh;
        b0 = (tmp10 - tmp0 + rnd) >> sh;
      }
    }
    {
      int i0 = in[off + 1];
      int i1 = in[off + 9];
      int i3 = in[off + 25];
      int i5 = in[off + 41];
      int i7 = in[off + 57];
      in[off + 1] = 0;
      in[off + 9] = 0;
      in[off + 25] = 0;
      in[off + 41] = 0;
      in[off + 57] = 0;
      if ((i1 | i3 | i5 | i7) == 0) {
        t1 = (i0 * p[1]) << PASS1_BITS;
        b1 = t1;
      } else {
        int tmp10 = (i0 * p[1]) << (CONST_BITS + 2);
        int tmp0 = i7 * p[57] + i5 * p[41] + i3 * p[25] + i1 * p[9];
        t1 = (tmp10 + tmp0 + rnd) >> sh;
        b1 = (tmp10 - tmp0 + rnd) >> sh;
      }
    }
    {
      int i0 = in[off + 3];
      int i1 = in[off + 11];
      int i3 = in[off + 27];
      int i5 = in[off + 43];
      int i7 = in[off + 59];
      in[off + 3] = 0;
      in[off + 11] = 0;
      in[off + 27] = 0;
      in[off + 43] = 0;
      in[off + 59] = 0;
      if ((i1 | i3 | i5 | i7) == 0) {
        t3 = (i0 * p[3]) << PASS1_BITS;
        b3 = t3;
      } else {
        int tmp10 = (i0 * p[3]) << (CONST_BITS + 2);
        int tmp0 = i7 * p[59] + i5 * p[43] + i3 * p[27] + i1 * p[11];
        t3 = (tmp10 + tmp0 + rnd) >> sh;
        b3 = (tmp10 - tmp0 + rnd) >> sh;
      }
    }
    {
      int i0 = in[off + 5];
      int i1 = in[off + 13];
      int i3 = in[off + 29];
      int i5 = in[off + 45];
      int i7 = in[off + 61];
      in[off + 5] = 0;
      in[off + 13] = 0;
      in[off + 29] = 0;
      in[off + 45] = 0;
      in[off + 61] = 0;
      if ((i1 | i3 | i5 | i7) == 0) {
        t5 = (i0 * p[5]) << PASS1_BITS;
        b5 = t5;
      } else {
        int tmp10 = (i0 * p[5]) << (CONST_BITS + 2);
        int tmp0 = i7 * p[61] + i5 * p[45] + i3 * p[29] + i1 * p[13];
        t5 = (tmp10 + tmp0 + rnd) >> sh;
        b5 = (tmp10 - tmp0 + rnd) >> sh;
      }
    }
    {
      int i0 = in[off + 7];
      int i1 = in[off + 15];
      int i3 = in[off + 31];
      int i5 = in[off + 47];
      int i7 = in[off + 63];
      in[off + 7] = 0;
      in[off + 15] = 0;
      in[off + 31] = 0;
      in[off + 47] = 0;
      in[off + 63] = 0;
      if ((i1 | i3 | i5 | i7) == 0) {
        t7 = (i0 * p[7]) << PASS1_BITS;
        b7 = t7;
      } else {
        int tmp10 = (i0 * p[7]) << (CONST_BITS + 2);
        int tmp0 = i7 * p[63] + i5 * p[47] + i3 * p[31] + i1 * p[15];
        t7 = (tmp10 + tmp0 + rnd) >> sh;
        b7 = (tmp10 - tmp0 + rnd) >> sh;
      }
    }
    row2(t0, t1, t3, t5, t7, out, o);
    row2(b0, b1, b3, b5, b7, out, o + stride);
  }

  /** Pass two of jpeg_idct_2x2 for one row. */
  private static void row2(int w0, int w1, int w3, int w5, int w7, byte[] out, int o) {
    if ((w1 | w3 | w5 | w7) == 0) {
      byte dc = limit((w0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
      out[o] = dc;
      out[o + 1] = dc;
      return;
    }
    final int sh = CONST_BITS + PASS1_BITS + 3 + 2;
    final int rnd = 1 << (sh - 1);
    int tmp10 = w0 << (CONST_BITS + 2);
    int tmp0 =
        w7 * -FIX_0_720959822 + w5 * FIX_0_850430095 + w3 * -FIX_1_272758580 + w1 * FIX_3_624509785;
    out[o] = limit(((tmp10 + tmp0 + rnd) >> sh));
    out[o + 1] = limit(((tmp10 - tmp0 + rnd) >> sh));
  }

  /**
   * What {@link #idct8}, {@link #idct4} and {@link #idct2} make of a block whose only nonzero
   * coefficient is the DC {@code dc} (every column but the first and every row's AC zero, so each
   * takes its DC-only path): a {@code size}×{@code size} square of one sample. Leaves nothing to
   * clear.
   */
  static void dcOnly(int dc, int[] q, int size, byte[] out, int o, int stride) {
    byte v = limit((((dc * q[0]) << PASS1_BITS) + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
    for (int r = 0; r < size; r++, o += stride) {
      for (int x = 0; x < size; x++) {
        out[o + x] = v;
      }
    }
  }

  /** 1×1 out of an 8×8 block (jpeg_idct_1x1): the DC term over eight. */
  static void idct1(short[] in, int off, int[] q, byte[] out, int o) {
    out[o] = limit((in[off] * q[0] + 4) >> 3);
    in[off] = 0;
  }
}
