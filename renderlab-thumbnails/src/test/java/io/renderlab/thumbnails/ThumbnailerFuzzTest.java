package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.renderlab.core.RenderLabException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A seeded mutation fuzzer over the test images (PNG, JPEG, WebP, TIFF): every mutated input must
 * end in a thumbnail or a typed {@link RenderLabException}: never another exception, an Error, or a
 * hang. A fixed number of mutants (the same cases on every machine, a few seconds) so it runs in
 * every build; set {@code -Dfuzz.mutants=N} and {@code -Dfuzz.seed=S} to run more or replay.
 */
class ThumbnailerFuzzTest {
  static final String[] SEEDS = {
    "images/alpha.png",
    "images/square.png",
    "images/deep.png",
    "pngsuite/basi0g04.png",
    "pngsuite/basn3p02.png",
    "pngsuite/tbbn0g04.png",
    "pngsuite/basi6a16.png",
    "pngsuite/s09i3p02.png",
    "likeness/prophoto-1x1.png",
    "likeness/p3-8x8.png",
    "images/photo.jpg",
    "images/progressive.jpg",
    "images/cmyk.jpg",
    "images/exif6.jpg",
    "images/lossless.webp",
    "images/animated.webp",
    "likeness/icc-p3-webp.webp",
    "likeness/cmyk-jpeg.tif",
    "likeness/rgb16-lzw-predictor-tiled.tif",
    "likeness/cielab16-predictor.tif"
  };

  @Test
  void mutatedImagesEndInAThumbnailOrATypedRefusal() throws Exception {
    long seed = Long.getLong("fuzz.seed", 20261201L);
    // A fixed number of mutants, so every machine runs the same cases (about 4 s on a busy 2-core
    // build machine); -Dfuzz.mutants=N runs more.
    int mutants = Integer.getInteger("fuzz.mutants", 1000);
    Random random = new Random(seed);
    List<byte[]> seeds = new ArrayList<>();
    for (String s : SEEDS) {
      seeds.add(TestImages.resource(s));
    }
    // A small box keeps each render cheap.
    Thumbnailer thumbnailer = Thumbnailer.builder().size(64, 64).maxPixels(40_000_000).build();
    ExecutorService worker = Executors.newSingleThreadExecutor();
    int runs = 0;
    int rendered = 0;
    try {
      while (runs < mutants) {
        int which = random.nextInt(seeds.size());
        byte[] input = mutate(seeds.get(which), random);
        int run = runs++;
        Future<Boolean> result =
            worker.submit(
                () -> {
                  try {
                    thumbnailer.render(input);
                    return true;
                  } catch (RenderLabException expected) {
                    return false;
                  }
                });
        try {
          if (result.get(20, TimeUnit.SECONDS)) {
            rendered++;
          }
        } catch (TimeoutException e) {
          result.cancel(true);
          fail("Render hung on mutation %d of %s (seed %d)", run, SEEDS[which], seed);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError(
              "Mutation "
                  + run
                  + " of "
                  + SEEDS[which]
                  + " (seed "
                  + seed
                  + ") threw "
                  + e.getCause(),
              e.getCause());
        }
      }
    } finally {
      worker.shutdownNow();
    }
    System.out.printf(
        "fuzz: %d mutated inputs, %d rendered, the rest refused with a RenderLabException%n",
        runs, rendered);
    assertThat(runs).isEqualTo(mutants);
  }

  /** Mutants of the size-claim fuzz below: fixed, so every build runs the same ones. */
  static final int CLAIM_MUTANTS = 120;

