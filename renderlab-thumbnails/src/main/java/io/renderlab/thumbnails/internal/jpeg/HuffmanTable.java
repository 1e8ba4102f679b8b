package io.renderlab.thumbnails.internal.jpeg;

import java.util.Arrays;

/**
 * A canonical Huffman table as JPEG's DHT defines it, with a 9-bit lookahead for the short codes
 * (nearly all symbols in real files) and per-length limits for the rest. Not public API.
 */
final class HuffmanTable {
  static final int LOOKAHEAD = 9;

  /** Indexed by the next 9 bits: {@code length << 8 | symbol}, or 0 when the code is longer. */
  final int[] fast = new int[1 << LOOKAHEAD];

  /** Largest code of each length (-1 when none), for lengths 1..16; maxcode[17] sentinel. */
  final int[] maxcode = new int[18];

  /** symbols[code + valoffset[length]] is the symbol of a code of that length. */
  final int[] valoffset = new int[18];

  final int[] symbols;
  static final int AC_LOOKAHEAD = 10;

  /**
   * For AC use, indexed by the next {@value #AC_LOOKAHEAD} bits: when a code and its magnitude bits
   * both fit, {@code value << 16 | run << 8 | total length}, else 0: one lookup per typical
   * coefficient.
   */
  final int[] acFast;

  /**
   * {@link #acFast} for sequential blocks that are zero where not written: also the end of block as
   * a run of 63 and ZRL as a run of 15, both with the value 0, so that a whole block decodes
   * through this one table (storing a zero where the block is already zero is harmless).
   */
  final int[] acBlock;

  /**
   * For progressive AC refinement, indexed by the next {@value #AC_LOOKAHEAD} bits: when a code and
   * the bit after it both fit, {@code sign << 16 | eob << 12 | run << 8 | length}, else 0. A symbol
   * with a size brings a new coefficient whose sign is the next bit (sign +1 or -1, length counting
   * that bit; refinement reads one bit whatever the size, as libjpeg does); ZRL has sign 0; an end
   * of band (run 0..14) has {@code eob} set, sign 0 and its length without the run's extra bits.
   */
  final int[] acRefine;

  static final int DC_LOOKAHEAD = 10;

  /**
   * For DC use, indexed by the next {@value #DC_LOOKAHEAD} bits: when a code and its magnitude bits
   * both fit, {@code difference << 16 | total length}, else 0 (lengths are never 0).
   */
  final int[] dcFast;

  private HuffmanTable(int[] symbols, boolean dc) {
    this.symbols = symbols;
    // Only the class's own combined tables (a file may define many tables: keep each small).
    this.acFast = dc ? null : new int[1 << AC_LOOKAHEAD];
    this.acBlock = dc ? null : new int[1 << AC_LOOKAHEAD];
    this.acRefine = dc ? null : new int[1 << AC_LOOKAHEAD];
    this.dcFast = dc ? new int[1 << DC_LOOKAHEAD] : null;
  }

  /** A DC ({@code dc}) or AC table; only that class's combined lookups are built. */
  static HuffmanTable of(int[] counts, int[] symbols, boolean dc) {
    HuffmanTable t = new HuffmanTable(symbols, dc);
    int code = 0;
    int k = 0;
    for (int len = 1; len <= 16; len++) {
      t.valoffset[len] = k - code;
      if (counts[len] > 0) {
        code += counts[len];
        if (code > (1 << len)) {
          throw JpegFrame.corrupt("a Huffman table with too many codes");
        }
        t.maxcode[len] = code - 1;
        for (int i = 0; i < counts[len]; i++, k++) {
          if (len <= LOOKAHEAD) {
            int c = code - counts[len] + i;
            int shift = LOOKAHEAD - len;
            for (int j = 0; j < (1 << shift); j++) {
              t.fast[(c << shift) | j] = (len << 8) | symbols[k];
            }
          }
        }
      } else {
        t.maxcode[len] = -1;
      }
      code <<= 1;
    }
    t.maxcode[17] = Integer.MAX_VALUE;
    if (dc) {
      combine(counts, symbols, t.dcFast, DC_LOOKAHEAD, DC);
    } else {
      combine(counts, symbols, t.acFast, AC_LOOKAHEAD, AC);
      combine(counts, symbols, t.acBlock, AC_LOOKAHEAD, AC_BLOCK);
      refinement(counts, symbols, t.acRefine);
    }
    return t;
  }

  /** Fills {@link #acRefine}. */
  private static void refinement(int[] counts, int[] symbols, int[] table) {
    int code = 0;
    int k = 0;
    for (int len = 1; len <= AC_LOOKAHEAD; len++) {
      for (int i = 0; i < counts[len]; i++, k++, code++) {
        int rs = symbols[k];
        int run = rs >> 4;
        if ((rs & 15) != 0) {
          if (len + 1 > AC_LOOKAHEAD) {
            continue;
          }
          int shift = AC_LOOKAHEAD - len - 1;
          for (int bit = 0; bit < 2; bit++) {
            int entry = ((bit == 1 ? 1 : -1) << 16) | (run << 8) | (len + 1);
            int base = ((code << 1) | bit) << shift;
            Arrays.fill(table, base, base + (1 << shift), entry);
          }
        } else {
          int entry = (run == 15 ? 0 : 1 << 12) | (run << 8) | len;
          int shift = AC_LOOKAHEAD - len;
          Arrays.fill(table, code << shift, (code + 1) << shift, entry);
        }
      }
      code <<= 1;
    }
  }

  private static final int DC = 0;
  private static final int AC = 1;
  private static final int AC_BLOCK = 2;

  /**
   * Fills {@code table} (indexed by the next {@code lookahead} bits) with the codes whose magnitude
   * bits fit too: {@code value << 16 | run << 8 | total length}. For DC the symbol is the size, and
   * size 0 is included (value 0). AC symbols of size 0 are left out, except for {@code AC_BLOCK}:
   * ZRL as run 15 and every other (an end of block in a sequential scan) as run 63, value 0.
   */
  private static void combine(int[] counts, int[] symbols, int[] table, int lookahead, int kind) {
    boolean dc = kind == DC;
    int code = 0;
    int k = 0;
    for (int len = 1; len <= lookahead; len++) {
      for (int i = 0; i < counts[len]; i++, k++, code++) {
        int rs = symbols[k];
        int size = dc ? rs : rs & 15;
        int run = dc ? 0 : rs >> 4;
        if (size == 0 && !dc) {
          if (kind != AC_BLOCK) {
            continue;
          }
          run = run == 15 ? 15 : 63;
        }
        if (size > 16 || len + size > lookahead) {
          continue;
        }
        int total = len + size;
        int shift = lookahead - total;
        for (int m = 0; m < (1 << size); m++) {
          int value = size == 0 ? 0 : m < (1 << (size - 1)) ? m - (1 << size) + 1 : m;
          int entry = (value << 16) | (run << 8) | total;
          int base = (((code << size) | m) << shift);
          for (int j = 0; j < (1 << shift); j++) {
            table[base | j] = entry;
          }
        }
      }
      code <<= 1;
    }
  }
}
