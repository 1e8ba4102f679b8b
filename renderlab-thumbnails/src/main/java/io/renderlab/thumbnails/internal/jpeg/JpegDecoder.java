package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.RenderBudget;
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
 *
 * <p>This class drives the scans (markers, tables, sequential streaming, arithmetic-coded scans).
 * The rest sits in layers it extends, one responsibility each, as image-rs' jpeg-decoder keeps them
 * apart: {@link JpegBitReader} (bits, Huffman symbols, restart markers), {@link JpegEntropyDecoder}
 * (one block's coefficients), {@link JpegUpsampler} (window geometry, IDCT into the planes,
 * upsampling into output rows) and {@link JpegCoefficients} (progressive and multi-scan coefficient
 * storage); per-thread buffers are {@link JpegScratch}.
 */
public final class JpegDecoder extends JpegCoefficients {
  private JpegDecoder(JpegFrame f, int scale, int x0, int y0, int x1, int y1, RenderBudget budget) {
    super(f, scale, x0, y0, x1, y1, budget);
  }

  /** libjpeg's scaled output size: {@code ceil(size / scale)}. */
  public static int scaled(int size, int scale) {
    return (size + scale - 1) / scale;
  }

  /**
   * Decodes the window [{@code x0}, {@code x1}) × [{@code y0}, {@code y1}) of {@code frame}'s image
   * scaled by 1/{@code scale} (1, 2, 4 or 8; the scaled size is {@link #scaled}). The returned
   * pixels may share a per-thread buffer: use them before the next decode on the same thread. The
   * decode reads on through {@code frame}, whose tables the file may redefine between scans: parse
   * a new frame for each decode.
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
    // Per component, the coefficients a scan has brought to full precision (Al = 0), zigzag order.
    long[] exact = new long[nc];
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
      if (f.progressive) {
        for (int i = 0; i < ns; i++) {
          noteScan(scanComps[i], ssel, se, al);
        }
      }
      if (al == 0) {
        long bits = se == 63 ? -1L << ssel : ((1L << (se + 1)) - 1) & (-1L << ssel);
        for (int i = 0; i < ns; i++) {
          exact[scanComps[i]] |= bits;
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
    if (!f.endOfImage) {
      // The data ended between scans with no end-of-image marker: complete if every coefficient
      // reached full precision (a file that lacks only its EOI is read, as a PNG without IEND),
      // else truncated, refused as every truncated file is (README, Truncation), rather than
      // rendered as 8×8 blocks.
      for (int c = 0; c < nc; c++) {
        if (exact[c] != -1L) {
          throw JpegFrame.corrupt("the data ends before the image does (cut between its scans)");
        }
      }
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

  // ---------------------------------------------------------------- sequential, streamed

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
}
