package io.renderlab.thumbnails.internal.jpeg;

/**
 * libjpeg-turbo's integer inverse DCTs, transcribed so our samples match the ones sharp's decoder
 * produces: {@code jpeg_idct_islow} (8×8 out, jidctint.c) and the reduced-size ones of jidctred.c
 * ({@code jpeg_idct_4x4}, {@code 2x2}, {@code 1x1}), which decode a block straight to 1/2, 1/4 or
 * 1/8 of its size. Coefficients are in natural order, dequantised here. Not public API.
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

  /** libjpeg's range_limit: the centred value clamped to 0..255 (wrapped like RANGE_MASK for garbage). */
  private static byte limit(int x) {
    x = ((x + 512) & 1023) - 512; // the 10-bit wrap libjpeg's table applies
    x += 128;
    return (byte) (x < 0 ? 0 : (x > 255 ? 255 : x));
  }

  /** Full 8×8 (jpeg_idct_islow). {@code ws} is 64 ints of scratch. */
  static void idct8(short[] in, int off, int[] q, int[] ws, byte[] out, int o, int stride) {
    for (int c = 0; c < 8; c++) {
      int i1 = in[off + 8 + c];
      int i2 = in[off + 16 + c];
      int i3 = in[off + 24 + c];
      int i4 = in[off + 32 + c];
      int i5 = in[off + 40 + c];
      int i6 = in[off + 48 + c];
      int i7 = in[off + 56 + c];
      if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) == 0) {
        int dc = (in[off + c] * q[c]) << PASS1_BITS;
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
      long z2 = (long) i2 * q[16 + c];
      long z3 = (long) i6 * q[48 + c];
      long z1 = (z2 + z3) * FIX_0_541196100;
      long tmp2 = z1 + z3 * -FIX_1_847759065;
      long tmp3 = z1 + z2 * FIX_0_765366865;
      z2 = (long) in[off + c] * q[c];
      z3 = (long) i4 * q[32 + c];
      long tmp0 = (z2 + z3) << CONST_BITS;
      long tmp1 = (z2 - z3) << CONST_BITS;
      long tmp10 = tmp0 + tmp3;
      long tmp13 = tmp0 - tmp3;
      long tmp11 = tmp1 + tmp2;
      long tmp12 = tmp1 - tmp2;
      tmp0 = (long) i7 * q[56 + c];
      tmp1 = (long) i5 * q[40 + c];
      tmp2 = (long) i3 * q[24 + c];
      tmp3 = (long) i1 * q[8 + c];
      z1 = tmp0 + tmp3;
      z2 = tmp1 + tmp2;
      z3 = tmp0 + tmp2;
      long z4 = tmp1 + tmp3;
      long z5 = (z3 + z4) * FIX_1_175875602;
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
      final long rnd = 1L << (sh - 1);
      ws[c] = (int) ((tmp10 + tmp3 + rnd) >> sh);
      ws[56 + c] = (int) ((tmp10 - tmp3 + rnd) >> sh);
      ws[8 + c] = (int) ((tmp11 + tmp2 + rnd) >> sh);
      ws[48 + c] = (int) ((tmp11 - tmp2 + rnd) >> sh);
      ws[16 + c] = (int) ((tmp12 + tmp1 + rnd) >> sh);
      ws[40 + c] = (int) ((tmp12 - tmp1 + rnd) >> sh);
      ws[24 + c] = (int) ((tmp13 + tmp0 + rnd) >> sh);
      ws[32 + c] = (int) ((tmp13 - tmp0 + rnd) >> sh);
    }
    final int sh = CONST_BITS + PASS1_BITS + 3;
    final long rnd = 1L << (sh - 1);
    for (int r = 0, w = 0; r < 8; r++, w += 8, o += stride) {
      if ((ws[w + 1] | ws[w + 2] | ws[w + 3] | ws[w + 4] | ws[w + 5] | ws[w + 6] | ws[w + 7]) == 0) {
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
      long z2 = ws[w + 2];
      long z3 = ws[w + 6];
      long z1 = (z2 + z3) * FIX_0_541196100;
      long tmp2 = z1 + z3 * -FIX_1_847759065;
      long tmp3 = z1 + z2 * FIX_0_765366865;
      long tmp0 = ((long) ws[w] + ws[w + 4]) << CONST_BITS;
      long tmp1 = ((long) ws[w] - ws[w + 4]) << CONST_BITS;
      long tmp10 = tmp0 + tmp3;
      long tmp13 = tmp0 - tmp3;
      long tmp11 = tmp1 + tmp2;
      long tmp12 = tmp1 - tmp2;
      tmp0 = ws[w + 7];
      tmp1 = ws[w + 5];
      tmp2 = ws[w + 3];
      tmp3 = ws[w + 1];
      z1 = tmp0 + tmp3;
      z2 = tmp1 + tmp2;
      z3 = tmp0 + tmp2;
      long z4 = tmp1 + tmp3;
      long z5 = (z3 + z4) * FIX_1_175875602;
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
      out[o] = limit((int) ((tmp10 + tmp3 + rnd) >> sh));
      out[o + 7] = limit((int) ((tmp10 - tmp3 + rnd) >> sh));
      out[o + 1] = limit((int) ((tmp11 + tmp2 + rnd) >> sh));
      out[o + 6] = limit((int) ((tmp11 - tmp2 + rnd) >> sh));
      out[o + 2] = limit((int) ((tmp12 + tmp1 + rnd) >> sh));
      out[o + 5] = limit((int) ((tmp12 - tmp1 + rnd) >> sh));
      out[o + 3] = limit((int) ((tmp13 + tmp0 + rnd) >> sh));
      out[o + 4] = limit((int) ((tmp13 - tmp0 + rnd) >> sh));
    }
  }

  /** 4×4 out of an 8×8 block (jpeg_idct_4x4; coefficient row and column 4 are not used). */
  static void idct4(short[] in, int off, int[] q, int[] ws, byte[] out, int o, int stride) {
    for (int c = 0; c < 8; c++) {
      if (c == 4) {
        continue;
      }
      int i1 = in[off + 8 + c];
      int i2 = in[off + 16 + c];
      int i3 = in[off + 24 + c];
      int i5 = in[off + 40 + c];
      int i6 = in[off + 48 + c];
      int i7 = in[off + 56 + c];
      if ((i1 | i2 | i3 | i5 | i6 | i7) == 0) {
        int dc = (in[off + c] * q[c]) << PASS1_BITS;
        ws[c] = dc;
        ws[8 + c] = dc;
        ws[16 + c] = dc;
        ws[24 + c] = dc;
        continue;
      }
      long tmp0 = ((long) in[off + c] * q[c]) << (CONST_BITS + 1);
      long z2 = (long) i2 * q[16 + c];
      long z3 = (long) i6 * q[48 + c];
      long tmp2 = z2 * FIX_1_847759065 + z3 * -FIX_0_765366865;
      long tmp10 = tmp0 + tmp2;
      long tmp12 = tmp0 - tmp2;
      long z1 = (long) i7 * q[56 + c];
      z2 = (long) i5 * q[40 + c];
      z3 = (long) i3 * q[24 + c];
      long z4 = (long) i1 * q[8 + c];
      tmp0 = z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
      tmp2 = z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
      final int sh = CONST_BITS - PASS1_BITS + 1;
      final long rnd = 1L << (sh - 1);
      ws[c] = (int) ((tmp10 + tmp2 + rnd) >> sh);
      ws[24 + c] = (int) ((tmp10 - tmp2 + rnd) >> sh);
      ws[8 + c] = (int) ((tmp12 + tmp0 + rnd) >> sh);
      ws[16 + c] = (int) ((tmp12 - tmp0 + rnd) >> sh);
    }
    final int sh = CONST_BITS + PASS1_BITS + 3 + 1;
    final long rnd = 1L << (sh - 1);
    for (int r = 0, w = 0; r < 4; r++, w += 8, o += stride) {
      if ((ws[w + 1] | ws[w + 2] | ws[w + 3] | ws[w + 5] | ws[w + 6] | ws[w + 7]) == 0) {
        byte dc = limit((ws[w] + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
        out[o] = dc;
        out[o + 1] = dc;
        out[o + 2] = dc;
        out[o + 3] = dc;
        continue;
      }
      long tmp0 = (long) ws[w] << (CONST_BITS + 1);
      long tmp2 = (long) ws[w + 2] * FIX_1_847759065 + (long) ws[w + 6] * -FIX_0_765366865;
      long tmp10 = tmp0 + tmp2;
      long tmp12 = tmp0 - tmp2;
      long z1 = ws[w + 7];
      long z2 = ws[w + 5];
      long z3 = ws[w + 3];
      long z4 = ws[w + 1];
      tmp0 = z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
      tmp2 = z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
      out[o] = limit((int) ((tmp10 + tmp2 + rnd) >> sh));
      out[o + 3] = limit((int) ((tmp10 - tmp2 + rnd) >> sh));
      out[o + 1] = limit((int) ((tmp12 + tmp0 + rnd) >> sh));
      out[o + 2] = limit((int) ((tmp12 - tmp0 + rnd) >> sh));
    }
  }

  /** 2×2 out of an 8×8 block (jpeg_idct_2x2; only coefficients 0, 1, 3, 5, 7 of each axis). */
  static void idct2(short[] in, int off, int[] q, int[] ws, byte[] out, int o, int stride) {
    for (int c = 0; c < 8; c++) {
      if (c == 2 || c == 4 || c == 6) {
        continue;
      }
      int i1 = in[off + 8 + c];
      int i3 = in[off + 24 + c];
      int i5 = in[off + 40 + c];
      int i7 = in[off + 56 + c];
      if ((i1 | i3 | i5 | i7) == 0) {
        int dc = (in[off + c] * q[c]) << PASS1_BITS;
        ws[c] = dc;
        ws[8 + c] = dc;
        continue;
      }
      long tmp10 = ((long) in[off + c] * q[c]) << (CONST_BITS + 2);
      long tmp0 = (long) i7 * q[56 + c] * -FIX_0_720959822 + (long) i5 * q[40 + c] * FIX_0_850430095
          + (long) i3 * q[24 + c] * -FIX_1_272758580 + (long) i1 * q[8 + c] * FIX_3_624509785;
      final int sh = CONST_BITS - PASS1_BITS + 2;
      final long rnd = 1L << (sh - 1);
      ws[c] = (int) ((tmp10 + tmp0 + rnd) >> sh);
      ws[8 + c] = (int) ((tmp10 - tmp0 + rnd) >> sh);
    }
    final int sh = CONST_BITS + PASS1_BITS + 3 + 2;
    final long rnd = 1L << (sh - 1);
    for (int r = 0, w = 0; r < 2; r++, w += 8, o += stride) {
      if ((ws[w + 1] | ws[w + 3] | ws[w + 5] | ws[w + 7]) == 0) {
        byte dc = limit((ws[w] + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
        out[o] = dc;
        out[o + 1] = dc;
        continue;
      }
      long tmp10 = (long) ws[w] << (CONST_BITS + 2);
      long tmp0 = (long) ws[w + 7] * -FIX_0_720959822 + (long) ws[w + 5] * FIX_0_850430095
          + (long) ws[w + 3] * -FIX_1_272758580 + (long) ws[w + 1] * FIX_3_624509785;
      out[o] = limit((int) ((tmp10 + tmp0 + rnd) >> sh));
      out[o + 1] = limit((int) ((tmp10 - tmp0 + rnd) >> sh));
    }
  }

  /** 1×1 out of an 8×8 block (jpeg_idct_1x1): the DC term over eight. */
  static void idct1(short[] in, int off, int[] q, byte[] out, int o) {
    out[o] = limit((in[off] * q[0] + 4) >> 3);
  }
}
