package io.renderlab.core;

import java.util.Optional;

/**
 * The image formats the SDK recognises, identified by their first bytes (never by a URL's file
 * extension or a server's {@code Content-Type}).
 */
public enum MediaType {
  /** Portable Network Graphics. */
  PNG("image/png", "png"),
  /** JPEG / JFIF / EXIF. */
  JPEG("image/jpeg", "jpg"),
  /** WebP (lossy, lossless, animated). */
  WEBP("image/webp", "webp"),
  /** GIF 87a / 89a. */
  GIF("image/gif", "gif"),
  /** AVIF (AV1 in HEIF). */
  AVIF("image/avif", "avif"),
  /** HEIC / HEIF. */
  HEIC("image/heic", "heic"),
  /** Windows bitmap. */
  BMP("image/bmp", "bmp"),
  /** TIFF, either byte order. */
  TIFF("image/tiff", "tiff");

  /** How many leading bytes {@link #sniff} needs at most. */
  public static final int SNIFF_LENGTH = 32;

  private final String mimeType;
  private final String extension;

  MediaType(String mimeType, String extension) {
    this.mimeType = mimeType;
    this.extension = extension;
  }

  /** The MIME type, e.g. {@code image/png}. */
  public String mimeType() {
    return mimeType;
  }

  /** The file extension without a dot, e.g. {@code png}. */
  public String extension() {
    return extension;
  }

  /**
   * Identifies an image format from its first bytes.
   *
   * @param head the first bytes of the content (at least {@value #SNIFF_LENGTH} when available)
   * @param length how many bytes of {@code head} are valid
   * @return the format, empty when the bytes are not a recognised image
   */
  public static Optional<MediaType> sniff(byte[] head, int length) {
    if (length >= 8
        && (head[0] & 0xff) == 0x89
        && head[1] == 'P'
        && head[2] == 'N'
        && head[3] == 'G'
        && head[4] == 0x0d
        && head[5] == 0x0a
        && head[6] == 0x1a
        && head[7] == 0x0a) {
      return Optional.of(PNG);
    }
    if (length >= 3
        && (head[0] & 0xff) == 0xff
        && (head[1] & 0xff) == 0xd8
        && (head[2] & 0xff) == 0xff) {
      return Optional.of(JPEG);
    }
    if (length >= 12 && ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP")) {
      return Optional.of(WEBP);
    }
    if (length >= 6 && (ascii(head, 0, "GIF87a") || ascii(head, 0, "GIF89a"))) {
      return Optional.of(GIF);
    }
    if (length >= 12 && ascii(head, 4, "ftyp")) {
      String brand = new String(head, 8, 4, java.nio.charset.StandardCharsets.US_ASCII);
      if (brand.equals("avif") || brand.equals("avis")) {
        return Optional.of(AVIF);
      }
      if (brand.equals("heic")
          || brand.equals("heix")
          || brand.equals("hevc")
          || brand.equals("heim")
          || brand.equals("heis")
          || brand.equals("mif1")
          || brand.equals("msf1")) {
        return Optional.of(HEIC);
      }
    }
    if (length >= 2 && head[0] == 'B' && head[1] == 'M' && length >= 14) {
      return Optional.of(BMP);
    }
    if (length >= 4
        && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0)
            || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42))) {
      return Optional.of(TIFF);
    }
    return Optional.empty();
  }

  private static boolean ascii(byte[] b, int offset, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[offset + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
