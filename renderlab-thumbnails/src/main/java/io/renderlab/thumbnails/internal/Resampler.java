package io.renderlab.thumbnails.internal;

/**
 * Resizing as libvips does it for sharp's {@code resize(..., {kernel: 'lanczos3'})}: per axis, an
 * integer box shrink that leaves about a factor of two, then separable Lanczos3 over the residual,
 * centre-sampled, with the excess input split evenly between the edges and edge pixels repeated.
 * Only the rows and columns that feed the (possibly cropped) output are touched. Works on
 * interleaved 8-bit samples and float rows, with premultiplied alpha, no per-pixel objects, and
 * scratch buffers reused per thread. Not public API.
 */
public final class Resampler {
  /** Scratch arrays kept per thread between renders; large ones are not retained. */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  private static final int RETAIN_LIMIT = 4 << 20;

  private Resampler() {}

  /**
   * One axis of a resize, planned ahead: box shrink factor, and for each output sample the
   * contiguous run of shrunk samples it reads with their Lanczos3 weights.
   */
  public static final class Axis {
    final int shrink;
    final int length;
    final int first;
    final int last;
    final int out;
    final int taps;
    final int[] start;
    final int[] count;
    final float[] weights;

    private Axis(int shrink, int length, int first, int last, int out, int taps, int[] start, int[] count, float[] weights) {
      this.shrink = shrink;
      this.length = length;
      this.first = first;
      this.last = last;
      this.out = out;
      this.taps = taps;
      this.start = start;
      this.count = count;
      this.weights = weights;
    }

    /** Number of output samples. */
    public int out() {
      return out;
    }

    /**
     * Plans an axis of {@code length} input samples resized by {@code 1/scale} to {@code resized}
     * samples, of which the {@code out} samples starting at {@code crop} are kept.
     */
    public static Axis of(int length, double scale, int resized, int crop, int out) {
      int shrink = 1;
      double residual = scale;
      double extra = 0;
      if (scale > 1.0) {
        // libvips reduce with gap 2: the integer part leaves at least a factor of two to Lanczos.
        shrink = Math.max(1, (int) Math.floor((double) length / resized / 2.0));
        residual = scale / shrink;
        extra = (resized * scale - length) / shrink;
      }
      int shrunk = (length + shrink - 1) / shrink;
      double support = residual > 1.0 ? 3.0 * residual : 3.0;
      double stretch = residual > 1.0 ? residual : 1.0;
      int maxTaps = (int) Math.ceil(2 * support) + 3;
      int[] start = new int[out];
      int[] count = new int[out];
      float[] weights = new float[out * maxTaps];
      double[] tmp = new double[maxTaps];
      int first = Integer.MAX_VALUE;
      int last = Integer.MIN_VALUE;
      int taps = 1;
      for (int i = 0; i < out; i++) {
        double centre = (i + crop + 0.5) * residual - extra / 2.0;
        int lo = (int) Math.floor(centre - support);
        int hi = (int) Math.ceil(centre + support);
        int kmin = Math.max(0, Math.min(shrunk - 1, lo));
        int kmax = Math.max(0, Math.min(shrunk - 1, hi));
        int n = kmax - kmin + 1;
        java.util.Arrays.fill(tmp, 0, n, 0);
        double total = 0;
        for (int k = lo; k <= hi; k++) {
          double w = lanczos3((k + 0.5 - centre) / stretch);
          if (w != 0) {
            int clamped = Math.max(kmin, Math.min(kmax, k)); // edge pixels repeat, as vips_embed(EXTEND_COPY)
            tmp[clamped - kmin] += w;
            total += w;
          }
        }
        // Trim zero-weight ends so the inner loops run only over contributing samples.
        int a = 0;
        int b = n - 1;
        while (a < b && tmp[a] == 0) {
          a++;
        }
        while (b > a && tmp[b] == 0) {
          b--;
        }
        start[i] = kmin + a;
        count[i] = b - a + 1;
        for (int k = a; k <= b; k++) {
          weights[i * maxTaps + (k - a)] = (float) (total == 0 ? (k == a ? 1 : 0) : tmp[k] / total);
        }
        first = Math.min(first, start[i]);
        last = Math.max(last, start[i] + count[i] - 1);
        taps = Math.max(taps, count[i]);
      }
      for (int i = 0; i < out; i++) {
        start[i] -= first;
      }
      return new Axis(shrink, shrunk, first, last, out, maxTaps, start, count, weights);
    }

