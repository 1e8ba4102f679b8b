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
    return t;
  }
}
