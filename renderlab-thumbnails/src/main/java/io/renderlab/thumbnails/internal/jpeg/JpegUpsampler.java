package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.thumbnails.internal.RenderBudget;
import java.util.Arrays;

/**
 * The third layer of {@link JpegDecoder}: the window's geometry (each component's IDCT size, plane
 * and upsampling factors, the MCU columns that reach the window) and the output rows, upsampled
 * from the component planes as libjpeg-turbo's jdsample.c does ("fancy" triangle upsampling with
 * edge replication); jpeg-decoder keeps the same in its {@code upsampler.rs}. See {@link
 * JpegBitReader} for why the layers are a chain of classes. Not public API.
 */
abstract class JpegUpsampler extends JpegEntropyDecoder {
  final RenderBudget budget;
  final JpegScratch scratch;
  final int nc;

  /** Output bytes a pixel: 4 for CMYK/YCCK (the samples as stored), else 3. */
  final int outCh;

  final int scale;
  final int x0;
  final int y0;
  final int x1;
  final int y1;
  final int outW;
  final int outH;
  final int mcusX;
  final int mcusY;
  final int minSs;
  final boolean fancy;
  final int[] ss = new int[4];
  final int[] compW = new int[4];
  final int[] compH = new int[4];
  final int[] upH = new int[4];
  final int[] upV = new int[4];
  final int[] planeStride = new int[4];
  final int[] ringRows = new int[4];
  final byte[][] plane = new byte[4][];
  final int[][] q = new int[4][];

  /** {@code q} as each component's IDCT takes it ({@link Idct#prepare2} for the 2×2 one). */
  final int[][] qIdct = new int[4][];

  int mcuLo;
  int mcuHi;

  final int[] blocksW = new int[4];
  final int[] blocksH = new int[4];

  // Output.
  byte[] out;
  int outRowsCapacity;
  int nextRow;

