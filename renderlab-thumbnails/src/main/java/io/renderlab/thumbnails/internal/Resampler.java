package io.renderlab.thumbnails.internal;

/**
 * Separable Lanczos3 resampling over primitive arrays, with an integer box pre-shrink when the
 * reduction is large (as libvips does), premultiplied alpha, and no per-pixel objects. Pixels are
 * packed ARGB ints (non-premultiplied in and out). Not public API.
 */
public final class Resampler {
  private Resampler() {}

  /**
   * Resamples the region ({@code rx}, {@code ry}, {@code rw}, {@code rh}) of a {@code w}-wide
   * image to {@code tw}×{@code th}.
   */
  public static int[] resize(int[] src, int w, int h, double rx, double ry, double rw, double rh, int tw, int th, boolean alpha) {
    // Box pre-shrink to about twice the target: cheap, and Lanczos then sees a small image.
    int fx = (int) Math.floor(rw / tw / 2.0);
    int fy = (int) Math.floor(rh / th / 2.0);
    int f = Math.max(1, Math.min(fx, fy));
    float[][] planes;
    int pw;
    int ph;
    if (f > 1) {
      int x0 = (int) Math.floor(rx);
      int y0 = (int) Math.floor(ry);
      int x1 = Math.min(w, (int) Math.ceil(rx + rw));
      int y1 = Math.min(h, (int) Math.ceil(ry + rh));
      pw = (x1 - x0) / f;
      ph = (y1 - y0) / f;
      planes = boxShrink(src, w, x0, y0, pw, ph, f, alpha);
      rx = (rx - x0) / f;
      ry = (ry - y0) / f;
      rw = rw / f;
      rh = rh / f;
    } else {
      pw = w;
      ph = h;
      planes = toPlanes(src, alpha);
    }
    int channels = planes.length;
    // Horizontal pass: pw×ph -> tw×ph
    Weights wx = Weights.of(pw, rx, rw, tw);
    float[][] mid = new float[channels][tw * ph];
    for (int c = 0; c < channels; c++) {
      float[] in = planes[c];
      float[] out = mid[c];
      for (int y = 0; y < ph; y++) {
        int row = y * pw;
        int orow = y * tw;
        for (int x = 0; x < tw; x++) {
          int start = wx.start[x];
          int base = x * wx.taps;
          float sum = 0;
          for (int k = 0; k < wx.count[x]; k++) {
            sum += in[row + start + k] * wx.weights[base + k];
          }
          out[orow + x] = sum;
        }
      }
    }
    // Vertical pass: tw×ph -> tw×th
    Weights wy = Weights.of(ph, ry, rh, th);
    float[][] fin = new float[channels][tw * th];
    for (int c = 0; c < channels; c++) {
      float[] in = mid[c];
      float[] out = fin[c];
      for (int y = 0; y < th; y++) {
        int start = wy.start[y];
        int base = y * wy.taps;
        int count = wy.count[y];
        int orow = y * tw;
        for (int k = 0; k < count; k++) {
          float wgt = wy.weights[base + k];
          int irow = (start + k) * tw;
          for (int x = 0; x < tw; x++) {
            out[orow + x] += in[irow + x] * wgt;
          }
        }
      }
    }
    return fromPlanes(fin, tw * th, alpha);
  }

  private static float[][] toPlanes(int[] src, boolean alpha) {
    int n = src.length;
    float[][] p = new float[alpha ? 4 : 3][n];
    for (int i = 0; i < n; i++) {
      int v = src[i];
      float a = alpha ? ((v >>> 24) / 255f) : 1f;
      p[0][i] = ((v >> 16) & 0xff) * a;
      p[1][i] = ((v >> 8) & 0xff) * a;
      p[2][i] = (v & 0xff) * a;
      if (alpha) {
        p[3][i] = v >>> 24;
      }
    }
    return p;
  }

