package io.renderlab.thumbnails.internal;

/**
 * The resize's integer box shrink, fused into decoding: a {@link PngDecoder.RowSink} that keeps
 * only the window the planned axes read and averages each {@code shrink × shrink} block as its rows
 * arrive, so the decoder never materialises the full-size image. The result is what {@link
 * Resampler#resize} would have computed in its box pass (alpha-weighted like libvips' premultiplied
 * shrink), rounded to 8 bits as libvips' {@code shrinkh}/{@code shrinkv} do for 8-bit images. Each
 * shrunk row goes straight on to a streaming {@link Resampler.Rows}, so neither the full-size nor
 * the shrunk image is ever held. Not public API.
 */
public final class BoxShrink implements PngDecoder.RowSink {
  private final int fx;
  private final int fy;
  private final int x0;
  private final int x1;
  private final int y0;
  private final int y1;
  private final int cols;
  private final Resampler.Axis rx;
  private final Resampler.Axis ry;
  private int ch;
  private int[] sums;
  private int[] shrunk;
  private long[] even;
  private long[] odd;
  private Resampler.Rows out;
  private int rowsInBlock;

  /** Plans the window of a {@code width}×{@code height} image that the axes read. */
  public BoxShrink(int width, int height, Resampler.Axis ax, Resampler.Axis ay) {
    this.fx = ax.shrink;
    this.fy = ay.shrink;
    this.x0 = ax.first * fx;
    this.x1 = Math.min(width, (ax.last + 1) * fx);
    this.y0 = ay.first * fy;
    this.y1 = Math.min(height, (ay.last + 1) * fy);
    this.cols = ax.last - ax.first + 1;
    this.rx = ax.boxShrunkInput();
    this.ry = ay.boxShrunkInput();
  }

  @Override
  public void start(int channels) {
    this.ch = channels;
    this.out = new Resampler.Rows(rx, ry, channels);
    if (fx > 1 || fy > 1) {
      this.sums = new int[(x1 - x0) * channels];
      this.shrunk = new int[cols * channels];
      if (channels == 3 && fy <= 257) {
        this.even = new long[(x1 - x0) * channels >>> 3];
        this.odd = new long[even.length];
      }
    }
  }

  @Override
  public void row(int y, byte[] row, int offset) {
    if (y < y0 || y >= y1 || out.done()) {
      return;
    }
    int span = (x1 - x0) * ch;
    int p = offset + x0 * ch;
    if (fx == 1 && fy == 1) {
      out.add(row, p);
      return;
    }
    int[] s = sums;
    if (ch == 3 && even != null) {
      // Eight samples at a time in 16-bit lanes of two longs (fy <= 257 rows cannot overflow them).
      int words = span >>> 3;
      Resampler.addPacked(even, odd, row, p, words);
      for (int i = words << 3; i < span; i++) {
        s[i] += row[p + i] & 0xff;
      }
    } else if (ch == 3) {
      for (int i = 0; i < span; i++) {
        s[i] += row[p + i] & 0xff;
      }
    } else {
      for (int i = 0; i < span; i += 4) {
        int a = row[p + i + 3] & 0xff;
        s[i] += (row[p + i] & 0xff) * a;
        s[i + 1] += (row[p + i + 1] & 0xff) * a;
        s[i + 2] += (row[p + i + 2] & 0xff) * a;
        s[i + 3] += a;
      }
    }
    rowsInBlock++;
    if (rowsInBlock == fy || y == y1 - 1) {
      if (even != null) {
        Resampler.unpack(even, odd, span >>> 3, s);
        java.util.Arrays.fill(even, 0L);
        java.util.Arrays.fill(odd, 0L);
      }
      emit();
      java.util.Arrays.fill(s, 0);
      rowsInBlock = 0;
    }
  }

  private void emit() {
    int[] out = shrunk;
    int o = 0;
    int width = x1 - x0;
    for (int c = 0; c < cols; c++, o += ch) {
      int xs = c * fx;
      int xe = Math.min(width, xs + fx);
      long n = (long) rowsInBlock * (xe - xs);
      if (n != lastN) {
        lastN = n;
        inverse = 1.0 / n;
        shift = Long.bitCount(n) == 1 ? Long.numberOfTrailingZeros(n) : -1;
      }
      long s0 = 0;
      long s1 = 0;
      long s2 = 0;
      long s3 = 0;
      for (int p = xs * ch, end = xe * ch; p < end; p += ch) {
        s0 += sums[p];
        s1 += sums[p + 1];
        s2 += sums[p + 2];
        if (ch == 4) {
          s3 += sums[p + 3];
        }
      }
      if (ch == 3) {
        long h = n / 2;
        if (shift >= 0) { // shrink 2 or 4 on both axes: a shift
          out[o] = (int) ((s0 + h) >>> shift);
          out[o + 1] = (int) ((s1 + h) >>> shift);
          out[o + 2] = (int) ((s2 + h) >>> shift);
        } else {
          out[o] = quotient(s0 + h, n, inverse);
          out[o + 1] = quotient(s1 + h, n, inverse);
          out[o + 2] = quotient(s2 + h, n, inverse);
        }
      } else if (s3 == 0) {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        out[o + 3] = 0;
      } else {
        double inv = 1.0 / s3;
        long h = s3 / 2;
        out[o] = quotient(s0 + h, s3, inv);
        out[o + 1] = quotient(s1 + h, s3, inv);
        out[o + 2] = quotient(s2 + h, s3, inv);
        out[o + 3] = shift >= 0 ? (int) ((s3 + n / 2) >>> shift) : quotient(s3 + n / 2, n, inverse);
      }
    }
    this.out.add(out);
  }

  private long lastN;
  private double inverse;
  private int shift;

  /**
   * {@code a / n} (both non-negative) through a multiply by {@code inverse = 1.0 / n}, corrected to
   * the exact integer quotient: a 64-bit division per sample was this sink's largest cost.
   */
  private static int quotient(long a, long n, double inverse) {
    long q = (long) (a * inverse);
    if (q * n > a) {
      q--;
    } else if ((q + 1) * n <= a) {
      q++;
    }
    return (int) q;
  }

  /**
   * The resized result, as {@link Resampler#resize} returns it, after the last row.
   *
   * @throws IllegalStateException when rows were missing
   */
  public float[] result() {
    return out.finish();
  }

  /** Channels of the result (3, or 4 with premultiplied alpha); valid after the first row. */
  public int channels() {
    return ch;
  }
}
