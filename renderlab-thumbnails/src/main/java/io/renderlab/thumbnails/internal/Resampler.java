package io.renderlab.thumbnails.internal;

/**
 * Resizing as libvips does it for sharp's {@code resize(..., {kernel: 'lanczos3'})}: per axis, an
 * integer box shrink that leaves about a factor of two, then separable Lanczos3 over the residual,
 * centre-sampled, with the excess input split evenly between the edges and edge pixels repeated.
 * Only the rows and columns that feed the (possibly cropped) output are touched. Works on
 * interleaved 8-bit samples and float rows, with premultiplied alpha, no per-pixel objects, and
 * scratch buffers reused per thread. Not public API.
 *
 * <p>Why one class of more than 700 lines: it is one algorithm (libvips' shrink then reduce), and
 * its parts, the plan ({@link Axis}), the streaming passes ({@link Rows}) and the packed-sum and
 * multiply-add kernels they share, all use the same private per-thread scratch; the kernels are
 * speed-specialised copies of one loop (packed, 4-channel, premultiplied), kept next to each other
 * so that a change to one is made to all.
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

    private Axis(
        int shrink,
        int length,
        int first,
        int last,
        int out,
        int taps,
        int[] start,
        int[] count,
        float[] weights) {
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

    /** The integer box-shrink factor this axis applies before Lanczos3 (1 for none). */
    public int shrink() {
      return shrink;
    }

    /** The first box-shrunk sample this axis reads. */
    public int first() {
      return first;
    }

    /** Number of box-shrunk samples along the whole axis. */
    public int shrunkLength() {
      return length;
    }

    /**
     * The same axis for input that a decoder already box-shrank by {@link #shrink()} (see {@code
     * BoxShrink}): the same Lanczos3 taps, no box pass.
     */
    public Axis boxShrunkInput() {
      return new Axis(1, length, first, last, out, taps, start, count, weights);
    }

    /** The first input sample this axis reads: decoders may skip what comes before. */
    public int sourceStart() {
      return first * shrink;
    }

    /** One past the last input sample this axis reads, for an axis of {@code length} samples. */
    public int sourceEnd(int length) {
      return Math.min(length, (last + 1) * shrink);
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
        // Capped so that a block's premultiplied sums fit an int (255 * 255 * 30000 < 2^31).
        shrink = Math.max(1, Math.min(30_000, (int) Math.floor((double) length / resized / 2.0)));
        residual = scale / shrink;
        extra = (resized * scale - length) / shrink;
      }
      int shrunk = (length + shrink - 1) / shrink;
      // Enlarging, libvips (vips_resize -> vips_affine) interpolates with Catmull-Rom, not
      // Lanczos3.
      boolean enlarge = scale < 1.0;
      double support = enlarge ? 2.0 : residual > 1.0 ? 3.0 * residual : 3.0;
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
        // Reducing, libvips samples pixel centres; enlarging, its vips_affine call lands output
        // pixel i
        // on input position i * scale (measured against sharp 0.34: a step edge lines up exactly).
        double centre = enlarge ? (i + crop) * residual : (i + crop + 0.5) * residual - extra / 2.0;
        int lo = (int) Math.floor(centre - support);
        int hi = (int) Math.ceil(centre + support);
        int kmin = Math.max(0, Math.min(shrunk - 1, lo));
        int kmax = Math.max(0, Math.min(shrunk - 1, hi));
        int n = kmax - kmin + 1;
        java.util.Arrays.fill(tmp, 0, n, 0);
        double total = 0;
        for (int k = lo; k <= hi; k++) {
          double w =
              enlarge ? catmullRom(k + 0.5 - centre) : lanczos3((k + 0.5 - centre) / stretch);
          if (w != 0) {
            int clamped =
                Math.max(kmin, Math.min(kmax, k)); // edge pixels repeat, as vips_embed(EXTEND_COPY)
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

    static double catmullRom(double x) {
      double a = Math.abs(x);
      if (a < 1) {
        return 1.5 * a * a * a - 2.5 * a * a + 1;
      }
      if (a < 2) {
        return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2;
      }
      return 0;
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
   * floats (0..255), colour premultiplied by alpha when there is a fourth channel, in a per-thread
   * buffer (possibly longer) that the next resize on the same thread reuses.
   *
   * <p>Vertical pass first, over whole shrunk rows held in a small ring (so each source row is read
   * once and the inner loop is a plain multiply-add over a row, which the JIT vectorises), then the
   * horizontal pass on the one accumulated row.
   */
  public static float[] resize(Interleaved src, Axis ax, Axis ay) {
    return resize(src, 0, 0, src.width(), src.height(), ax, ay);
  }

  /**
   * As {@link #resize(Interleaved, Axis, Axis)}, when {@code src} holds only the window at ({@code
   * left}, {@code top}) of a {@code width}×{@code height} image that the axes were planned for; the
   * window must cover every sample the axes read.
   */
  public static float[] resize(
      Interleaved src, int left, int top, int width, int height, Axis ax, Axis ay) {
    int ch = src.channels();
    int cols = ax.last - ax.first + 1;
    Rows rows = new Rows(ax, ay, ch);
    int[] sums = SCRATCH.get().sums(cols * ax.shrink * ch);
    for (int r = 0; !rows.done(); r++) {
      shrunkRow(
          src, left, top, width, height, ay.first + r, ay.shrink, ax, cols, sums, rows.slot(), 0);
      rows.commit();
    }
    return rows.finish();
  }

  /**
   * The vertical and horizontal Lanczos3 passes, streaming: box-shrunk rows arrive top to bottom
   * (from {@link Axis#first()} of the vertical axis on) and each output row is computed as soon as
   * the rows it reads are in, from a ring of {@code taps} rows. Decoders feed it directly, so no
   * full-size image is ever allocated, copied or widened. One per render; uses the thread's
   * scratch.
   */
  public static final class Rows {
    private final Axis ax;
    private final Axis ay;
    private final int ch;
    private final int cols;
    private final int rowLength;
    private final int capacity;
    private final int outRow;
    private final Scratch scratch;

    /**
     * One array per row, each indexed from 0: C2 (JDK 17) vectorises a loop only when its arrays'
     * indices can be aligned together, so rows at offsets in one shared array ran scalar, 8×
     * slower.
     */
    private final float[][] ring;

    private final float[] acc;
    private final float[] out;
    private int produced;
    private int next;

    /** Planned for {@code channels} (3, or 4 with alpha) over axes that do no box shrink. */
    public Rows(Axis ax, Axis ay, int channels) {
      this.ax = ax;
      this.ay = ay;
      this.ch = channels;
      this.cols = ax.last - ax.first + 1;
      this.rowLength = cols * channels;
      this.capacity = ay.taps;
      this.outRow = ax.out * channels;
      this.scratch = SCRATCH.get();
      this.ring = scratch.ring(capacity, rowLength);
      this.acc = scratch.acc(rowLength);
      this.out = scratch.out(ay.out * outRow);
    }

    /** True once every output row is computed: later rows are not needed. */
    public boolean done() {
      return next >= ay.out;
    }

    /** The array (from index 0) where the next row's {@code cols * channels} floats go. */
    float[] slot() {
      return ring[produced % capacity];
    }

    /**
     * Adds the next row from 8-bit samples ({@code cols} pixels from {@code d[p]}, alpha not
     * premultiplied).
     */
    public void add(byte[] d, int p) {
      if (done()) {
        return;
      }
      float[] row = slot();
      if (ch == 3) {
        widen(row, d, p, rowLength);
      } else {
        premultiply(row, d, p, rowLength);
      }
      commit();
    }

    /**
     * Adds the next row from 8-bit sample values held as ints ({@code cols} pixels from {@code
     * v[0]}, alpha not premultiplied).
     */
    void add(int[] v) {
      if (done()) {
        return;
      }
      float[] row = slot();
      if (ch == 3) {
        for (int i = 0; i < rowLength; i++) {
          row[i] = v[i];
        }
      } else {
        for (int i = 0; i < rowLength; i += 4) {
          float a = v[i + 3] * (1f / 255f);
          row[i] = v[i] * a;
          row[i + 1] = v[i + 1] * a;
          row[i + 2] = v[i + 2] * a;
          row[i + 3] = v[i + 3];
        }
      }
      commit();
    }

    /** The row at {@link #slot()} is filled: computes every output row that now has its rows. */
    void commit() {
      produced++;
      while (next < ay.out && ay.start[next] + ay.count[next] <= produced) {
        emit(next++);
      }
    }

    private void emit(int j) {
      int s = ay.start[j];
      int n = ay.count[j];
      int base = j * ay.taps;
      float[] wy = ay.weights;
      int t;
      if (n >= 4) {
        set4(
            acc,
            row(s),
            row(s + 1),
            row(s + 2),
            row(s + 3),
            rowLength,
            wy[base],
            wy[base + 1],
            wy[base + 2],
            wy[base + 3]);
        t = 4;
      } else {
        multiply(acc, row(s), rowLength, wy[base]);
        t = 1;
      }
      for (; t + 4 <= n; t += 4) {
        multiplyAdd4(
            acc,
            row(s + t),
            row(s + t + 1),
            row(s + t + 2),
            row(s + t + 3),
            rowLength,
            wy[base + t],
            wy[base + t + 1],
            wy[base + t + 2],
            wy[base + t + 3]);
      }
      for (; t < n; t++) {
        multiplyAdd(acc, row(s + t), rowLength, wy[base + t]);
      }
      horizontal(acc, ax, ch, out, j * outRow);
    }

    private float[] row(int row) {
      return ring[row % capacity];
    }

    /**
     * The result: {@code ay.out() * ax.out() * channels} floats, as {@link #resize} returns.
     *
     * @throws IllegalStateException when rows are missing
     */
    public float[] finish() {
      if (!done()) {
        throw new IllegalStateException("resize got " + produced + " rows, needs more");
      }
      scratch.release();
      return out;
    }
  }

  // The row loops below are small and separate so the JIT compiles each to SIMD; four rows at a
  // time quarter the loads and stores of the accumulator, which bound this pass.

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long EVEN_BYTES = 0x00ff00ff00ff00ffL;

  /**
   * Column sums of {@code rows} rows of {@code span} bytes (at most 257 rows, so each sum fits 16
   * bits): eight bytes at a time as two longs of four 16-bit lanes (even and odd bytes), then
   * unpacked once into {@code sums}. A quarter of the work of adding byte by byte.
   */
  private static void sumRowsPacked(
      byte[] d, int start, int stride, int rows, int span, int[] sums) {
    int words = span >>> 3;
    long[] even = PACKED.get().even(words);
    long[] odd = PACKED.get().odd;
    java.util.Arrays.fill(even, 0, words, 0L);
    java.util.Arrays.fill(odd, 0, words, 0L);
    int tail = words << 3;
    java.util.Arrays.fill(sums, tail, span, 0);
    for (int r = 0, p = start; r < rows; r++, p += stride) {
      addPacked(even, odd, d, p, words);
      for (int i = tail; i < span; i++) {
        sums[i] += d[p + i] & 0xff;
      }
    }
    unpack(even, odd, words, sums);
  }

  /** Unpacks {@link #addPacked} lanes: {@code words * 8} column sums into {@code sums}. */
  static void unpack(long[] even, long[] odd, int words, int[] sums) {
    for (int k = 0; k < words; k++) {
      long e = even[k];
      long o = odd[k];
      int i = k << 3;
      sums[i] = (int) (e & 0xffff);
      sums[i + 1] = (int) (o & 0xffff);
      sums[i + 2] = (int) ((e >>> 16) & 0xffff);
      sums[i + 3] = (int) ((o >>> 16) & 0xffff);
      sums[i + 4] = (int) ((e >>> 32) & 0xffff);
      sums[i + 5] = (int) ((o >>> 32) & 0xffff);
      sums[i + 6] = (int) (e >>> 48);
      sums[i + 7] = (int) (o >>> 48);
    }
  }

  /** Adds {@code words * 8} bytes from {@code d[p]} into 16-bit lanes: even bytes, odd bytes. */
  static void addPacked(long[] even, long[] odd, byte[] d, int p, int words) {
    for (int k = 0; k < words; k++) {
      long v = (long) LONGS.get(d, p + (k << 3));
      even[k] += v & EVEN_BYTES;
      odd[k] += (v >>> 8) & EVEN_BYTES;
    }
  }

  private static final ThreadLocal<Packed> PACKED = ThreadLocal.withInitial(Packed::new);

  private static final class Packed {
    long[] even = new long[0];
    long[] odd = new long[0];

    long[] even(int n) {
      if (even.length < n) {
        even = new long[n];
        odd = new long[n];
      }
      return even;
    }
  }

  private static void addRow(int[] sums, byte[] d, int p, int n) {
    for (int i = 0; i < n; i++) {
      sums[i] += d[p + i] & 0xff;
    }
  }

  private static void widen(float[] out, int offset, byte[] d, int p, int n) {
    for (int i = 0; i < n; i++) {
      out[offset + i] = d[p + i] & 0xff;
    }
  }

  private static void widen(float[] out, byte[] d, int p, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = d[p + i] & 0xff;
    }
  }

  private static void multiply(float[] acc, float[] src, int n, float w) {
    for (int x = 0; x < n; x++) {
      acc[x] = w * src[x];
    }
  }

  private static void premultiply(float[] out, byte[] d, int p, int n) {
    for (int i = 0; i < n; i += 4) {
      float a = (d[p + i + 3] & 0xff) * (1f / 255f);
      out[i] = (d[p + i] & 0xff) * a;
      out[i + 1] = (d[p + i + 1] & 0xff) * a;
      out[i + 2] = (d[p + i + 2] & 0xff) * a;
      out[i + 3] = d[p + i + 3] & 0xff;
    }
  }

  private static void set4(
      float[] acc,
      float[] r0,
      float[] r1,
      float[] r2,
      float[] r3,
      int n,
      float w0,
      float w1,
      float w2,
      float w3) {
    for (int x = 0; x < n; x++) {
      acc[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
    }
  }

  private static void multiplyAdd4(
      float[] acc,
      float[] r0,
      float[] r1,
      float[] r2,
      float[] r3,
      int n,
      float w0,
      float w1,
      float w2,
      float w3) {
    for (int x = 0; x < n; x++) {
      acc[x] += w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
    }
  }

  private static void multiplyAdd(float[] acc, float[] src, int n, float w) {
    for (int x = 0; x < n; x++) {
      acc[x] += w * src[x];
    }
  }

  /**
   * Shrunk row {@code r} (box average of its source block, premultiplied) as floats at {@code
   * offset}.
   */
  private static void shrunkRow(
      Interleaved src,
      int left,
      int top,
      int width,
      int height,
      int r,
      int fy,
      Axis ax,
      int cols,
      int[] sums,
      float[] out,
      int offset) {
    byte[] d = src.data();
    int w = src.width(); // the window's row length
    int ch = src.channels();
    int fx = ax.shrink;
    int y0 = r * fy;
    int y1 = Math.min(height, y0 + fy);
    int x0 = ax.first * fx;
    int x1 = Math.min(width, (ax.last + 1) * fx);
    boolean alpha = ch == 4;
    if (fx == 1 && fy == 1) {
      int p = ((y0 - top) * w + x0 - left) * ch;
      if (!alpha) {
        widen(out, offset, d, p, cols * 3);
      } else {
        for (int i = 0, o = offset; i < cols; i++, o += 4, p += 4) {
          float a = (d[p + 3] & 0xff) * (1f / 255f);
          out[o] = (d[p] & 0xff) * a;
          out[o + 1] = (d[p + 1] & 0xff) * a;
          out[o + 2] = (d[p + 2] & 0xff) * a;
          out[o + 3] = d[p + 3] & 0xff;
        }
      }
      return;
    }
    // Sum the block's rows column by column (a straight loop the JIT vectorises), then the columns.
    int span = (x1 - x0) * ch;
    if (!alpha && y1 - y0 <= 257) {
      sumRowsPacked(d, ((y0 - top) * w + x0 - left) * ch, w * ch, y1 - y0, span, sums);
    } else {
      java.util.Arrays.fill(sums, 0, span, 0);
    }
    for (int y = y0; y < y1 && (alpha || y1 - y0 > 257); y++) {
      int p = ((y - top) * w + x0 - left) * ch;
      if (!alpha) {
        addRow(sums, d, p, span);
      } else {
        for (int i = 0; i < span; i += 4) {
          int a = d[p + i + 3] & 0xff;
          sums[i] += (d[p + i] & 0xff) * a;
          sums[i + 1] += (d[p + i + 1] & 0xff) * a;
          sums[i + 2] += (d[p + i + 2] & 0xff) * a;
          sums[i + 3] += a;
        }
      }
    }
    int rowsInBox = y1 - y0;
    for (int c = 0; c < cols; c++) {
      int xs = c * fx;
      int xe = Math.min(x1 - x0, xs + fx);
      long s0 = 0;
      long s1 = 0;
      long s2 = 0;
      long s3 = 0;
      for (int x = xs, p = xs * ch; x < xe; x++, p += ch) {
        s0 += sums[p];
        s1 += sums[p + 1];
        s2 += sums[p + 2];
        if (alpha) {
          s3 += sums[p + 3];
        }
      }
      float inv = 1f / (rowsInBox * (xe - xs));
      int o = offset + c * ch;
      if (!alpha) {
        out[o] = s0 * inv;
        out[o + 1] = s1 * inv;
        out[o + 2] = s2 * inv;
      } else {
        float invA = inv / 255f;
        out[o] = s0 * invA;
        out[o + 1] = s1 * invA;
        out[o + 2] = s2 * invA;
        out[o + 3] = s3 * inv;
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
   * Packs resized floats into ARGB ints: un-premultiplies, converts JFIF YCbCr to RGB when {@code
   * ycc}, rounds and clamps. The result (exactly {@code n} ints) is a per-thread buffer that the
   * next pack on the same thread overwrites, unless it is very large: a fresh 640 KB array per
   * render costs page faults.
   */
  public static int[] pack(float[] px, int n, int ch, boolean ycc) {
    int[] out = SCRATCH.get().packed(n);
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
      out[i] =
          (a << 24)
              | ((int) (clamp(c0) + 0.5f) << 16)
              | ((int) (clamp(c1) + 0.5f) << 8)
              | (int) (clamp(c2) + 0.5f);
    }
    return out;
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  private static final class Scratch {
    float[][] ring = new float[0][];
    int[] sums = new int[0];
    float[] acc = new float[0];
    float[] out = new float[0];
    int[] packed = new int[0];

    int[] packed(int n) {
      if (n > RETAIN_LIMIT) {
        return new int[n];
      }
      if (packed.length != n) {
        packed = new int[n];
      }
      return packed;
    }

    float[] out(int n) {
      if (out.length < n) {
        out = new float[n];
      }
      return out;
    }

    float[][] ring(int rows, int length) {
      if (ring.length < rows || ring[0].length < length) {
        ring = new float[rows][length];
      }
      return ring;
    }

    int[] sums(int n) {
      if (sums.length < n) {
        sums = new int[n];
      }
      return sums;
    }

    float[] acc(int n) {
      if (acc.length < n) {
        acc = new float[n];
      }
      return acc;
    }

    /** Drops arrays too large to keep around between renders. */
    void release() {
      if ((long) ring.length * (ring.length == 0 ? 0 : ring[0].length) > RETAIN_LIMIT) {
        ring = new float[0][];
      }
      if (sums.length > RETAIN_LIMIT) {
        sums = new int[0];
      }
      if (acc.length > RETAIN_LIMIT) {
        acc = new float[0];
      }
      if (out.length > RETAIN_LIMIT) {
        out = new float[0]; // the caller still holds this render's
      }
    }
  }
}