  /**
   * The memory budget under fuzzing: the hostile files' makers (animated and lossless WebP,
   * interlaced and bilevel PNG, BMP, GIF, TIFF) at random sizes up to 16383², a third of them also
   * mutated. With a 32 MiB budget, each of a fixed number of mutants ends in a thumbnail or a typed
   * refusal, never an Error, and the budget refuses some before they are decoded.
   */
  @Test
  void sizeClaimsEndInAThumbnailOrABudgetRefusal() {
    Thumbnailer thumbnailer = Thumbnailer.builder().size(64, 64).maxDecodeMemory(32L << 20).build();
    Random random = new Random(20261207L);
    int rendered = 0;
    int tooLarge = 0;
    for (int i = 0; i < CLAIM_MUTANTS; i++) {
      int w = random.nextBoolean() ? 1 + random.nextInt(16383) : 1 + random.nextInt(2000);
      int h = random.nextBoolean() ? 1 + random.nextInt(16383) : 1 + random.nextInt(2000);
      int maker = random.nextInt(7);
      byte[] input =
          switch (maker) {
            case 0 -> HostileImages.animatedWebp(w, h);
            case 1 -> HostileImages.losslessWebpClaiming(w, h);
            case 2 -> HostileImages.interlacedBilevelPng(w, Math.min(h, 4000));
            case 3 -> HostileImages.bilevelPng(w, Math.min(h, 2000));
            case 4 -> HostileImages.bmp(w, h);
            case 5 -> HostileImages.gif(w, h);
            default -> HostileImages.tiff(w, h);
          };
      if (random.nextInt(3) == 0) {
        input = mutate(input, random);
      }
      try {
        thumbnailer.render(input);
        rendered++;
      } catch (ImageTooLargeException e) {
        tooLarge++;
      } catch (RenderLabException expected) {
        // a typed refusal
      } catch (RuntimeException | Error e) {
        throw new AssertionError(
            "size-claim mutant " + i + " (maker " + maker + ", " + w + "x" + h + ") threw " + e, e);
      }
    }
    assertThat(rendered).as("rendered").isPositive();
    assertThat(tooLarge).as("refused by the memory budget").isPositive();
  }

  /**
   * One to four mutations; for PNGs the chunk CRCs are often fixed afterwards so the mutation
   * reaches the decoder.
   */
  static byte[] mutate(byte[] original, Random random) {
    byte[] b = original.clone();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(7)) {
        case 0 -> { // flip bytes
          for (int k = 0, m = 1 + random.nextInt(8); k < m; k++) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> b = java.util.Arrays.copyOf(b, Math.max(1, random.nextInt(b.length))); // truncate
        case 2 -> { // an extreme 16- or 32-bit value somewhere in the first bytes (sizes, lengths)
          int p = random.nextInt(Math.max(1, Math.min(b.length - 4, 300)));
          int[] extremes = {0, 1, 0xffff, 0x7fff, 16000, 65535, 0x7fffffff, -1};
          int v = extremes[random.nextInt(extremes.length)];
          if (random.nextBoolean() && p + 4 <= b.length) {
            ByteBuffer.wrap(b).putInt(p, v);
          } else if (p + 2 <= b.length) {
            ByteBuffer.wrap(b).putShort(p, (short) v);
          }
        }
        case 3 -> { // delete a range
          int from = random.nextInt(b.length);
          int to = Math.min(b.length, from + 1 + random.nextInt(64));
          byte[] c = new byte[b.length - (to - from)];
          System.arraycopy(b, 0, c, 0, from);
          System.arraycopy(b, to, c, from, b.length - to);
          b = c.length == 0 ? new byte[] {0} : c;
        }
        case 4 -> { // duplicate a range
          int from = random.nextInt(b.length);
          int len = Math.min(b.length - from, 1 + random.nextInt(256));
          byte[] c = new byte[b.length + len];
          System.arraycopy(b, 0, c, 0, from + len);
          System.arraycopy(b, from, c, from + len, b.length - from);
          b = c;
        }
        case 5 -> { // random bytes over a range
          int from = random.nextInt(b.length);
          for (int k = from, end = Math.min(b.length, from + 1 + random.nextInt(32));
              k < end;
              k++) {
            b[k] = (byte) random.nextInt(256);
          }
        }
        default -> { // nothing: the CRC fix below may still apply
        }
      }
    }
    if (b.length > 8 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' && random.nextInt(3) > 0) {
      fixPngCrcs(b);
    }
    return b;
  }

  static void fixPngCrcs(byte[] b) {
    int pos = 8;
    while (pos + 12 <= b.length) {
      long len = ByteBuffer.wrap(b).getInt(pos) & 0xffffffffL;
      if (len > b.length - pos - 12L) {
        return;
      }
      CRC32 crc = new CRC32();
      crc.update(b, pos + 4, (int) len + 4);
      ByteBuffer.wrap(b).putInt(pos + 8 + (int) len, (int) crc.getValue());
      pos += 12 + (int) len;
    }
  }
}
