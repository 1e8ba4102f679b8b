package io.renderlab.core.internal;

import io.renderlab.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A body stream that enforces a byte cap while reading and turns I/O failures into the SDK's
 * unchecked exceptions. Keeps the sniffed prefix so the body still starts at its first byte. Not
 * public API.
 */
public final class BoundedBody extends InputStream {
  private final InputStream in;
  private final long cap;
  private final Supplier<RuntimeException> tooLarge;
  private final Function<IOException, RuntimeException> timeout;
  private final Function<IOException, RuntimeException> failure;
  private byte[] prefix = new byte[0];
  private int prefixPos;
  private long count;

  /** Wraps {@code in}. */
  public BoundedBody(
      InputStream in,
      long cap,
      Supplier<RuntimeException> tooLarge,
      Function<IOException, RuntimeException> timeout,
      Function<IOException, RuntimeException> failure) {
    this.in = in;
    this.cap = cap;
    this.tooLarge = tooLarge;
    this.timeout = timeout;
    this.failure = failure;
  }

  /** Reads the first bytes and identifies the format; they stay readable. */
  public Optional<MediaType> sniff() {
    byte[] head = new byte[MediaType.SNIFF_LENGTH];
    int n = 0;
    try {
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (InterruptedIOException e) {
      throw timeout.apply(e);
    } catch (IOException e) {
      throw failure.apply(e);
    }
    prefix = Arrays.copyOf(head, n);
    count = n;
    if (count > cap) {
      throw tooLarge.get();
    }
    return MediaType.sniff(head, n);
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (prefixPos < prefix.length) {
      int n = Math.min(len, prefix.length - prefixPos);
      System.arraycopy(prefix, prefixPos, b, off, n);
      prefixPos += n;
      return n;
    }
    int n;
    try {
      n = in.read(b, off, len);
    } catch (InterruptedIOException e) {
      throw timeout.apply(e);
    } catch (IOException e) {
      throw failure.apply(e);
    }
    if (n > 0) {
      count += n;
      if (count > cap) {
        throw tooLarge.get();
      }
    }
    return n;
  }

  /** Bytes read so far (the sniffed prefix included). */
  public long count() {
    return count;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
