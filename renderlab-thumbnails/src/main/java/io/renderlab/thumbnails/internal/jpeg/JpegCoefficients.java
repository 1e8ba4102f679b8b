package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.thumbnails.internal.RenderBudget;
import java.util.Arrays;

/**
 * The fourth layer of {@link JpegDecoder}: the coefficients of progressive and multi-scan files,
 * kept per block row on first touch (progressive blocks compact, with nonzero masks), decoded scan
 * by scan and put through the IDCT once the last scan is in; also the tables that say which
 * coefficients each IDCT size reads. See {@link JpegBitReader} for why the layers are a chain of
 * classes. Not public API.
 */
abstract class JpegCoefficients extends JpegUpsampler {
  /**
   * Where a block's zigzag coefficient goes for an IDCT of each output size (1, 2, 4, 8; other
   * indexes unused): its natural index when that IDCT reads it, else the unread slot {@link
   * #SPARE}. A decoded block then holds only what its IDCT reads, and the IDCT, which clears what
   * it reads, leaves it zero for the next block. {@code SKIP} sends every AC coefficient to the
   * spare slot (blocks outside the window, which are not transformed).
   */
  static final int[][] NATURAL_FOR = new int[9][];

  static final int[] SKIP = new int[128];

  /** The block slot no IDCT reads; a block is 65 shorts. */
  static final int SPARE = 64;

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
  static final int[][] SLOT_FOR = new int[9][];

  static final int[][] SLOT_NATURAL = new int[9][];

  static final long[] READ = new long[9];

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
  }

  // Coefficients, for progressive and multi-scan files: one short[] row of blocks per block row,
  // assigned on first touch.
  short[][][] coefRow;
  int[][] coefOff;
  boolean pooled;
  int poolNext;

  /**
   * Per component, the successive-approximation bit (Al) of each of the first ten zigzag
   * coefficients as the last scan that carried it left it, -1 where none did (libjpeg's {@code
   * coef_bits}, for {@link BlockSmoothing}); null until the first scan.
   */
  int[][] coefBits;

  // Progressive blocks: shorts kept per block, where (SLOT_FOR), and one nonzero mask per block,
  // assigned with the coefficients.
  final int[] blockSize = new int[4];
  final int[][] slotOf = new int[4][];
  long[][][] maskRow;
  int[][] maskOff;
  int maskNext;

  JpegCoefficients(JpegFrame f, int scale, int x0, int y0, int x1, int y1, RenderBudget budget) {
    super(f, scale, x0, y0, x1, y1, budget);
  }

  /** Progressive Huffman coefficients are kept compact (with nonzero masks); the rest whole. */
  boolean compact() {
    return f.progressive && !f.arithmetic;
  }

  /**
   * Reserves, before the first scan is read, what the decode will allocate at its scale: the output
   * window (grown by doubling, so up to twice its size), the sample rings and, for a buffered
   * (progressive, multi-scan or arithmetic-coded) file, every block's coefficients as if all were
   * touched, since a few bytes of arithmetic-coded data can reach them all. CMYK adds the inks and
   * their sRGB pixels the caller makes from the window.
   */
  void reserve(boolean buffered) {
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

  void startCoefficients() {
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
  short[] coefRow(int c, int by) {
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

  void decodeScan(
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
  void decodeDcScan(int ns, int[] comps, HuffmanTable[] dcs, int ah, int al) {
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
  void decodeAcScan(int c, HuffmanTable act, int ssel, int se, int ah, int al) {
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

  void decodeBlock(
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

  /** Notes a scan's spectral band {@code ssel..se} at bit {@code al} for {@code coefBits}. */
  void noteScan(int c, int ssel, int se, int al) {
    if (coefBits == null) {
      coefBits = new int[nc][10];
      for (int[] b : coefBits) {
        Arrays.fill(b, -1);
      }
    }
    for (int k = ssel; k <= Math.min(se, 9); k++) {
      coefBits[c][k] = al;
    }
  }

  /** The stored (quantised) DC of block {@code col} of block row {@code r}; 0 if never touched. */
  int dcOf(int c, int r, int col) {
    short[] row = coefRow[c][r];
    return row == null ? 0 : row[coefOff[c][r] + col * blockSize[c]];
  }

  void outputBuffered() {
    allocateOutput(false);
    prepareIdct();
    short[] zero = scratch.zeroBlock;
    short[] blk = scratch.block;
    Arrays.fill(blk, (short) 0); // a decode that failed mid-block may have left coefficients
    int[] ws = scratch.ws;
    BlockSmoothing[] smoothing = BlockSmoothing.of(this);
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
        long read = READ[s] & ~1L;
        for (int by = 0; by < vc; by++) {
          int r = m * vc + by;
          short[] row = coefRow[c][r];
          int base = row == null ? 0 : coefOff[c][r];
          long[] masks = maskRow[c][r];
          int mbase = row == null ? 0 : maskOff[c][r];
          int o = ((r * s) % ringRows[c]) * planeStride[c];
          for (int bx = mcuLo * hc; bx < (mcuHi + 1) * hc; bx++) {
            if (smoothing != null) {
              // The stored blocks stay as they are (neighbours read their DC): a copy, smoothed.
              if (row != null) {
                copyBlock(c, row, base + bx * bs, spread ? masks[mbase + bx] : 0, blk);
              }
              smoothing[c].estimate(blk, r, bx);
              idct(c, blk, 0, ws, o + bx * s);
              Arrays.fill(blk, (short) 0); // a scaled IDCT leaves what it does not read
            } else if (row == null) {
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
              copyBlock(c, row, p, nz, blk);
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

  /**
   * The block at {@code p} of component {@code c} into {@code blk} in natural order: whole, or
   * (compact at 1/2, 1/4, 1/8 scale) its DC and the kept coefficients {@code nonzero} marks.
   */
  private void copyBlock(int c, short[] row, int p, long nonzero, short[] blk) {
    if (!compact() || ss[c] == 8) {
      System.arraycopy(row, p, blk, 0, 64);
      return;
    }
    blk[0] = row[p];
    int[] slot = slotOf[c];
    for (long nz = nonzero & READ[ss[c]] & ~1L; nz != 0; nz &= nz - 1) {
      int k = Long.numberOfTrailingZeros(nz);
      blk[NATURAL[k]] = row[p + slot[k]];
    }
  }
}
