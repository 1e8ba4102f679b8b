package io.renderlab.storage.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * What a store needs to confirm that it kept what was sent: the MD5 and CRC32 of the bytes (S3
 * reports an MD5 ETag for unencrypted single-part objects, and the CRC32 it was sent), and the ETag
 * arithmetic of multipart uploads. Not public API.
 */
public final class WriteCheck {
  private static final Pattern SINGLE_PART_ETAG = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern MULTIPART_ETAG = Pattern.compile("[0-9a-f]{32}-[0-9]{1,5}");

  private WriteCheck() {}

  /** A new MD5 digest. */
  public static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is unavailable", e);
    }
  }

  /** The MD5 of {@code length} bytes of {@code data}. */
  public static byte[] md5(byte[] data, int length) {
    MessageDigest d = md5();
    d.update(data, 0, length);
    return d.digest();
  }

  /** An ETag without its quotes, lower case. */
  public static String unquote(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
      e = e.substring(1, e.length() - 1);
    }
    return e.toLowerCase(Locale.ROOT);
  }

  /**
   * The single-part ETag's MD5 when {@code etag} has that form (32 hex digits), empty otherwise (an
   * encrypted object's ETag, a store with its own ETags).
   */
  public static Optional<String> singlePartMd5(String etag) {
    if (etag == null) {
      return Optional.empty();
    }
    String e = unquote(etag);
    return SINGLE_PART_ETAG.matcher(e).matches() ? Optional.of(e) : Optional.empty();
  }

  /** Whether {@code etag} has the multipart form {@code <32 hex>-<parts>}. */
  public static boolean isMultipartEtag(String etag) {
    return etag != null && MULTIPART_ETAG.matcher(unquote(etag)).matches();
  }

  /**
   * The ETag S3 gives a multipart object: the MD5 of the parts' binary MD5s, a dash, the part
   * count.
   */
  public static String multipartEtag(List<byte[]> partMd5s) {
    MessageDigest d = md5();
    partMd5s.forEach(d::update);
    return HexFormat.of().formatHex(d.digest()) + "-" + partMd5s.size();
  }

  /** Lower-case hex. */
  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  /** S3's {@code x-amz-checksum-crc32} form of a CRC32: the four big-endian bytes, base64. */
  public static String crc32Base64(long crc) {
    byte[] b = {(byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc};
    return Base64.getEncoder().encodeToString(b);
  }

  /** S3's {@code x-amz-checksum-sha256} form of a lower-case hex SHA-256: the 32 bytes, base64. */
  public static String sha256Base64(String hex) {
    return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
  }

  /** Computes MD5 and CRC32 of the bytes read through it. */
  public static final class Stream extends FilterInputStream {
    private final MessageDigest md5 = md5();
    private final CRC32 crc = new CRC32();

    /** Wraps {@code in}. */
    public Stream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        md5.update((byte) b);
        crc.update(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        md5.update(b, off, n);
        crc.update(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buffer = new byte[8192];
      long skipped = 0;
      while (skipped < n) {
        int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    /** The MD5 of what was read, lower-case hex. */
    public String md5Hex() {
      try {
        return hex(((MessageDigest) md5.clone()).digest());
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The CRC32 of what was read. */
    public long crc32() {
      return crc.getValue();
    }
  }
}
