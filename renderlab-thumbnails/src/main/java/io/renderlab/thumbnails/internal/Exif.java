package io.renderlab.thumbnails.internal;

/** Reads the EXIF orientation (1-8) from a JPEG's APP1 segment. Not public API. */
public final class Exif {
  private Exif() {}

  /** The orientation, 1 when absent or unreadable. */
  public static int jpegOrientation(byte[] jpeg) {
    int pos = 2;
    while (pos + 4 <= jpeg.length) {
      if ((jpeg[pos] & 0xff) != 0xff) {
        return 1;
      }
      int marker = jpeg[pos + 1] & 0xff;
      if (marker == 0xda || marker == 0xd9) {
        return 1; // start of scan: no EXIF before the image data
      }
      int length = ((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff);
      if (length < 2) {
        return 1;
      }
      if (marker == 0xe1
          && pos + 10 <= jpeg.length
          && jpeg[pos + 4] == 'E'
          && jpeg[pos + 5] == 'x'
          && jpeg[pos + 6] == 'i'
          && jpeg[pos + 7] == 'f') {
        return tiffOrientation(jpeg, pos + 10, Math.min(jpeg.length, pos + 2 + length));
      }
      pos += 2 + length;
    }
    return 1;
  }

  private static int tiffOrientation(byte[] b, int tiff, int end) {
    if (tiff + 8 > end) {
      return 1;
    }
    boolean little = b[tiff] == 'I';
    int ifd = tiff + (int) u32(b, tiff + 4, little);
    if (ifd + 2 > end || ifd < tiff) {
      return 1;
    }
    int entries = u16(b, ifd, little);
    for (int i = 0; i < entries; i++) {
      int e = ifd + 2 + i * 12;
      if (e + 12 > end) {
        return 1;
      }
      if (u16(b, e, little) == 0x0112) {
        int value = u16(b, e + 8, little);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int p, boolean little) {
    return little
        ? (b[p] & 0xff) | ((b[p + 1] & 0xff) << 8)
        : ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }

  private static long u32(byte[] b, int p, boolean little) {
    return little
        ? (b[p] & 0xffL)
            | ((b[p + 1] & 0xffL) << 8)
            | ((b[p + 2] & 0xffL) << 16)
            | ((b[p + 3] & 0xffL) << 24)
        : ((b[p] & 0xffL) << 24)
            | ((b[p + 1] & 0xffL) << 16)
            | ((b[p + 2] & 0xffL) << 8)
            | (b[p + 3] & 0xffL);
  }
}
