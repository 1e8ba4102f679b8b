package io.renderlab.storage;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * A large "image" made on the fly: the PNG signature, then seeded pseudo-random bytes. Streams in
 * 64 KiB blocks, so a test can serve and check hundreds of MiB without holding them.
 */
public final class GeneratedImage {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final int BLOCK = 64 * 1024;

  private final long size;
  private final long seed;

  public GeneratedImage(long size, long seed) {
    this.size = size;
    this.seed = seed;
  }

  public long size() {
    return size;
  }

  /** Block {@code index} of the body. */
  private void fill(long index, byte[] block) {
    long x = seed * 0x9E3779B97F4A7C15L + index + 1;
    for (int i = 0; i < block.length; i += 8) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      for (int j = 0; j < 8 && i + j < block.length; j++) {
        block[i + j] = (byte) (x >>> (8 * j));
      }
    }
    if (index == 0) {
      System.arraycopy(PNG_SIGNATURE, 0, block, 0, PNG_SIGNATURE.length);
    }
  }

  /** The body as a stream. */
  public InputStream stream() {
    return new InputStream() {
      final byte[] block = new byte[BLOCK];
      long position;
      int available;
      int offset;

      private boolean refill() {
        if (position >= size) {
          return false;
        }
        fill(position / BLOCK, block);
        available = (int) Math.min(BLOCK, size - position);
        offset = 0;
        position += available;
        return true;
      }

      @Override
      public int read() {
        if (offset >= available && !refill()) {
          return -1;
        }
        return block[offset++] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        if (offset >= available && !refill()) {
          return -1;
        }
        int n = Math.min(len, available - offset);
        System.arraycopy(block, offset, b, off, n);
        offset += n;
        return n;
      }
    };
  }

  /** The body for mockwebserver, with its length announced. */
  public MockResponseBody responseBody() {
    return new MockResponseBody() {
      @Override
      public long getContentLength() {
        return size;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        try (InputStream in = stream()) {
          byte[] buffer = new byte[BLOCK];
          for (int n; (n = in.read(buffer)) > 0; ) {
            sink.write(buffer, 0, n);
          }
        }
      }
    };
  }

  /** The SHA-256 of the body, lower-case hex. */
  public String sha256() throws IOException {
    return sha256(stream());
  }

  public static String sha256(InputStream in) throws IOException {
    try (in) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[BLOCK];
      for (int n; (n = in.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
