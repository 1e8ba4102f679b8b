package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.renderlab.core.InputRejectedException;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile input for our JPEG decoder: a seeded mutator over the test JPEGs (bit flips, byte
 * overwrites, marker bytes, truncation, spliced segments, rewritten frame sizes and table bytes)
 * for a few seconds. Every input must end in a result or a typed refusal, never another exception,
 * a hang or an out-of-memory.
 */
class JpegDecoderFuzzTest {
  private static final long BUDGET_NANOS = Duration.ofSeconds(4).toNanos();

  @Test
  void everyMutatedJpegEndsInAResultOrATypedRefusal() {
    List<byte[]> seeds = new ArrayList<>();
    for (String name : JpegDecoderTest.FILES) {
      seeds.add(JpegDecoderTest.resource(name));
    }
    // Small seeds (203×117, every sampling and coding): many mutants per second, even unjitted.
    assertMutantsEndInAResultOrATypedRefusal(seeds, 20261201L, BUDGET_NANOS);
  }

  /**
   * Mutates {@code seeds} for {@code budgetNanos} (and at least 150 mutants however busy the
   * machine is), rendering a quarter of them and decoding a random window of the rest at a random
   * scale: each must end in a result or a typed refusal, and both must occur.
   */
  static void assertMutantsEndInAResultOrATypedRefusal(
      List<byte[]> seeds, long seed, long budgetNanos) {
    Thumbnailer thumbnailer = Thumbnailer.builder().size(64, 64).maxPixels(2_000_000).build();
    Random random = new Random(seed);
    int[] counts = new int[3]; // decoded, refused, total

    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          long deadline = System.nanoTime() + budgetNanos;
          // The budget, and at least 150 mutants however busy the machine is.
          while (System.nanoTime() < deadline || counts[2] < 150) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            int scale = 1 << random.nextInt(4);
            counts[2]++;
            try {
              if (random.nextInt(4) == 0) {
                thumbnailer.render(input);
              } else {
                JpegFrame frame = JpegFrame.parse(input);
                long w = JpegDecoder.scaled(frame.width(), scale);
                long h = JpegDecoder.scaled(frame.height(), scale);
                if (frame.supported() && w * h * scale * scale <= 2_000_000) {
                  int x0 = random.nextInt((int) w);
                  int y0 = random.nextInt((int) h);
                  JpegDecoder.decode(
                      frame,
                      scale,
                      x0,
                      y0,
                      x0 + 1 + random.nextInt((int) w - x0),
                      y0 + 1 + random.nextInt((int) h - y0));
                }
              }
              counts[0]++;
            } catch (InputRejectedException expected) {
              // The decoder's last-resort catch of an index error would hide a bug: none may reach
              // it.
              assertThat(expected.getMessage()).doesNotContain("undecodable data (");
              counts[1]++;
            } catch (RuntimeException | Error e) {
              fail(
                  "input "
                      + HexFormat.of().formatHex(input, 0, Math.min(64, input.length))
                      + "… ("
                      + input.length
                      + " bytes) threw "
                      + e,
                  e);
            }
          }
        });

    assertThat(counts[0]).as("some mutants still decode").isPositive();
    assertThat(counts[1]).as("some mutants are refused").isPositive();
  }

  static byte[] mutate(byte[] seed, Random random) {
    byte[] b = seed.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int p = random.nextInt(b.length);
      switch (random.nextInt(8)) {
        case 0 -> b[p] ^= (byte) (1 << random.nextInt(8));
        case 1 -> b[p] = (byte) random.nextInt(256);
        case 2 -> b[p] = (byte) 0xff;
        case 3 -> b = Arrays.copyOf(b, Math.max(2, p));
        case 4 -> {
          // Splice a random stretch of the file over another place.
          int from = random.nextInt(b.length);
          int n = Math.min(random.nextInt(64), Math.min(b.length - from, b.length - p));
          System.arraycopy(b.clone(), from, b, p, n);
        }
        case 5 -> {
          // Rewrite the frame size.
          int sof = frameHeader(b);
          if (sof > 0 && sof + 9 < b.length) {
            int v = random.nextInt(4) == 0 ? random.nextInt(65536) : random.nextInt(3000);
            int at = sof + 5 + 2 * random.nextInt(2);
            b[at] = (byte) (v >> 8);
            b[at + 1] = (byte) v;
          }
        }
        case 6 -> {
          // Damage the headers, where tables and sampling factors live.
          int headerEnd = Math.min(b.length, 700);
          b[random.nextInt(headerEnd)] = (byte) random.nextInt(256);
        }
        default -> {
          int n = Math.min(b.length - p, 1 + random.nextInt(16));
          for (int i = 0; i < n; i++) {
            b[p + i] = (byte) random.nextInt(256);
          }
        }
      }
    }
    return b;
  }

  private static int frameHeader(byte[] b) {
    for (int i = 2; i + 1 < b.length; i++) {
      int m = b[i + 1] & 0xff;
      if ((b[i] & 0xff) == 0xff
          && (m == 0xc0 || m == 0xc1 || m == 0xc2 || m == 0xc9 || m == 0xca)) {
        return i;
      }
    }
    return -1;
  }
}
