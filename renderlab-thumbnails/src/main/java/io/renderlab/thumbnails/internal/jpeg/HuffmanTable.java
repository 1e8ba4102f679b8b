package io.renderlab.thumbnails.internal.jpeg;

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
   * For AC use, indexed by the next 10 bits: when a code and its magnitude bits both fit, {@code
   * value << 16 | run << 8 | total length}, else 0: one lookup per typical coefficient.
   */
  final int[] acFast = new int[1 << AC_LOOKAHEAD];

  private HuffmanTable(int[] symbols) {
    this.symbols = symbols;
  }

  static HuffmanTable of(int[] counts, int[] symbols) {
    HuffmanTable t = new HuffmanTable(symbols);
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
    code = 0;
    k = 0;
    for (int len = 1; len <= AC_LOOKAHEAD; len++) {
      for (int i = 0; i < counts[len]; i++, k++, code++) {
        int rs = symbols[k];
        int size = rs & 15;
        if (size == 0 || len + size > AC_LOOKAHEAD) {
          continue;
        }
        int total = len + size;
        int shift = AC_LOOKAHEAD - total;
        for (int m = 0; m < (1 << size); m++) {
          int value = m < (1 << (size - 1)) ? m - (1 << size) + 1 : m;
          int entry = (value << 16) | ((rs >> 4) << 8) | total;
          int base = (((code << size) | m) << shift);
          for (int j = 0; j < (1 << shift); j++) {
            t.acFast[base | j] = entry;
          }
        }
      }
      code <<= 1;
    }
    for (int len = AC_LOOKAHEAD + 1; len <= 16; len++) {
      k += counts[len];
    }
    return t;
  }
}
