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
 * overwrites, marker bytes, truncation, spliced segments, rewritten frame sizes and table bytes) a
 * fixed number of them, the same on every machine. Every input must end in a result or a typed
 * refusal, never another exception, a hang or an out-of-memory.
 */
class JpegDecoderFuzzTest {
  /**
   * Mutants per run: fixed (with the seed), so every machine runs the same cases; about the 4 s the
   * time-budgeted run took on a busy 2-core build machine.
   */
  static final int MUTANTS = 3500;

  @Test
  void everyMutatedJpegEndsInAResultOrATypedRefusal() {
    List<byte[]> seeds = new ArrayList<>();
    for (String name : JpegDecoderTest.FILES) {
      seeds.add(JpegDecoderTest.resource(name));
    }
    // Small seeds (203×117, every sampling and coding): many mutants per second, even unjitted.
    assertMutantsEndInAResultOrATypedRefusal(seeds, 20261201L, MUTANTS);
  }

  /**
   * Makes {@code mutants} mutants of {@code seeds} (the same ones for the same {@code seed}),
   * rendering a quarter of them and decoding a random window of the rest at a random scale: each
   * must end in a result or a typed refusal, and both must occur.
   */
  static void assertMutantsEndInAResultOrATypedRefusal(List<byte[]> seeds, long seed, int mutants) {
    Thumbnailer thumbnailer = Thumbnailer.builder().size(64, 64).maxPixels(2_000_000).build();
    Random random = new Random(seed);
    int[] counts = new int[3]; // decoded, refused, total

    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          while (counts[2] < mutants) {
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

  /** Mutants of the scan and frame-size fuzz below: fixed, so every build runs the same ones. */
  static final int SCAN_MUTANTS = 300;

  /**
   * The budgets under fuzzing: the test JPEGs (Huffman and arithmetic, sequential and progressive)
   * with scans repeated up to 400 times, empty scans added, frames claiming up to 16383², padding
   * to get past the data-against-claim checks, plus the byte mutations above. With a 32 MiB budget
   * and a 2 s deadline, each of a fixed number of mutants ends in a thumbnail or a typed refusal
   * within 4 s, and the memory and work budgets both refuse some.
   */
  @Test
  void scanAndSizeMutantsEndInAResultOrABudgetRefusal() {
    List<byte[]> seeds = new ArrayList<>();
    for (String name : JpegDecoderTest.FILES) {
      seeds.add(JpegDecoderTest.resource(name));
    }
    for (String name : List.of("a420.jpg", "ap420.jpg", "apg.jpg", "ag.jpg", "apr420.jpg")) {
      seeds.add(TestImages.resource("jpeg/arithmetic/" + name));
    }
    Thumbnailer thumbnailer =
        Thumbnailer.builder()
            .size(64, 64)
            .maxDecodeMemory(32L << 20)
            .renderDeadline(Duration.ofSeconds(2))
            .build();
    Random random = new Random(20261207L);
    int[] outcomes = new int[4]; // rendered, too large, too complex, other refusal
    assertTimeoutPreemptively(
        Duration.ofMinutes(3),
        () -> {
          for (int i = 0; i < SCAN_MUTANTS; i++) {
            byte[] input = mutateScans(seeds.get(random.nextInt(seeds.size())), random);
            long start = System.nanoTime();
            try {
              thumbnailer.render(input);
              outcomes[0]++;
            } catch (ImageTooLargeException e) {
              // Over the memory budget, or (a byte mutation's size) over the pixel limit.
              if (e.memoryNeeded().isPresent()) {
                assertThat(e.memoryNeeded().getAsLong()).isGreaterThan(32L << 20);
                outcomes[1]++;
              } else {
                assertThat(e.pixels()).isGreaterThan(e.limit());
                outcomes[3]++;
              }
            } catch (ImageTooComplexException e) {
              outcomes[2]++;
            } catch (InputRejectedException e) {
              assertThat(e.getMessage()).doesNotContain("undecodable data (");
              outcomes[3]++;
            } catch (RuntimeException | Error e) {
              fail("mutant " + i + " (" + input.length + " bytes) threw " + e, e);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("mutant %d", i)
                .isLessThan(Duration.ofSeconds(4));
          }
        });
    assertThat(outcomes[0]).as("rendered").isPositive();
    assertThat(outcomes[1]).as("refused by the memory budget").isPositive();
    assertThat(outcomes[2]).as("refused by the work budget").isPositive();
  }

  /** Scan-level mutations: repeated and empty scans, frame sizes, padding, then byte mutations. */
  static byte[] mutateScans(byte[] seed, Random random) {
    List<HostileImages.Segment> segments = new ArrayList<>(HostileImages.segments(seed));
    List<HostileImages.Segment> scans = segments.stream().filter(s -> s.marker() == 0xda).toList();
    if (!scans.isEmpty() && random.nextBoolean()) {
      HostileImages.Segment scan = scans.get(random.nextInt(scans.size()));
      int copies = random.nextInt(3) == 0 ? 50 + random.nextInt(350) : 1 + random.nextInt(40);
      if (random.nextInt(3) == 0) {
        // Just its header: no entropy-coded data.
        int header = 2 + (((scan.bytes()[2] & 0xff) << 8) | (scan.bytes()[3] & 0xff));
        scan = new HostileImages.Segment(0xda, Arrays.copyOf(scan.bytes(), header));
      }
      for (int i = 0; i < copies; i++) {
        segments.add(scan);
      }
    }
    if (random.nextBoolean()) {
      int w = random.nextBoolean() ? 1 + random.nextInt(16383) : 1 + random.nextInt(3000);
      int h = random.nextBoolean() ? 1 + random.nextInt(16383) : 1 + random.nextInt(3000);
      segments = HostileImages.withSize(segments, w, h);
      if (random.nextBoolean()) {
        // Enough bytes that the data-against-claim checks let the claim through.
        segments = HostileImages.padded(segments, (int) Math.min(4_000_000, (long) w * h / 3000));
      }
    }
    byte[] out = HostileImages.jpeg(segments);
    return random.nextInt(4) == 0 ? mutate(out, random) : out;
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