  private static float[][] boxShrink(int[] src, int w, int x0, int y0, int pw, int ph, int f, boolean alpha) {
    int channels = alpha ? 4 : 3;
    float[][] p = new float[channels][pw * ph];
    float inv = 1f / (f * f);
    long[] acc = new long[channels * pw];
    for (int oy = 0; oy < ph; oy++) {
      java.util.Arrays.fill(acc, 0);
      for (int dy = 0; dy < f; dy++) {
        int row = (y0 + oy * f + dy) * w + x0;
        for (int ox = 0; ox < pw; ox++) {
          int idx = row + ox * f;
          long r = 0;
          long g = 0;
          long b = 0;
          long a = 0;
          for (int dx = 0; dx < f; dx++) {
            int v = src[idx + dx];
            if (alpha) {
              int av = v >>> 24;
              r += ((v >> 16) & 0xff) * av;
              g += ((v >> 8) & 0xff) * av;
              b += (v & 0xff) * av;
              a += av;
            } else {
              r += (v >> 16) & 0xff;
              g += (v >> 8) & 0xff;
              b += v & 0xff;
            }
          }
          int o = ox * channels;
          acc[o] += r;
          acc[o + 1] += g;
          acc[o + 2] += b;
          if (alpha) {
            acc[o + 3] += a;
          }
        }
      }
      int orow = oy * pw;
      for (int ox = 0; ox < pw; ox++) {
        int o = ox * channels;
        if (alpha) {
          p[0][orow + ox] = acc[o] * inv / 255f;
          p[1][orow + ox] = acc[o + 1] * inv / 255f;
          p[2][orow + ox] = acc[o + 2] * inv / 255f;
          p[3][orow + ox] = acc[o + 3] * inv;
        } else {
          p[0][orow + ox] = acc[o] * inv;
          p[1][orow + ox] = acc[o + 1] * inv;
          p[2][orow + ox] = acc[o + 2] * inv;
        }
      }
    }
    return p;
  }

  private static int[] fromPlanes(float[][] p, int n, boolean alpha) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      float a = alpha ? clamp(p[3][i]) : 255f;
      float un = alpha ? (a > 0 ? 255f / a : 0f) : 1f;
      int r = (int) (clamp(p[0][i] * un) + 0.5f);
      int g = (int) (clamp(p[1][i] * un) + 0.5f);
      int b = (int) (clamp(p[2][i] * un) + 0.5f);
      int ai = alpha ? (int) (a + 0.5f) : 255;
      out[i] = (Math.min(ai, 255) << 24) | (Math.min(r, 255) << 16) | (Math.min(g, 255) << 8) | Math.min(b, 255);
    }
    return out;
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  /** Lanczos3 weights of one axis. */
  private static final class Weights {
    final int[] start;
    final int[] count;
    final float[] weights;
    final int taps;

    private Weights(int[] start, int[] count, float[] weights, int taps) {
      this.start = start;
      this.count = count;
      this.weights = weights;
      this.taps = taps;
    }

    static Weights of(int inSize, double offset, double length, int outSize) {
      double scale = outSize / length;
      double support = scale < 1 ? 3.0 / scale : 3.0;
      double filterScale = scale < 1 ? scale : 1.0;
      int taps = (int) Math.ceil(support * 2) + 2;
      int[] start = new int[outSize];
      int[] count = new int[outSize];
      float[] weights = new float[outSize * taps];
      for (int i = 0; i < outSize; i++) {
        double center = offset + (i + 0.5) / scale;
        int left = (int) Math.floor(center - support);
        int right = (int) Math.ceil(center + support);
        left = Math.max(left, 0);
        right = Math.min(right, inSize - 1);
        int n = Math.min(right - left + 1, taps);
        double total = 0;
        double[] tmp = new double[n];
        for (int k = 0; k < n; k++) {
          double x = (left + k + 0.5 - center) * filterScale;
          tmp[k] = lanczos3(x);
          total += tmp[k];
        }
        start[i] = left;
        count[i] = n;
        for (int k = 0; k < n; k++) {
          weights[i * taps + k] = (float) (total == 0 ? (k == 0 ? 1 : 0) : tmp[k] / total);
        }
      }
      return new Weights(start, count, weights, taps);
    }

    private static double lanczos3(double x) {
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
}