    static double lanczos3(double x) {
      if (x == 0) {
        return 1;
      }
      if (x <= -3 || x >= 3) {
        return 0;
      }
      double px = Math.PI * x;
      return 3 * Math.sin(px) * Math.sin(px / 3) / (px * px);
    }
  }

  /**
   * Resizes {@code src} along the planned axes. Returns {@code ay.out() * ax.out() * channels}
   * floats (0..255), colour premultiplied by alpha when there is a fourth channel.
   */
  public static float[] resize(Interleaved src, Axis ax, Axis ay) {
    Scratch scratch = SCRATCH.get();
    int ch = src.channels();
    int cols = ax.last - ax.first + 1;
    int rows = ay.last - ay.first + 1;
    int outW = ax.out;
    float[] row = scratch.row(cols * ch);
    long[] acc = scratch.acc(cols * ch);
    float[] mid = scratch.mid(rows * outW * ch);
    for (int r = 0; r < rows; r++) {
      boxRow(src, ay.first + r, ay.shrink, ax, cols, acc, row);
      horizontal(row, ax, ch, mid, r * outW * ch);
    }
    float[] out = new float[ay.out * outW * ch];
    int rowLength = outW * ch;
    for (int j = 0; j < ay.out; j++) {
      int o = j * rowLength;
      int base = j * ay.taps;
      int s = ay.start[j];
      for (int t = 0; t < ay.count[j]; t++) {
        float w = ay.weights[base + t];
        int in = (s + t) * rowLength;
        for (int x = 0; x < rowLength; x++) {
          out[o + x] += w * mid[in + x];
        }
      }
    }
    scratch.release();
    return out;
  }

  /** Shrunk row {@code r}: box average of its source block, premultiplied, as floats. */
  private static void boxRow(Interleaved src, int r, int fy, Axis ax, int cols, long[] acc, float[] out) {
    byte[] d = src.data();
    int w = src.width();
    int ch = src.channels();
    int fx = ax.shrink;
    int y0 = r * fy;
    int y1 = Math.min(src.height(), y0 + fy);
    int x0 = ax.first * fx;
    boolean alpha = ch == 4;
    if (fx == 1 && fy == 1) {
      int p = (y0 * w + x0) * ch;
      if (!alpha) {
        for (int i = 0; i < cols * 3; i++) {
          out[i] = d[p + i] & 0xff;
        }
      } else {
        for (int i = 0, o = 0; i < cols; i++, o += 4, p += 4) {
          float a = (d[p + 3] & 0xff) * (1f / 255f);
          out[o] = (d[p] & 0xff) * a;
          out[o + 1] = (d[p + 1] & 0xff) * a;
          out[o + 2] = (d[p + 2] & 0xff) * a;
          out[o + 3] = d[p + 3] & 0xff;
        }
      }
      return;
    }
    java.util.Arrays.fill(acc, 0, cols * ch, 0L);
    for (int y = y0; y < y1; y++) {
      int rowStart = y * w;
      for (int c = 0; c < cols; c++) {
        int xs = x0 + c * fx;
        int xe = Math.min(w, xs + fx);
        int p = (rowStart + xs) * ch;
        int o = c * ch;
        if (!alpha) {
          long s0 = 0;
          long s1 = 0;
          long s2 = 0;
          for (int x = xs; x < xe; x++, p += 3) {
            s0 += d[p] & 0xff;
            s1 += d[p + 1] & 0xff;
            s2 += d[p + 2] & 0xff;
          }
          acc[o] += s0;
          acc[o + 1] += s1;
          acc[o + 2] += s2;
        } else {
          long s0 = 0;
          long s1 = 0;
          long s2 = 0;
          long s3 = 0;
          for (int x = xs; x < xe; x++, p += 4) {
            int a = d[p + 3] & 0xff;
            s0 += (d[p] & 0xff) * a;
            s1 += (d[p + 1] & 0xff) * a;
            s2 += (d[p + 2] & 0xff) * a;
            s3 += a;
          }
          acc[o] += s0;
          acc[o + 1] += s1;
          acc[o + 2] += s2;
          acc[o + 3] += s3;
        }
      }
    }
    int rowsInBox = y1 - y0;
    for (int c = 0; c < cols; c++) {
      int xs = x0 + c * fx;
      int n = rowsInBox * (Math.min(w, xs + fx) - xs);
      float inv = 1f / n;
      int o = c * ch;
      if (!alpha) {
        out[o] = acc[o] * inv;
        out[o + 1] = acc[o + 1] * inv;
        out[o + 2] = acc[o + 2] * inv;
      } else {
        float invA = inv / 255f;
        out[o] = acc[o] * invA;
        out[o + 1] = acc[o + 1] * invA;
        out[o + 2] = acc[o + 2] * invA;
        out[o + 3] = acc[o + 3] * inv;
      }
    }
  }

