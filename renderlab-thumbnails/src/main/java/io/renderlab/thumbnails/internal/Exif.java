package io.renderlab.thumbnails.internal;

import io.renderlab.core.MediaType;

/**
 * Reads the orientation (1-8) from every place an image carries it, as libvips does for sharp's
 * {@code .rotate()}: a JPEG's APP1 EXIF segment, a WebP's {@code EXIF} chunk, a PNG's {@code eXIf}
 * chunk, a TIFF's own Orientation tag (274) in its first directory. Every one is a TIFF structure
 * read by the same parser. Not public API.
 */
public final class Exif {
  private static final byte[] EXIF_PREFIX = {'E', 'x', 'i', 'f', 0, 0};

  private Exif() {}

  /** The orientation of an image of {@code type}, 1 when absent, unreadable or not carried. */
  public static int orientation(byte[] image, MediaType type) {
    return switch (type) {
      case JPEG -> jpegOrientation(image);
      case PNG -> pngOrientation(image);
      case WEBP -> webpOrientation(image);
      case TIFF -> tiffOrientation(image, 0, image.length);
      default -> 1;
    };
  }

  /** A PNG's {@code eXIf} chunk (anywhere before IEND, as libpng reads it); 1 without one. */
  static int pngOrientation(byte[] png) {
    int pos = 8;
    while (pos + 12 <= png.length) {
      long length = u32(png, pos, false);
      int data = pos + 8;
      if (length > png.length - data) {
        return 1;
      }
      if (png[pos + 4] == 'e'
          && png[pos + 5] == 'X'
          && png[pos + 6] == 'I'
          && png[pos + 7] == 'f') {
        return exifOrientation(png, data, data + (int) length);
      }
      if (png[pos + 4] == 'I'
          && png[pos + 5] == 'E'
          && png[pos + 6] == 'N'
          && png[pos + 7] == 'D') {
        return 1;
      }
      pos = data + (int) length + 4;
    }
    return 1;
  }

  /** A WebP's {@code EXIF} chunk (extended format); 1 without one. */
  static int webpOrientation(byte[] webp) {
    int pos = 12;
    while (pos + 8 <= webp.length) {
      long length = u32(webp, pos + 4, true);
      int data = pos + 8;
      if (length > webp.length - data) {
        return 1;
      }
      if (webp[pos] == 'E'
          && webp[pos + 1] == 'X'
          && webp[pos + 2] == 'I'
          && webp[pos + 3] == 'F') {
        return exifOrientation(webp, data, data + (int) length);
      }
      pos = data + (int) length + (int) (length & 1);
    }
    return 1;
  }

  /** EXIF data as a container chunk holds it: a TIFF structure, some writers prefix "Exif\0\0". */
  private static int exifOrientation(byte[] b, int from, int end) {
    if (end - from >= EXIF_PREFIX.length
        && java.util.Arrays.equals(b, from, from + 6, EXIF_PREFIX, 0, 6)) {
      from += 6;
    }
    return tiffOrientation(b, from, end);
  }

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

  /** The Orientation tag of the first directory of the TIFF structure at {@code tiff}. */
  private static int tiffOrientation(byte[] b, int tiff, int end) {
    if (tiff + 8 > end || (b[tiff] != 'I' && b[tiff] != 'M') || b[tiff + 1] != b[tiff]) {
      return 1;
    }
    boolean little = b[tiff] == 'I';
    if (u16(b, tiff + 2, little) != 42) {
      return 1; // BigTIFF (43) or not TIFF
    }
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
