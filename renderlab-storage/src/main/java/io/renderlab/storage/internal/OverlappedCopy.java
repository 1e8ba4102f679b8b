package io.renderlab.storage.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Copies a stream into a file with the file writes on a second thread, so that reading (the
 * network, the digest) and writing overlap. Memory is bounded: {@value #IN_FLIGHT} buffers of
 * {@value #CHUNK} bytes. A body that fits in one buffer is written on the calling thread, so small
 * objects start no thread. The helper thread never outlives the call. Not public API.
 */
public final class OverlappedCopy {
  static final int CHUNK = 256 * 1024;
  static final int IN_FLIGHT = 4;
  private static final ByteBuffer END = ByteBuffer.allocate(0);
  private static final byte[] WRITER_FAILED = new byte[0];

  private OverlappedCopy() {}

  /**
   * Copies everything {@code in} holds into {@code channel} at its position.
   *
   * @return the number of bytes copied
   * @throws IOException if writing the file fails (or reading {@code in} throws one); unchecked
   *     exceptions thrown by {@code in} propagate as they are
   */
  public static long copy(InputStream in, FileChannel channel) throws IOException {
    byte[] first = new byte[CHUNK];
    int n = in.readNBytes(first, 0, CHUNK);
    if (n < CHUNK) {
      writeFully(channel, ByteBuffer.wrap(first, 0, n));
      return n;
    }
    BlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    for (int i = 1; i < IN_FLIGHT; i++) {
      free.add(new byte[CHUNK]);
    }
    AtomicReference<IOException> writeFailure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (ByteBuffer b = full.take(); b != END; b = full.take()) {
                  writeFully(channel, b);
                  free.add(b.array());
                }
              } catch (IOException e) {
                writeFailure.set(e);
                free.add(WRITER_FAILED);
              } catch (InterruptedException e) {
                writeFailure.set(new InterruptedIOException("the file writer was interrupted"));
                free.add(WRITER_FAILED);
              } catch (RuntimeException e) {
                writeFailure.set(new IOException("writing the file failed: " + e, e));
                free.add(WRITER_FAILED);
              }
            },
            "renderlab-folder-writer");
    writer.setDaemon(true);
    writer.start();
    long total = 0;
    boolean handedOver = false;
    try {
      byte[] buffer = first;
      while (n > 0) {
        full.add(ByteBuffer.wrap(buffer, 0, n));
        total += n;
        buffer = free.take();
        if (buffer == WRITER_FAILED) {
          throw writeFailure.get();
        }
        n = in.readNBytes(buffer, 0, CHUNK);
      }
      full.add(END);
      handedOver = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while copying into a file");
    } finally {
      if (!handedOver) {
        // The queue has room for the marker: at most IN_FLIGHT buffers are ever queued.
        full.clear();
        full.add(END);
      }
      joinUninterruptibly(writer);
    }
    IOException failed = writeFailure.get();
    if (failed != null) {
      throw failed;
    }
    return total;
  }

  private static void writeFully(FileChannel channel, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