  private static void horizontal(float[] row, Axis ax, int ch, float[] mid, int offset) {
    float[] wts = ax.weights;
    int taps = ax.taps;
    if (ch == 3) {
      for (int i = 0, o = offset; i < ax.out; i++, o += 3) {
        int p = ax.start[i] * 3;
        int base = i * taps;
        int n = ax.count[i];
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        for (int t = 0; t < n; t++, p += 3) {
          float w = wts[base + t];
          s0 += w * row[p];
          s1 += w * row[p + 1];
          s2 += w * row[p + 2];
        }
        mid[o] = s0;
        mid[o + 1] = s1;
        mid[o + 2] = s2;
      }
    } else {
      for (int i = 0, o = offset; i < ax.out; i++, o += 4) {
        int p = ax.start[i] * 4;
        int base = i * taps;
        int n = ax.count[i];
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int t = 0; t < n; t++, p += 4) {
          float w = wts[base + t];
          s0 += w * row[p];
          s1 += w * row[p + 1];
          s2 += w * row[p + 2];
          s3 += w * row[p + 3];
        }
        mid[o] = s0;
        mid[o + 1] = s1;
        mid[o + 2] = s2;
        mid[o + 3] = s3;
      }
    }
  }

  /**
   * Packs resized floats into ARGB ints: un-premultiplies, converts JFIF YCbCr to RGB when
   * {@code ycc}, rounds and clamps.
   */
  public static int[] pack(float[] px, int n, int ch, boolean ycc) {
    int[] out = new int[n];
    for (int i = 0, p = 0; i < n; i++, p += ch) {
      float c0 = px[p];
      float c1 = px[p + 1];
      float c2 = px[p + 2];
      int a = 255;
      if (ch == 4) {
        float av = clamp(px[p + 3]);
        a = (int) (av + 0.5f);
        float un = av > 0 ? 255f / av : 0f;
        c0 *= un;
        c1 *= un;
        c2 *= un;
      }
      if (ycc) {
        float cb = c1 - 128f;
        float cr = c2 - 128f;
        float r = c0 + 1.402f * cr;
        float g = c0 - 0.344136f * cb - 0.714136f * cr;
        float b = c0 + 1.772f * cb;
        c0 = r;
        c1 = g;
        c2 = b;
      }
      out[i] = (a << 24) | ((int) (clamp(c0) + 0.5f) << 16) | ((int) (clamp(c1) + 0.5f) << 8) | (int) (clamp(c2) + 0.5f);
    }
    return out;
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  private static final class Scratch {
    float[] row = new float[0];
    long[] acc = new long[0];
    float[] mid = new float[0];

    float[] row(int n) {
      if (row.length < n) {
        row = new float[n];
      }
      return row;
    }

    long[] acc(int n) {
      if (acc.length < n) {
        acc = new long[n];
      }
      return acc;
    }

    float[] mid(int n) {
      if (mid.length < n) {
        mid = new float[n];
      }
      return mid;
    }

    /** Drops arrays too large to keep around between renders. */
    void release() {
      if (mid.length > RETAIN_LIMIT) {
        mid = new float[0];
      }
      if (row.length > RETAIN_LIMIT) {
        row = new float[0];
      }
      if (acc.length > RETAIN_LIMIT) {
        acc = new long[0];
      }
    }
  }
}
