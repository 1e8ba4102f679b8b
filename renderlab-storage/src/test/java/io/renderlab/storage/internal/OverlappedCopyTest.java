package io.renderlab.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlappedCopyTest {
  @TempDir Path dir;

  static byte[] bytes(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  static boolean writerAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith("renderlab-folder-") && t.isAlive());
  }

  long copy(InputStream in, Path file) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      return OverlappedCopy.copy(in, channel);
    }
  }

  @Test
  void copiesBodiesOfEverySizeAroundTheChunk() throws Exception {
    int chunk = OverlappedCopy.CHUNK;
    for (int size : new int[] {0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 11 * chunk + 12345}) {
      byte[] body = bytes(size);
      Path file = dir.resolve("f" + size);

      assertThat(copy(new ByteArrayInputStream(body), file)).isEqualTo(size);
      assertThat(Files.readAllBytes(file)).isEqualTo(body);
    }
    assertThat(writerAlive()).isFalse();
  }

  @Test
  void aSourceFailingAfterSeveralChunksPropagatesAsItselfAndStopsTheWriter() {
    InputStream failing =
        new SequenceInputStream(
            new ByteArrayInputStream(bytes(7 * OverlappedCopy.CHUNK)),
            new InputStream() {
              @Override
              public int read() {
                throw new IllegalStateException("connection reset");
              }
            });

    assertThatThrownBy(() -> copy(failing, dir.resolve("failing")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("connection reset");
    assertThat(writerAlive()).isFalse();
  }

  @Test
  void aFailingWriteIsReportedWithoutDeadlock() throws Exception {
    Path file = dir.resolve("read-only");
    Files.write(file, new byte[0]);
    try (FileChannel readOnly = FileChannel.open(file, StandardOpenOption.READ)) {
      assertThatThrownBy(
              () ->
                  OverlappedCopy.copy(
                      new ByteArrayInputStream(bytes(20 * OverlappedCopy.CHUNK)), readOnly))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> OverlappedCopy.copy(new ByteArrayInputStream(bytes(10)), readOnly))
          .isInstanceOf(RuntimeException.class);
    }
    assertThat(writerAlive()).isFalse();
  }
}
