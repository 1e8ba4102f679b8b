package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.RenderBudget;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A JPEG decoder that decodes at 1/1, 1/2, 1/4 or 1/8 scale in the DCT domain, as libjpeg-turbo's
 * {@code scale_num/scale_denom} (which is what sharp's shrink-on-load asks libvips for), so a
 * 12-megapixel photo costs a fraction of the inverse DCT, upsampling and memory of a full decode.
 *
 * <p>Baseline and progressive Huffman, 8-bit, one, three or four components, any integral sampling
 * factors, restart intervals. It follows libjpeg-turbo where the pixels depend on it: the integer
 * IDCTs (jidctint.c, jidctred.c), the choice of IDCT size per component (chroma scaled up by the
 * IDCT rather than upsampled, jdmaster.c) and "fancy" triangle upsampling with edge replication
 * (jdsample.c). Anything else is left to ImageIO ({@link JpegFrame#supported()}).
 *
 * <p>Arithmetic-coded files (SOF9, SOF10) take the same paths, with {@link ArithmeticDecoder} in
 * place of the Huffman decoding.
 *
 * <p>Only the requested window is produced: blocks left or right of it are entropy-decoded but not
 * transformed, and a sequential file is read no further than the window's last row. Memory grows
 * with the data actually decoded (progressive coefficients per block row on first touch, output
 * rows as they are produced), never with what a header claims. Scratch is reused per thread. Every
 * failure is an {@link UnsupportedImageException}. Not public API.
 */
public final class JpegDecoder {
  /** Zigzag index to natural (row-major) index, padded so a corrupt run cannot index past 63. */
  static final int[] NATURAL = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63
  };

  /**
   * Where a block's zigzag coefficient goes for an IDCT of each output size (1, 2, 4, 8; other
   * indexes unused): its natural index when that IDCT reads it, else the unread slot {@link
   * #SPARE}. A decoded block then holds only what its IDCT reads, and the IDCT, which clears what
   * it reads, leaves it zero for the next block. {@code SKIP} sends every AC coefficient to the
   * spare slot (blocks outside the window, which are not transformed).
   */
  private static final int[][] NATURAL_FOR = new int[9][];

  private static final int[] SKIP = new int[128];

  /** The block slot no IDCT reads; a block is 65 shorts. */
  private static final int SPARE = 64;

  static {
    for (int size : new int[] {1, 2, 4, 8}) {
      // Padded past 63 as NATURAL is, for the end-of-block run of HuffmanTable.acBlock.
      int[] t = new int[128];
      for (int k = 0; k < t.length; k++) {
        int z = NATURAL[Math.min(k, 63)];
        int row = z >> 3;
        int col = z & 7;
        boolean read =
            switch (size) {
              case 8 -> true;
              case 4 -> row != 4 && col != 4; // jpeg_idct_4x4 skips row and column 4
              case 2 -> (row == 0 || (row & 1) == 1) && (col == 0 || (col & 1) == 1);
              default -> z == 0;
            };
        t[k] = read ? z : SPARE;
      }
      NATURAL_FOR[size] = t;
    }
    Arrays.fill(SKIP, SPARE);
    SKIP[0] = 0;
  }

  /**
   * A progressive block keeps only the coefficients its IDCT reads (64, 49, 25 or 1 shorts for the
   * sizes 8, 4, 2, 1), in natural order, plus a 64-bit mask of which coefficients are nonzero in
   * zigzag order (refinement needs that of every coefficient, but the value only of those read).
   * {@code SLOT_FOR[size][k]}: where zigzag coefficient {@code k} (padded to 80 as {@link
   * #NATURAL}) is kept, or else the block's spare slot after the kept ones, which nothing reads;
   * {@code SLOT_NATURAL[size][i]}: the natural index of slot {@code i}; {@code READ[size]}: the
   * zigzag positions kept.
   */
  private static final int[][] SLOT_FOR = new int[9][];

  private static final int[][] SLOT_NATURAL = new int[9][];

  private static final long[] READ = new long[9];

  /** {@code SELECT_IN_BYTE[r << 8 | b]}: the position of the r-th (from 0) set bit of byte b. */
  private static final byte[] SELECT_IN_BYTE = new byte[8 << 8];

  /** {@code RUN_END[r << 8 | b]}: the position of the r-th (from 0) set bit of b, or -1. */
  private static final byte[] RUN_END = new byte[16 << 8];

  static {
    for (int size : new int[] {1, 2, 4, 8}) {
      boolean[] read = new boolean[64];
      for (int k = 0; k < 64; k++) {
        if (NATURAL_FOR[size][k] != SPARE) {
          read[NATURAL[k]] = true;
          READ[size] |= 1L << k;
        }
      }
      int[] ofNatural = new int[64];
      int[] natural = new int[Long.bitCount(READ[size])];
      int slots = 0;
      for (int z = 0; z < 64; z++) {
        ofNatural[z] = read[z] ? slots : -1;
        if (read[z]) {
          natural[slots++] = z;
        }
      }
      int[] slot = new int[80];
      for (int k = 0; k < slot.length; k++) {
        int i = ofNatural[NATURAL[k]];
        slot[k] = i >= 0 ? i : slots; // the block's spare slot, after the kept ones
      }
      SLOT_FOR[size] = slot;
      SLOT_NATURAL[size] = natural;
    }
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

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Largest output buffer kept per thread between decodes (bytes). */
  private static final int OUT_RETAIN = 48 << 20;

  /**
   * Largest progressive coefficient buffer kept per thread (shorts, a block's mask counting 4; a
   * 12-megapixel 4:4:4 file needs 39 M at full size, 17 M at 1/4), softly held so memory pressure
   * can take it back.
   */
  private static final int COEF_RETAIN = 40 << 20;

  private final JpegFrame f;
  private final byte[] data;
  private final RenderBudget budget;
  private final Scratch scratch;
  private final int nc;

  /** Output bytes a pixel: 4 for CMYK/YCCK (the samples as stored), else 3. */
  private final int outCh;

  private final int scale;
  private final int x0;
  private final int y0;
  private final int x1;
  private final int y1;
  private final int outW;
  private final int outH;
  private final int mcusX;
  private final int mcusY;
  private final int minSs;
  private final boolean fancy;
  private final int[] ss = new int[4];
  private final int[] compW = new int[4];
  private final int[] compH = new int[4];
  private final int[] upH = new int[4];
  private final int[] upV = new int[4];
  private final int[] planeStride = new int[4];
  private final int[] ringRows = new int[4];
  private final byte[][] plane = new byte[4][];
  private final int[][] q = new int[4][];

  /** {@code q} as each component's IDCT takes it ({@link Idct#prepare2} for the 2×2 one). */
  private final int[][] qIdct = new int[4][];

  private int mcuLo;
  private int mcuHi;

  // Bit reader.
  private int pos;
  private long buf;
  private int bits;
  private boolean hitMarker;
  private int padBytes;

  private final int[] pred = new int[4];
  private int eobrun;

  /** The entropy decoder of arithmetic-coded files, made at their first scan. */
  private ArithmeticDecoder arith;

  // Coefficients, for progressive and multi-scan files: one short[] row of blocks per block row,
  // assigned on first touch.
  private short[][][] coefRow;
  private int[][] coefOff;
  private final int[] blocksW = new int[4];
  private final int[] blocksH = new int[4];
  private boolean pooled;
  private int poolNext;

  // Progressive blocks: shorts kept per block, where (SLOT_FOR), and one nonzero mask per block,
  // assigned with the coefficients.
  private final int[] blockSize = new int[4];
  private final int[][] slotOf = new int[4][];
  private long[][][] maskRow;
  private int[][] maskOff;
  private int maskNext;

  // Output.
  private byte[] out;
  private int outRowsCapacity;
  private int nextRow;

  private JpegDecoder(JpegFrame f, int scale, int x0, int y0, int x1, int y1, RenderBudget budget) {
    this.f = f;
    this.data = f.data;
    this.budget = budget;
    this.scratch = SCRATCH.get();
    this.nc = f.components;
    this.outCh = nc == 4 ? 4 : 3;
    this.scale = scale;
    this.x0 = x0;
    this.y0 = y0;
    this.x1 = x1;
    this.y1 = y1;
    this.outW = scaled(f.width, scale);
    this.outH = scaled(f.height, scale);
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

  /** libjpeg's scaled output size: {@code ceil(size / scale)}. */
  public static int scaled(int size, int scale) {
    return (size + scale - 1) / scale;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * Decodes the window [{@code x0}, {@code x1}) × [{@code y0}, {@code y1}) of {@code frame}'s image
   * scaled by 1/{@code scale} (1, 2, 4 or 8; the scaled size is {@link #scaled}). The returned
   * pixels may share a per-thread buffer: use them before the next decode on the same thread.
   *
   * @throws UnsupportedImageException if the data is truncated or corrupt
   */
  public static JpegImage decode(JpegFrame frame, int scale, int x0, int y0, int x1, int y1) {
    return decode(frame, scale, x0, y0, x1, y1, RenderBudget.UNLIMITED);
  }

  /**
   * {@link #decode(JpegFrame, int, int, int, int, int)} within {@code budget}: the output window,
   * the sample rings and (progressive, multi-scan and arithmetic-coded files) the coefficients are
   * reserved at the size they are decoded at, before the first scan is read, whatever the data
   * could hold; scans are counted against {@link RenderBudget#MAX_SCANS}; the deadline is checked
   * once per scan and per MCU row (or block row).
   *
   * @throws RenderBudget.Exceeded if the image needs more than the budget
   */
  public static JpegImage decode(
      JpegFrame frame, int scale, int x0, int y0, int x1, int y1, RenderBudget budget) {
    if (!frame.supported()) {
      throw new IllegalArgumentException(
          "not a frame this decoder supports: " + frame.unsupportedReason());
    }
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
      throw new IllegalArgumentException("scale must be 1, 2, 4 or 8, was " + scale);
    }
    int w = scaled(frame.width, scale);
    int h = scaled(frame.height, scale);
    if (x0 < 0 || y0 < 0 || x1 > w || y1 > h || x0 >= x1 || y0 >= y1) {
      throw new IllegalArgumentException(
          "window " + x0 + "," + y0 + "-" + x1 + "," + y1 + " outside " + w + "x" + h);
    }
    JpegDecoder d = new JpegDecoder(frame, scale, x0, y0, x1, y1, budget);
    try {
      d.run();
    } catch (ArrayIndexOutOfBoundsException | ArithmeticException | NegativeArraySizeException e) {
      // Defence in depth: hostile data must end in a typed refusal, whatever slipped past the
      // checks.
      throw JpegFrame.corrupt("undecodable data (" + e.getClass().getSimpleName() + ")");
    } finally {
      d.scratch.release();
    }
    boolean ycc = d.nc == 3 && !frame.rgb();
    // Four components come out as stored (CMYK, or YCCK): the caller turns them into inks.
    Interleaved pixels = new Interleaved(d.out, x1 - x0, y1 - y0, d.outCh, ycc);
    return new JpegImage(pixels, x0, y0, w, h, frame.icc == null ? null : frame.icc.clone());
  }

  private void run() {
    for (int c = 0; c < nc; c++) {
      q[c] = f.quant[f.tq[c]];
      plane[c] = scratch.plane(c, planeStride[c] * ringRows[c]);
    }
    int sos = f.scanStart;
    int[] scanComps = new int[4];
    boolean buffered = false;
    boolean first = true;
    int scans = 0;
    long visited = 0;
    long blocks = 0;
    for (int c = 0; c < nc; c++) {
      blocks += (long) blocksW[c] * blocksH[c];
    }
    boolean arithmeticData = false;
    while (sos >= 0) {
      budget.scan(++scans);
      budget.checkDeadline();
      int p = sos + 2;
      if (p + 2 > data.length) {
        throw JpegFrame.corrupt("a scan header is cut off");
      }
      int length = ((data[p] & 0xff) << 8) | (data[p + 1] & 0xff);
      if (length < 6 || p + length > data.length) {
        throw JpegFrame.corrupt("a scan header is cut off");
      }
      int ns = data[p + 2] & 0xff;
      if (ns < 1 || ns > nc || length != 6 + 2 * ns) {
        throw JpegFrame.corrupt("a bad scan header");
      }
      HuffmanTable[] dcs = new HuffmanTable[ns];
      HuffmanTable[] acs = new HuffmanTable[ns];
      for (int i = 0; i < ns; i++) {
        int id = data[p + 3 + 2 * i] & 0xff;
        int c = -1;
        for (int k = 0; k < nc; k++) {
          if (f.ids[k] == id) {
            c = k;
          }
        }
        if (c < 0) {
          throw JpegFrame.corrupt("a scan names a component the frame does not have");
        }
        scanComps[i] = c;
        int t = data[p + 4 + 2 * i] & 0xff;
        dcs[i] = (t >> 4) < 4 ? f.dc[t >> 4] : null;
        acs[i] = (t & 15) < 4 ? f.ac[t & 15] : null;
      }
      visited += scanBlocks(ns, scanComps);
      budget.passes(visited, blocks);
      int ssel = data[p + 3 + 2 * ns] & 0xff;
      int se = data[p + 4 + 2 * ns] & 0xff;
      int ah = (data[p + 5 + 2 * ns] & 0xff) >> 4;
      int al = data[p + 5 + 2 * ns] & 15;
      if (f.progressive) {
        if (ssel > se
            || se > 63
            || (ssel == 0 && se != 0)
            || (ssel > 0 && ns != 1)
            || ah > 13
            || al > 13) {
          throw JpegFrame.corrupt("bad progressive scan parameters");
        }
      } else {
        ssel = 0;
        se = 63;
        ah = 0;
        al = 0;
      }
      for (int i = 0; i < ns; i++) {
        boolean needDc = ssel == 0 && ah == 0;
        boolean needAc = se > 0;
        if (!f.arithmetic && ((needDc && dcs[i] == null) || (needAc && acs[i] == null))) {
          throw JpegFrame.corrupt("a scan uses a Huffman table that is not defined");
        }
      }
      for (int c = 0; c < nc; c++) {
        if (q[c] == null) {
          q[c] = f.quant[f.tq[c]];
        }
        if (q[c] == null) {
          throw JpegFrame.corrupt("a component's quantisation table is not defined");
        }
      }
      if (first) {
        buffered = f.progressive || ns < nc;
        reserve(buffered);
        if (buffered) {
          startCoefficients();
        } else {
          allocateOutput(true);
        }
        first = false;
      }
      pos = p + length;
      resetBits();
      Arrays.fill(pred, 0);
      eobrun = 0;
      if (f.arithmetic) {
        // SOF9, SOF10: the same blocks from another entropy decoder. Its decoder reads zeros at a
        // marker, so a file whose scans hold no data at all would come out as a flat image:
        // refused, as it holds no image.
        arithmeticData |= hasEntropyData(pos);
        if (!buffered && !arithmeticData) {
          throw JpegFrame.corrupt("the arithmetic-coded scan holds no image data");
        }
        if (!arithmeticScan(p, ns, scanComps, buffered, ssel, se, ah, al)) {
          return; // a sequential scan: the window's rows are done
        }
        sos = f.tablesUntilScan(arith.position());
        continue;
      }
      if (!buffered) {
        streamBaseline(dcs, acs);
        return; // the window's rows are done; the rest of the file is not needed
      }
      decodeScan(ns, scanComps, dcs, acs, ssel, se, ah, al);
      sos = f.tablesUntilScan(pos);
    }
    if (first) {
      throw JpegFrame.corrupt("no scan");
    }
    if (f.arithmetic && !arithmeticData) {
      throw JpegFrame.corrupt("the arithmetic-coded scans hold no image data");
    }
    outputBuffered();
  }

  /** The blocks a scan of {@code ns} components visits (as {@link #decodeScan} walks them). */
  private long scanBlocks(int ns, int[] comps) {
    if (ns == 1) {
      int c = comps[0];
      return (long) ceilDiv(ceilDiv(f.width * f.h[c], f.hmax), 8)
          * ceilDiv(ceilDiv(f.height * f.v[c], f.vmax), 8);
    }
    long perMcu = 0;
    for (int i = 0; i < ns; i++) {
      perMcu += f.h[comps[i]] * f.v[comps[i]];
    }
    return (long) mcusX * mcusY * perMcu;
  }

  /** Whether entropy-coded bytes (not just restart markers) start at {@code p}, before a marker. */
  private boolean hasEntropyData(int p) {
    while (p + 1 < data.length
        && (data[p] & 0xff) == 0xff
        && (data[p + 1] & 0xff) >= 0xd0
        && (data[p + 1] & 0xff) <= 0xd7) {
      p += 2;
    }
    return p + 1 < data.length && !((data[p] & 0xff) == 0xff && data[p + 1] != 0);
  }

  // ---------------------------------------------------------------- bit reader

  private void resetBits() {
    buf = 0;
    bits = 0;
    hitMarker = false;
    padBytes = 0;
  }

  /**
   * Tops the bit buffer up to more than 56 bits. The buffer holds its {@code bits} unread bits at
   * the top (most significant first), zeros below, so a lookup of the next k bits is a constant
   * shift ({@code buf >>> (64 - k)}) and consuming them a shift left.
   */
  private void fill() {
    byte[] d = data;
    int p = pos;
    long acc = buf;
    int n = bits;
    if (!hitMarker && p <= d.length - 8) {
      // Eight bytes at once: take all that fit before the first 0xFF (stuffing or a marker).
      long w = (long) LONG_BE.get(d, p);
      long x = ~w; // a byte of w is 0xFF where this byte is 0
      long ff = ~(((x & LOW7) + LOW7) | x | LOW7); // exactly those bytes' high bits
      int take = Math.min((64 - n) >>> 3, Long.numberOfLeadingZeros(ff) >>> 3);
      if (take > 0) {
        int sh = take << 3;
        acc |= (w & (-1L << (64 - sh))) >>> n;
        n += sh;
        p += take;
        if (n > 56) {
          pos = p;
          buf = acc;
          bits = n;
          return;
        }
      }
    }
    // Byte by byte: plain bytes (no 0xFF) while inside the data, then the careful path.
    if (!hitMarker) {
      int end = d.length - 1;
      while (n <= 56 && p < end) {
        int v = d[p];
        if (v == -1) {
          break;
        }
        acc |= (long) (v & 0xff) << (56 - n);
        n += 8;
        p++;
      }
    }
    while (n <= 56) {
      int v = 0;
      if (!hitMarker) {
        if (p < d.length) {
          v = d[p] & 0xff;
          if (v != 0xff) {
            p++;
          } else if (p + 1 < d.length && d[p + 1] == 0) {
            p += 2;
          } else {
            hitMarker = true; // a marker (or the end): feed zeros, as libjpeg does, and count them
            v = 0;
          }
        } else {
          hitMarker = true;
        }
      }
      if (hitMarker) {
        padBytes++;
      }
      acc |= (long) v << (56 - n);
      n += 8;
    }
    pos = p;
    buf = acc;
    bits = n;
  }

  /**
   * Refuses data that ran into a marker or the end of the file mid-MCU (libjpeg's "premature end").
   */
  private void checkData() {
    if (hitMarker && bits < padBytes << 3) {
      throw JpegFrame.corrupt("the data ends before the image does");
    }
  }

  private int decode(HuffmanTable t) {
    if (bits < 16) {
      fill();
    }
    int e = t.fast[(int) (buf >>> (64 - HuffmanTable.LOOKAHEAD))];
    if (e != 0) {
      buf <<= e >> 8;
      bits -= e >> 8;
      return e & 0xff;
    }
    int code = (int) (buf >>> 48);
    for (int len = HuffmanTable.LOOKAHEAD + 1; len <= 16; len++) {
      int c = code >>> (16 - len);
      if (c <= t.maxcode[len]) {
        buf <<= len;
        bits -= len;
        return t.symbols[c + t.valoffset[len]];
      }
    }
    throw JpegFrame.corrupt("an invalid Huffman code");
  }

  /** The next {@code s} (1..16) bits as a signed magnitude (JPEG's EXTEND). */
  private int receiveExtend(int s) {
    int v = receive(s);
    return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
  }

  /** The next {@code s} (1..16) bits. */
  private int receive(int s) {
    if (bits < s) {
      fill();
    }
    int v = (int) (buf >>> (64 - s));
    buf <<= s;
    bits -= s;
    return v;
  }

  private void restart() {
    // The encoder byte-aligns before RSTn: drop what is left and find the marker.
    resetBits();
    pos = afterRestartMarker(data, pos);
    Arrays.fill(pred, 0);
    eobrun = 0;
  }

  /**
   * The position just past the next RSTn marker at or after {@code pos}, skipping what is left of
   * the interval's data (stuffed bytes and fill included).
   *
   * @throws io.renderlab.core.UnsupportedImageException if another marker or the end comes first
   */
  static int afterRestartMarker(byte[] data, int pos) {
    while (pos + 1 < data.length) {
      if ((data[pos] & 0xff) == 0xff) {
        int m = data[pos + 1] & 0xff;
        if (m >= 0xd0 && m <= 0xd7) {
          return pos + 2;
        }
        if (m != 0 && m != 0xff) {
          break;
        }
      }
      pos++;
    }
    throw JpegFrame.corrupt("a restart marker is missing");
  }

  // ---------------------------------------------------------------- entropy decoding

  /**
   * Decodes one sequential block into {@code blk} at {@code off}, AC coefficient {@code k} (zigzag)
   * at {@code off + nat[k]}. When {@code zeroed} (the block is zero wherever this writes, and
   * {@code nat} has 128 entries), the end of block and ZRL come through {@link
   * HuffmanTable#acBlock} too.
   */
  private void decodeBaseline(
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

  private void decodeDcFirst(short[] blk, int off, HuffmanTable dct, int c, int al) {
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
  private void decodeAcFirst(
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
  private void decodeAcRefine(
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
  private int refineSymbol(HuffmanTable act) {
    int rs = decode(act);
    int r = rs >> 4;
    if ((rs & 15) != 0) {
      return ((receive(1) != 0 ? 1 : -1) << 16) | (r << 8);
    }
    return (r == 15 ? 0 : 1 << 12) | (r << 8);
  }

  /** Zigzag position of the {@code r}-th (from 0) set bit of {@code x}, which has more than r. */
  private static int select(long x, int r) {
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
  private void correct(short[] blk, int off, int[] slot, long read, long passed, int al) {
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
  private static void correct(short[] blk, int i, long corr, long passed, long kept, int al) {
    long below = passed & ((kept & -kept) - 1);
    int x = blk[i];
    int one = (int) ((corr << Long.bitCount(below)) >>> 63) & ~(x >> al);
    int sign = x >> 31;
    blk[i] = (short) (x + (((one & 1) << al ^ sign) - sign));
  }

  // ---------------------------------------------------------------- sequential, streamed

  /** Fixes each component's quantisation table as its IDCT takes it, once the tables are final. */
  private void prepareIdct() {
    for (int c = 0; c < nc; c++) {
      qIdct[c] = ss[c] == 2 ? Idct.prepare2(q[c]) : q[c];
    }
  }

  private void streamBaseline(HuffmanTable[] dcs, HuffmanTable[] acs) {
    prepareIdct();
    short[] blk = scratch.block;
    // The IDCTs leave the block zero for the next one; a decode that failed mid-block may have left
    // coefficients behind.
    Arrays.fill(blk, (short) 0);
    int[] ws = scratch.ws;
    int left = f.restartInterval;
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int mx = 0; mx < mcusX; mx++) {
        left = beforeMcu(left);
        boolean keep = mx >= mcuLo && mx <= mcuHi && rowNeeded(m);
        for (int c = 0; c < nc; c++) {
          HuffmanTable dct = dcs[c];
          HuffmanTable act = acs[c];
          int hc = f.h[c];
          int vc = f.v[c];
          int s = ss[c];
          int[] nat = keep ? NATURAL_FOR[s] : SKIP;
          for (int by = 0; by < vc; by++) {
            int o = keep ? ((m * vc + by) * s) % ringRows[c] * planeStride[c] + mx * hc * s : 0;
            for (int bx = 0; bx < hc; bx++, o += s) {
              decodeBaseline(blk, 0, dct, act, c, nat, true);
              if (keep) {
                idct(c, blk, 0, ws, o);
              }
            }
          }
        }
        checkData();
      }
      emitRows(m);
      if (nextRow >= y1) {
        return;
      }
    }
  }

  /**
   * Counts the restart interval down before each MCU (each block, in a one-component scan): at its
   * end, reads the RST marker and resets the entropy decoder. Returns the MCUs left in the
   * interval.
   */
  private int beforeMcu(int left) {
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

  /** False for MCU rows wholly above the window (with a row of upsampling context to spare). */
  private boolean rowNeeded(int m) {
    return (long) (m + 2) * f.vmax * minSs > y0;
  }

  private void idct(int c, short[] blk, int off, int[] ws, int o) {
    switch (ss[c]) {
      case 8 -> Idct.idct8(blk, off, q[c], ws, plane[c], o, planeStride[c]);
      case 4 -> Idct.idct4(blk, off, q[c], ws, plane[c], o, planeStride[c]);
      case 2 -> Idct.idct2(blk, off, qIdct[c], plane[c], o, planeStride[c]);
      default -> Idct.idct1(blk, off, q[c], plane[c], o);
    }
  }

  // ---------------------------------------------------------------- progressive and multi-scan

  /** Progressive Huffman coefficients are kept compact (with nonzero masks); the rest whole. */
  private boolean compact() {
    return f.progressive && !f.arithmetic;
  }

  /**
   * Reserves, before the first scan is read, what the decode will allocate at its scale: the output
   * window (grown by doubling, so up to twice its size), the sample rings and, for a buffered
   * (progressive, multi-scan or arithmetic-coded) file, every block's coefficients as if all were
   * touched, since a few bytes of arithmetic-coded data can reach them all. CMYK adds the inks and
   * their sRGB pixels the caller makes from the window.
   */
  private void reserve(boolean buffered) {
    long window = (long) (x1 - x0) * (y1 - y0);
    long bytes = window * outCh * 2 + (outCh == 4 ? window * 8 : 0);
    for (int c = 0; c < nc; c++) {
      bytes += (long) planeStride[c] * ringRows[c];
    }
    String what = "the decoded window";
    if (buffered) {
      for (int c = 0; c < nc; c++) {
        long blocks = (long) blocksW[c] * blocksH[c];
        long perBlock = compact() ? 2L * (SLOT_NATURAL[ss[c]].length + 1) + 8 : 2L * 64;
        bytes += blocks * perBlock;
      }
      what = "the window and every block's coefficients";
    }
    budget.reserve(bytes, what);
  }

  private void startCoefficients() {
    coefRow = new short[nc][][];
    coefOff = new int[nc][];
    maskRow = new long[nc][][];
    maskOff = new int[nc][];
    long total = 0;
    long blocks = 0;
    for (int c = 0; c < nc; c++) {
      // A sequential file read in several scans, and an arithmetic-coded one, keeps whole blocks
      // (decodeBaseline's layout): only the Huffman progressive scans keep compact blocks.
      blockSize[c] = compact() ? SLOT_NATURAL[ss[c]].length + 1 : 64;
      slotOf[c] = SLOT_FOR[ss[c]];
      coefRow[c] = new short[blocksH[c]][];
      coefOff[c] = new int[blocksH[c]];
      maskRow[c] = new long[blocksH[c]][];
      maskOff[c] = new int[blocksH[c]];
      total += (long) blocksW[c] * blocksH[c] * blockSize[c];
      blocks += (long) blocksW[c] * blocksH[c];
    }
    if (!compact()) {
      blocks = 0;
    }
    pooled = total <= scratch.coef().length && blocks <= scratch.masks().length;
    poolNext = 0;
    maskNext = 0;
    scratch.coefWanted = total;
    scratch.masksWanted = blocks;
  }

  /**
   * The block row's coefficients (and, progressive, nonzero masks), zeroed and assigned on first
   * touch (so memory follows the data).
   */
  private short[] coefRow(int c, int by) {
    short[] row = coefRow[c][by];
    if (row == null) {
      int n = blocksW[c] * blockSize[c];
      int nm = compact() ? blocksW[c] : 0;
      long[] masks;
      if (pooled) {
        row = scratch.coef();
        coefOff[c][by] = poolNext;
        Arrays.fill(row, poolNext, poolNext + n, (short) 0);
        poolNext += n;
        masks = scratch.masks();
        maskOff[c][by] = maskNext;
        Arrays.fill(masks, maskNext, maskNext + nm, 0L);
        maskNext += nm;
      } else {
        row = new short[n];
        masks = new long[nm];
      }
      coefRow[c][by] = row;
      maskRow[c][by] = masks;
    }
    return row;
  }

  private void decodeScan(
      int ns,
      int[] comps,
      HuffmanTable[] dcs,
      HuffmanTable[] acs,
      int ssel,
      int se,
      int ah,
      int al) {
    int left = f.restartInterval;
    if (ns == 1 && f.progressive && ssel > 0) {
      decodeAcScan(comps[0], acs[0], ssel, se, ah, al);
      return;
    }
    if (ns > 1 && f.progressive) {
      decodeDcScan(ns, comps, dcs, ah, al);
      return;
    }
    if (ns == 1) {
      int c = comps[0];
      int bs = blockSize[c];
      // A non-interleaved scan covers the component's own blocks, not the MCU-padded ones.
      int bw = ceilDiv(ceilDiv(f.width * f.h[c], f.hmax), 8);
      int bh = ceilDiv(ceilDiv(f.height * f.v[c], f.vmax), 8);
      for (int by = 0; by < bh; by++) {
        budget.checkDeadline();
        short[] row = coefRow(c, by);
        int base = coefOff[c][by];
        long[] masks = maskRow[c][by];
        int mbase = maskOff[c][by];
        for (int bx = 0; bx < bw; bx++) {
          left = beforeMcu(left);
          decodeBlock(row, base + bx * bs, masks, mbase + bx, c, dcs[0], acs[0], ssel, se, ah, al);
          checkData();
        }
      }
      return;
    }
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int mx = 0; mx < mcusX; mx++) {
        left = beforeMcu(left);
        for (int i = 0; i < ns; i++) {
          int c = comps[i];
          int bs = blockSize[c];
          for (int by = 0; by < f.v[c]; by++) {
            int r = m * f.v[c] + by;
            short[] row = coefRow(c, r);
            int base = coefOff[c][r];
            long[] masks = maskRow[c][r];
            int mbase = maskOff[c][r];
            for (int bx = 0; bx < f.h[c]; bx++) {
              int b = mx * f.h[c] + bx;
              decodeBlock(
                  row, base + b * bs, masks, mbase + b, c, dcs[i], acs[i], ssel, se, ah, al);
            }
          }
        }
        checkData();
      }
    }
  }

  /**
   * An interleaved progressive scan (DC only): {@link #decodeScan} with the block rows looked up
   * once per MCU row and the bit buffer in locals.
   */
  private void decodeDcScan(int ns, int[] comps, HuffmanTable[] dcs, int ah, int al) {
    int restarts = f.restartInterval;
    int left = restarts;
    short[][][] rows = new short[ns][4][];
    int[][] bases = new int[ns][4];
    long b = buf;
    int n = bits;
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int i = 0; i < ns; i++) {
        int c = comps[i];
        for (int by = 0; by < f.v[c]; by++) {
          rows[i][by] = coefRow(c, m * f.v[c] + by);
          bases[i][by] = coefOff[c][m * f.v[c] + by];
        }
      }
      for (int mx = 0; mx < mcusX; mx++) {
        if (restarts > 0) {
          if (left == 0) {
            buf = b;
            bits = n;
            restart();
            b = buf;
            n = bits;
            left = restarts;
          }
          left--;
        }
        for (int i = 0; i < ns; i++) {
          int c = comps[i];
          int hc = f.h[c];
          int bs = blockSize[c];
          HuffmanTable dct = dcs[i];
          for (int by = 0; by < f.v[c]; by++) {
            short[] row = rows[i][by];
            for (int bx = 0, off = bases[i][by] + mx * hc * bs; bx < hc; bx++, off += bs) {
              if (n < 16) {
                buf = b;
                bits = n;
                fill();
                b = buf;
                n = bits;
              }
              if (ah != 0) {
                if (b < 0) {
                  row[off] |= (short) (1 << al);
                }
                b <<= 1;
                n--;
                continue;
              }
              int de = dct.dcFast[(int) (b >>> (64 - HuffmanTable.DC_LOOKAHEAD))];
              if (de != 0) {
                // Code and magnitude bits in one lookup.
                b <<= de & 0xff;
                n -= de & 0xff;
                pred[c] += de >> 16;
                row[off] = (short) (pred[c] << al);
              } else {
                buf = b;
                bits = n;
                decodeDcFirst(row, off, dct, c, al);
                b = buf;
                n = bits;
              }
            }
          }
        }
        if (hitMarker) {
          bits = n;
          checkData();
        }
      }
    }
    buf = b;
    bits = n;
  }

  /** A progressive AC scan (always of one component): {@link #decodeScan} without the dispatch. */
  private void decodeAcScan(int c, HuffmanTable act, int ssel, int se, int ah, int al) {
    int left = f.restartInterval;
    int bs = blockSize[c];
    int[] slot = slotOf[c];
    long read = READ[ss[c]];
    long band = (-1L << ssel) & (-1L >>> (63 - se)); // zigzag ssel..se
    int bw = ceilDiv(ceilDiv(f.width * f.h[c], f.hmax), 8);
    int bh = ceilDiv(ceilDiv(f.height * f.v[c], f.vmax), 8);
    for (int by = 0; by < bh; by++) {
      budget.checkDeadline();
      short[] row = coefRow(c, by);
      int base = coefOff[c][by];
      long[] masks = maskRow[c][by];
      int mbase = maskOff[c][by];
      for (int bx = 0; bx < bw; bx++) {
        left = beforeMcu(left);
        if (ah == 0) {
          if (eobrun > 0) {
            eobrun--; // a block of an end-of-band run: nothing to read
          } else {
            decodeAcFirst(row, base + bx * bs, masks, mbase + bx, slot, act, ssel, se, al);
          }
        } else if (eobrun > 0 && (masks[mbase + bx] & band) == 0) {
          eobrun--; // nor here: no nonzero coefficient to take a correction bit
        } else {
          decodeAcRefine(row, base + bx * bs, masks, mbase + bx, slot, read, act, ssel, se, al);
        }
        checkData();
      }
    }
  }

  private void decodeBlock(
      short[] blk,
      int off,
      long[] masks,
      int mi,
      int c,
      HuffmanTable dct,
      HuffmanTable act,
      int ssel,
      int se,
      int ah,
      int al) {
    if (!f.progressive) {
      decodeBaseline(blk, off, dct, act, c, NATURAL, false);
    } else if (ssel == 0) {
      if (ah == 0) {
        decodeDcFirst(blk, off, dct, c, al);
      } else if (receive(1) != 0) {
        blk[off] |= (short) (1 << al);
      }
    } else if (ah == 0) {
      decodeAcFirst(blk, off, masks, mi, slotOf[c], act, ssel, se, al);
    } else {
      decodeAcRefine(blk, off, masks, mi, slotOf[c], READ[ss[c]], act, ssel, se, al);
    }
  }

  private void outputBuffered() {
    allocateOutput(false);
    prepareIdct();
    short[] zero = scratch.zeroBlock;
    short[] blk = scratch.block;
    Arrays.fill(blk, (short) 0); // a decode that failed mid-block may have left coefficients
    int[] ws = scratch.ws;
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int c = 0; c < nc && rowNeeded(m); c++) {
        int hc = f.h[c];
        int vc = f.v[c];
        int s = ss[c];
        int bs = blockSize[c];
        // The 8×8 IDCT reads a block where it is (natural order), the 1×1 its DC (slot 0); for the
        // others the DC and the nonzero kept coefficients go to their natural places in the
        // scratch block, which the IDCT clears again where it reads.
        boolean spread = compact() && s != 8 && s != 1;
        int[] slot = slotOf[c];
        long read = READ[s] & ~1L;
        for (int by = 0; by < vc; by++) {
          int r = m * vc + by;
          short[] row = coefRow[c][r];
          int base = row == null ? 0 : coefOff[c][r];
          long[] masks = maskRow[c][r];
          int mbase = row == null ? 0 : maskOff[c][r];
          int o = ((r * s) % ringRows[c]) * planeStride[c];
          for (int bx = mcuLo * hc; bx < (mcuHi + 1) * hc; bx++) {
            if (row == null) {
              idct(c, zero, 0, ws, o + bx * s);
            } else if (!spread) {
              idct(c, row, base + bx * bs, ws, o + bx * s);
            } else {
              int p = base + bx * bs;
              long nz = masks[mbase + bx] & read;
              if (nz == 0) {
                Idct.dcOnly(row[p], q[c], s, plane[c], o + bx * s, planeStride[c]);
                continue;
              }
              blk[0] = row[p];
              for (; nz != 0; nz &= nz - 1) {
                int k = Long.numberOfTrailingZeros(nz);
                blk[NATURAL[k]] = row[p + slot[k]];
              }
              idct(c, blk, 0, ws, o + bx * s);
            }
          }
        }
      }
      emitRows(m);
      if (nextRow >= y1) {
        break;
      }
    }
    scratch.keepCoefficients();
  }

  // ---------------------------------------------------------------- upsampling and output

  private void allocateOutput(boolean boundByData) {
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

  private void ensureRow(int y) {
    if (y - y0 >= outRowsCapacity) {
      int stride = (x1 - x0) * outCh;
      int rows = Math.min(y1 - y0, Math.max(y - y0 + 1, outRowsCapacity * 2));
      out = Arrays.copyOf(out, Math.multiplyExact(stride, rows));
      scratch.out = out;
      outRowsCapacity = rows;
    }
  }

  /** Emits every window row whose samples (and upsampling context) MCU row {@code m} completed. */
  private void emitRows(int m) {
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

  private void emitRow(int y) {
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
  private void h2v2(byte[] pl, int pn, int pf, int cw, byte[] d, int oc, int step) {
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
  private void h2v1(byte[] pl, int p, int cw, byte[] d, int oc, int step) {
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

  // ---------------------------------------------------------------- arithmetic coding

  /**
   * Decodes one arithmetic-coded scan whose SOS length field is at {@code header}: streamed to the
   * output when sequential and interleaved (returning false: nothing more to read), into the
   * coefficients otherwise (returning true). The Huffman paths' loops, with {@link
   * ArithmeticDecoder} in place of the Huffman decoding.
   */
  private boolean arithmeticScan(
      int header, int ns, int[] comps, boolean buffered, int ssel, int se, int ah, int al) {
    for (int i = 0; i < ns; i++) {
      for (int j = 0; j < i; j++) {
        if (comps[i] == comps[j]) {
          throw JpegFrame.corrupt("a scan names a component twice");
        }
      }
    }
    if (arith == null) {
      arith = new ArithmeticDecoder(f);
    }
    arith.startScan(header, pos, ns, ssel, se, ah, al);
    if (!buffered) {
      streamArithmetic(comps);
      return false;
    }
    int left = f.restartInterval;
    if (ns == 1) {
      int c = comps[0];
      // A non-interleaved scan covers the component's own blocks, not the MCU-padded ones.
      int bw = ceilDiv(ceilDiv(f.width * f.h[c], f.hmax), 8);
      int bh = ceilDiv(ceilDiv(f.height * f.v[c], f.vmax), 8);
      for (int by = 0; by < bh; by++) {
        budget.checkDeadline();
        short[] row = coefRow(c, by);
        int base = coefOff[c][by];
        for (int bx = 0; bx < bw; bx++) {
          left = beforeMcu(left);
          arithmeticBlock(row, base + bx * 64, 0, ssel, ah);
        }
      }
      return true;
    }
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int mx = 0; mx < mcusX; mx++) {
        left = beforeMcu(left);
        for (int i = 0; i < ns; i++) {
          int c = comps[i];
          for (int by = 0; by < f.v[c]; by++) {
            int r = m * f.v[c] + by;
            short[] row = coefRow(c, r);
            int base = coefOff[c][r];
            for (int bx = 0; bx < f.h[c]; bx++) {
              arithmeticBlock(row, base + (mx * f.h[c] + bx) * 64, i, ssel, ah);
            }
          }
        }
      }
    }
    return true;
  }

  private void arithmeticBlock(short[] blk, int off, int i, int ssel, int ah) {
    if (!f.progressive) {
      arith.decodeSequential(blk, off, i, NATURAL);
    } else if (ssel == 0) {
      if (ah == 0) {
        arith.decodeDcFirst(blk, off, i);
      } else {
        arith.decodeDcRefine(blk, off);
      }
    } else if (ah == 0) {
      arith.decodeAcFirst(blk, off);
    } else {
      arith.decodeAcRefine(blk, off);
    }
  }

  /** {@link #streamBaseline} for an arithmetic-coded sequential scan of every component. */
  private void streamArithmetic(int[] comps) {
    prepareIdct();
    short[] blk = scratch.block;
    Arrays.fill(blk, (short) 0);
    int[] ws = scratch.ws;
    int left = f.restartInterval;
    for (int m = 0; m < mcusY; m++) {
      budget.checkDeadline();
      for (int mx = 0; mx < mcusX; mx++) {
        left = beforeMcu(left);
        boolean keep = mx >= mcuLo && mx <= mcuHi && rowNeeded(m);
        for (int i = 0; i < nc; i++) {
          int c = comps[i];
          int hc = f.h[c];
          int vc = f.v[c];
          int s = ss[c];
          int[] nat = keep ? NATURAL_FOR[s] : SKIP;
          for (int by = 0; by < vc; by++) {
            int o = keep ? ((m * vc + by) * s) % ringRows[c] * planeStride[c] + mx * hc * s : 0;
            for (int bx = 0; bx < hc; bx++, o += s) {
              arith.decodeSequential(blk, 0, i, nat);
              if (keep) {
                idct(c, blk, 0, ws, o);
              }
            }
          }
        }
      }
      emitRows(m);
      if (nextRow >= y1) {
        return;
      }
    }
  }

  // ---------------------------------------------------------------- per-thread scratch

  private static final class Scratch {
    final short[] block = new short[SPARE + 1];
    final short[] zeroBlock = new short[64];
    final int[] ws = new int[64];
    final byte[][] planes = new byte[4][];
    byte[] out = new byte[0];
    java.lang.ref.SoftReference<short[]> coef = new java.lang.ref.SoftReference<>(new short[0]);
    short[] coefInUse;
    long coefWanted;
    java.lang.ref.SoftReference<long[]> masks = new java.lang.ref.SoftReference<>(new long[0]);
    long[] masksInUse;
    long masksWanted;

    /** The pooled coefficient buffer, pinned for the current decode. */
    short[] coef() {
      if (coefInUse == null) {
        short[] c = coef.get();
        coefInUse = c == null ? new short[0] : c;
      }
      return coefInUse;
    }

    /** The pooled nonzero-mask buffer, pinned for the current decode. */
    long[] masks() {
      if (masksInUse == null) {
        long[] m = masks.get();
        masksInUse = m == null ? new long[0] : m;
      }
      return masksInUse;
    }

    byte[] plane(int c, int n) {
      if (planes[c] == null || planes[c].length < n) {
        planes[c] = new byte[n];
      }
      return planes[c];
    }

    byte[] out(long n) {
      if (n > Integer.MAX_VALUE - 8) {
        throw new UnsupportedImageException(
            "The image/jpeg window is too large to decode in one piece.");
      }
      if (out.length < n) {
        out = new byte[(int) n];
      }
      return out;
    }

    /**
     * After a successful progressive decode: keep a coefficient buffer its size for the next one.
     */
    void keepCoefficients() {
      if (coefWanted + 4 * masksWanted > COEF_RETAIN) {
        return;
      }
      if (coef().length < coefWanted) {
        coef = new java.lang.ref.SoftReference<>(new short[(int) coefWanted]);
      }
      if (masks().length < masksWanted) {
        masks = new java.lang.ref.SoftReference<>(new long[(int) masksWanted]);
      }
    }

    void release() {
      if (out.length > OUT_RETAIN) {
        out = new byte[0];
      }
      coefInUse = null;
      masksInUse = null;
      for (int c = 0; c < planes.length; c++) {
        if (planes[c] != null && planes[c].length > (4 << 20)) {
          planes[c] = null;
        }
      }
    }
  }
}