  JpegUpsampler(JpegFrame f, int scale, int x0, int y0, int x1, int y1, RenderBudget budget) {
    super(f);
    this.budget = budget;
    this.scratch = JpegScratch.get();
    this.nc = f.components;
    this.outCh = nc == 4 ? 4 : 3;
    this.scale = scale;
    this.x0 = x0;
    this.y0 = y0;
    this.x1 = x1;
    this.y1 = y1;
    this.outW = JpegDecoder.scaled(f.width, scale);
    this.outH = JpegDecoder.scaled(f.height, scale);
    this.mcusX = ceilDiv(f.width, 8 * f.hmax);
    this.mcusY = ceilDiv(f.height, 8 * f.vmax);
    this.minSs = 8 / scale;
    this.fancy = minSs > 1;
    for (int c = 0; c < nc; c++) {
      // jdmaster.c: scale chroma up through the IDCT while that keeps the upsampling integral.
      int s = minSs;
      while (s < 8
          && (f.hmax * minSs) % (f.h[c] * s * 2) == 0
          && (f.vmax * minSs) % (f.v[c] * s * 2) == 0) {
        s *= 2;
      }
      ss[c] = s;
      compW[c] = (int) ceilDiv((long) f.width * f.h[c] * s, (long) f.hmax * 8);
      compH[c] = (int) ceilDiv((long) f.height * f.v[c] * s, (long) f.vmax * 8);
      upH[c] = (f.hmax * minSs) / (f.h[c] * s);
      upV[c] = (f.vmax * minSs) / (f.v[c] * s);
      blocksW[c] = mcusX * f.h[c];
      blocksH[c] = mcusY * f.v[c];
      planeStride[c] = blocksW[c] * s;
      ringRows[c] = 3 * f.v[c] * s;
    }
    // The MCU columns whose samples (with one of upsampling context) reach the window.
    mcuLo = mcusX - 1;
    mcuHi = 0;
    for (int c = 0; c < nc; c++) {
      int lo = Math.max(0, x0 / upH[c] - 1);
      int hi = Math.min(compW[c] - 1, (x1 - 1) / upH[c] + 1);
      mcuLo = Math.min(mcuLo, lo / ss[c] / f.h[c]);
      mcuHi = Math.max(mcuHi, hi / ss[c] / f.h[c]);
    }
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  void allocateOutput(boolean boundByData) {
    int stride = (x1 - x0) * outCh;
    int rows = y1 - y0;
    if (boundByData) {
      // Every block costs at least two bits, so the data left can make only so many MCU rows: a
      // header claiming a huge image over little data gets a buffer sized for the data.
      long blocksPerMcuRow = 0;
      for (int c = 0; c < nc; c++) {
        blocksPerMcuRow += (long) mcusX * f.h[c] * f.v[c];
      }
      long mcuRows = ((long) (data.length - f.scanStart) * 4) / Math.max(1, blocksPerMcuRow) + 2;
      rows = (int) Math.min(rows, mcuRows * f.vmax * minSs);
    }
    outRowsCapacity = rows;
    out = scratch.out((long) stride * rows);
  }

  void ensureRow(int y) {
    if (y - y0 >= outRowsCapacity) {
      int stride = (x1 - x0) * outCh;
      int rows = Math.min(y1 - y0, Math.max(y - y0 + 1, outRowsCapacity * 2));
      out = Arrays.copyOf(out, Math.multiplyExact(stride, rows));
      scratch.out = out;
      outRowsCapacity = rows;
    }
  }

  /** Emits every window row whose samples (and upsampling context) MCU row {@code m} completed. */
  void emitRows(int m) {
    boolean last = m == mcusY - 1;
    int limit = y1;
    if (!last) {
      for (int c = 0; c < nc; c++) {
        int available = (m + 1) * f.v[c] * ss[c]; // component rows decoded so far
        // Output row y needs component rows up to y / upV + 1.
        limit = Math.min(limit, (available - 1) * upV[c]);
      }
    }
    for (; nextRow < limit; nextRow++) {
      if (nextRow >= y0) {
        ensureRow(nextRow);
        emitRow(nextRow);
      }
    }
  }

  void emitRow(int y) {
    int step = outCh;
    int o = (y - y0) * (x1 - x0) * step;
    byte[] d = out;
    int n = x1 - x0;
    for (int c = 0; c < nc; c++) {
      byte[] pl = plane[c];
      int ps = planeStride[c];
      int ring = ringRows[c];
      int uh = upH[c];
      int uv = upV[c];
      int cw = compW[c];
      int ch = compH[c];
      int oc = o + c;
      if (uh == 1 && uv == 1) {
        int p = (y % ring) * ps + x0;
        for (int i = 0, t = oc; i < n; i++, t += step) {
          d[t] = pl[p + i];
        }
      } else if (uv == 2 && fancy && (uh == 1 || (uh == 2 && cw > 2))) {
        int near = y >> 1;
        int far = (y & 1) == 0 ? Math.max(near - 1, 0) : Math.min(near + 1, ch - 1);
        int pn = (near % ring) * ps;
        int pf = (far % ring) * ps;
        if (uh == 1) {
          int bias = (y & 1) == 0 ? 1 : 2; // h1v2_fancy_upsample
          for (int i = 0, t = oc; i < n; i++, t += step) {
            int x = x0 + i;
            d[t] = (byte) ((3 * (pl[pn + x] & 0xff) + (pl[pf + x] & 0xff) + bias) >> 2);
          }
        } else {
          h2v2(pl, pn, pf, cw, d, oc, step);
        }
      } else if (uv == 1 && uh == 2 && fancy && cw > 2) {
        h2v1(pl, (y % ring) * ps, cw, d, oc, step);
      } else {
        int p = ((y / uv) % ring) * ps;
        for (int i = 0, t = oc; i < n; i++, t += step) {
          d[t] = pl[p + (x0 + i) / uh];
        }
      }
    }
    if (nc == 1) {
      for (int i = 0, t = o; i < n; i++, t += 3) {
        d[t + 1] = d[t];
        d[t + 2] = d[t];
      }
    }
  }

  /** jdsample.c h2v2_fancy_upsample for the window's columns: 9/16, 3/16, 3/16, 1/16 triangle. */
  // Speed copy of the generic loop for 2×2 chroma, the common case: two output columns a step.
  void h2v2(byte[] pl, int pn, int pf, int cw, byte[] d, int oc, int step) {
    int x = x0;
    int t = oc;
    if ((x & 1) == 1 && x < x1) {
      int i = x >> 1;
      int cs = 3 * (pl[pn + i] & 0xff) + (pl[pf + i] & 0xff);
      int j = Math.min(i + 1, cw - 1);
      int cn = 3 * (pl[pn + j] & 0xff) + (pl[pf + j] & 0xff);
      d[t] = (byte) ((3 * cs + cn + 7) >> 4);
      t += step;
      x++;
    }
    int i = x >> 1;
    int prev = 3 * (pl[pn + Math.max(i - 1, 0)] & 0xff) + (pl[pf + Math.max(i - 1, 0)] & 0xff);
    int cur = 3 * (pl[pn + i] & 0xff) + (pl[pf + i] & 0xff);
    int lastI = cw - 1;
    for (; x + 1 < x1; x += 2, t += 2 * step, i++) {
      int j = i < lastI ? i + 1 : lastI;
      int next = 3 * (pl[pn + j] & 0xff) + (pl[pf + j] & 0xff);
      d[t] = (byte) ((3 * cur + prev + 8) >> 4);
      d[t + step] = (byte) ((3 * cur + next + 7) >> 4);
      prev = cur;
      cur = next;
    }
    if (x < x1) {
      d[t] = (byte) ((3 * cur + prev + 8) >> 4);
    }
  }

  /** jdsample.c h2v1_fancy_upsample for the window's columns: 3/4, 1/4. */
  // Speed copy of the generic loop for 2×1 chroma.
  void h2v1(byte[] pl, int p, int cw, byte[] d, int oc, int step) {
    int lastI = cw - 1;
    for (int x = x0, t = oc; x < x1; x++, t += step) {
      int i = x >> 1;
      int cur = 3 * (pl[p + i] & 0xff);
      if ((x & 1) == 0) {
        d[t] = (byte) ((cur + (pl[p + Math.max(i - 1, 0)] & 0xff) + 1) >> 2);
      } else {
        d[t] = (byte) ((cur + (pl[p + Math.min(i + 1, lastI)] & 0xff) + 2) >> 2);
      }
    }
  }

  // ---------------------------------------------------------------- the IDCT into the planes

  /** Fixes each component's quantisation table as its IDCT takes it, once the tables are final. */
  void prepareIdct() {
    for (int c = 0; c < nc; c++) {
      qIdct[c] = ss[c] == 2 ? Idct.prepare2(q[c]) : q[c];
    }
  }

  /** False for MCU rows wholly above the window (with a row of upsampling context to spare). */
  boolean rowNeeded(int m) {
    return (long) (m + 2) * f.vmax * minSs > y0;
  }

  void idct(int c, short[] blk, int off, int[] ws, int o) {
    switch (ss[c]) {
      case 8 -> Idct.idct8(blk, off, q[c], ws, plane[c], o, planeStride[c]);
      case 4 -> Idct.idct4(blk, off, q[c], ws, plane[c], o, planeStride[c]);
      case 2 -> Idct.idct2(blk, off, qIdct[c], plane[c], o, planeStride[c]);
      default -> Idct.idct1(blk, off, q[c], plane[c], o);
    }
  }
}
