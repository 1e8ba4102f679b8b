package io.renderlab.thumbnails.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * IFD0 of a classic TIFF, its SHORT and LONG values: what the TIFF codecs of this package that
 * bypass ImageIO ({@link TiffWebp}, {@link TiffStrips}) read of a file, and where {@link Tiffs}
 * finds the entries it reads and rewrites. Not public API.
 */
record TiffIfd(ByteBuffer b, int at, int entries) {
  static TiffIfd of(byte[] tiff) {
    if (tiff.length < 8 || tiff[0] != tiff[1] || (tiff[0] != 'I' && tiff[0] != 'M')) {
      return null;
    }
    ByteBuffer b =
        ByteBuffer.wrap(tiff)
            .order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    if (b.getShort(2) != 42) {
      return null;
    }
    long at = b.getInt(4) & 0xffffffffL;
    if (at + 2 > tiff.length) {
      return null;
    }
    int entries = b.getShort((int) at) & 0xffff;
    if (at + 2 + 12L * entries > tiff.length) {
      return null;
    }
    return new TiffIfd(b, (int) at, entries);
  }

  boolean bigEndian() {
    return b.order() == java.nio.ByteOrder.BIG_ENDIAN;
  }

  /** Whether the directory has an entry for {@code tag}, of any type. */
  boolean has(int tag) {
    return entry(tag) >= 0;
  }

  /** Where {@code tag}'s 12-byte entry starts in the file, or -1. */
  int entry(int tag) {
    for (int i = 0; i < entries; i++) {
      int e = at + 2 + 12 * i;
      if ((b.getShort(e) & 0xffff) == tag) {
        return e;
      }
    }
    return -1;
  }

  /** The bytes of a BYTE or UNDEFINED entry (an ICC profile, say), or null. */
  byte[] bytes(int tag) {
    int e = entry(tag);
    if (e < 0) {
      return null;
    }
    int type = b.getShort(e + 2) & 0xffff;
    long count = b.getInt(e + 4) & 0xffffffffL;
    if ((type != 1 && type != 7) || count > b.capacity()) {
      return null;
    }
    long where = count <= 4 ? e + 8 : b.getInt(e + 8) & 0xffffffffL;
    if (where + count > b.capacity()) {
      return null;
    }
    byte[] out = new byte[(int) count];
    b.get((int) where, out);
    return out;
  }

  long first(int tag, long absent) {
    long[] v = values(tag);
    return v == null || v.length == 0 ? absent : v[0];
  }

  long[] values(int tag) {
    int e = entry(tag);
    if (e < 0) {
      return null;
    }
    int type = b.getShort(e + 2) & 0xffff;
    long count = b.getInt(e + 4) & 0xffffffffL;
    int size = type == 3 ? 2 : type == 4 ? 4 : 0;
    if (size == 0 || count > b.capacity() / size) {
      return null;
    }
    long where = count * size <= 4 ? e + 8 : b.getInt(e + 8) & 0xffffffffL;
    if (where + count * size > b.capacity()) {
      return null;
    }
    long[] out = new long[(int) count];
    for (int k = 0; k < count; k++) {
      int p = (int) (where + (long) k * size);
      out[k] = size == 2 ? b.getShort(p) & 0xffff : b.getInt(p) & 0xffffffffL;
    }
    return out;
  }

  /**
   * Where the first image's data lies: strips (a tile as wide as the image, {@code RowsPerStrip}
   * high) or tiles, {@code across} × {@code down} of them, with their offsets and byte counts.
   */
  record Layout(
      boolean tiled, long[] offsets, long[] counts, long tw, long th, long across, long down) {}

  /** The layout of a {@code w}×{@code h} image, or null when its tags are missing or damaged. */
  Layout layout(long w, long h) {
    boolean tiled = values(324) != null;
    long[] offsets = tiled ? values(324) : values(273);
    long[] counts = tiled ? values(325) : values(279);
    long tw = tiled ? first(322, 0) : w;
    long th = tiled ? first(323, 0) : Math.min(h, first(278, h));
    if (offsets == null
        || counts == null
        || offsets.length != counts.length
        || tw <= 0
        || th <= 0) {
      return null;
    }
    return new Layout(tiled, offsets, counts, tw, th, (w + tw - 1) / tw, (h + th - 1) / th);
  }
}
