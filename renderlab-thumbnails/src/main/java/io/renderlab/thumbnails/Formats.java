package io.renderlab.thumbnails;

import io.renderlab.core.UnsupportedImageException;

/**
 * What the thumbnailer reads, said once: the refusal for bytes it does not read names every format
 * it does, and says so plainly for the formats people most often ask about (AVIF, HEIC).
 */
final class Formats {
  /** The sentence every refusal of a format ends with. */
  static final String READ =
      "The formats read are PNG, JPEG, WebP, GIF, BMP and TIFF; AVIF and HEIC are not read unless"
          + " libheif's heif-dec is installed.";

  private Formats() {}

  /** The refusal for bytes that are none of the formats read, naming what they are if known. */
  static UnsupportedImageException notRead(byte[] image) {
    String brand = isoBrand(image);
    if (brand != null) {
      return new UnsupportedImageException(
          "Cannot read this "
              + brand
              + " image: AVIF and HEIC are not read without libheif's heif-dec; install it"
              + " (apt-get install libheif-examples) or convert the image to JPEG, PNG or WebP. "
              + READ);
    }
    return new UnsupportedImageException("Not an image this thumbnailer reads. " + READ);
  }

  /**
   * BigTIFF's header: the byte order, then 43 where classic TIFF has 42 (read as classic TIFF, see
   * {@code Tiffs.classicFromBigTiff}).
   */
  static boolean isBigTiff(byte[] b) {
    return b.length >= 8
        && ((b[0] == 'I' && b[1] == 'I' && b[2] == 43 && b[3] == 0)
            || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 43));
  }

  /** "AVIF" or "HEIC" when the bytes are an ISO-BMFF file of those brands, else null. */
  static String isoBrand(byte[] b) {
    if (b.length < 12 || b[4] != 'f' || b[5] != 't' || b[6] != 'y' || b[7] != 'p') {
      return null;
    }
    String major = new String(b, 8, 4, java.nio.charset.StandardCharsets.US_ASCII);
    return switch (major) {
      case "avif", "avis" -> "AVIF";
      case "heic", "heix", "hevc", "hevx", "heim", "heis" -> "HEIC";
      case "mif1", "msf1" -> "HEIF (AVIF or HEIC)";
      default -> null;
    };
  }
}
