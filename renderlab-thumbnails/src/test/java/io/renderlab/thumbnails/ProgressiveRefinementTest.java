package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.renderlab.core.InputRejectedException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Progressive files whose AC coefficients arrive over many successive-approximation scans, which
 * the decoder refines through per-block nonzero masks, keeping only the coefficients the scaled
 * IDCT reads. Made with libjpeg-turbo 3.2's {@code cjpeg -scans} (committed as {@code
 * jpeg/psa*.jpg}, the expected samples as {@code jpeg/djpeg/NAME.N.pnm} from its {@code djpeg
 * -scale 1/N -pnm}):
 *
 * <ul>
 *   <li>{@code psa420}: a 203×117 photo crop, 4:2:0, q95, restart every 3 MCUs; DC in three scans
 *       from bit 2, luma AC from bit 5, refinement bands split differently from the first scans
 *       (1–30 / 31–63, 1–40 / 41–63, 1–9 / 10–63);
 *   <li>{@code psa444}: 61×43 of random noise at q100, 4:4:4, AC from bit 4 in four refinements:
 *       blocks with more than 48 nonzero coefficients, zero runs past eight coefficients, ZRL;
 *   <li>{@code psag}: a 131×77 greyscale crop, q90, DC and AC refined over several scans.
 * </ul>
 */
class ProgressiveRefinementTest {
  /**
   * A progressive file that holds only its first scans (the committed files above cut after 1, 2, 3
   * or 5 scans, with an end-of-image marker; {@code djpeg} of libjpeg-turbo 2.1.5 for the expected
   * samples): the AC coefficients still missing are estimated from the neighbouring blocks' DC
   * values as libjpeg-turbo's block smoothing does, and with no AC at all the DC is smoothed too.
   * Without it these render as flat 8×8 tiles, 22 dB from sharp's thumbnail.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psa420s1", "psa420s2", "psa420s3", "psa420s5", "psags1", "psags3"})
  void smoothsTheBlocksOfAFileThatStopsEarlyAsLibjpegTurboDoes(String name) {
    for (int scale : new int[] {1, 2, 4, 8}) {
      JpegDecoderTest.assertSamplesAsDjpeg(name, scale);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"psa420", "psa444", "psag"})
  void decodesSuccessiveApproximationBitForBitAsLibjpegTurboAtEveryScale(String name) {
    for (int scale : new int[] {1, 2, 4, 8}) {
      JpegDecoderTest.assertSamplesAsDjpeg(name, scale);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"psa420", "psa444", "psag", "psa420s1", "psa420s3", "psags1"})
  void decodesWindowsIdenticalToTheSameRegionOfTheWholeImage(String name) {
    byte[] jpeg = JpegDecoderTest.resource(name + ".jpg");
    Random random = new Random(name.hashCode());
    for (int scale : new int[] {1, 2, 4, 8}) {
      Interleaved whole = JpegDecoderTest.decode(jpeg, scale).pixels();
      byte[] all = Arrays.copyOf(whole.data(), whole.width() * whole.height() * 3);
      for (int i = 0; i < 4; i++) {
        int x0 = random.nextInt(whole.width());
        int y0 = random.nextInt(whole.height());
        int x1 = x0 + 1 + random.nextInt(whole.width() - x0);
        int y1 = y0 + 1 + random.nextInt(whole.height() - y0);

        // A frame per decode: the cut files redefine their tables before the scan they end at.
        Interleaved window =
            JpegDecoder.decode(JpegFrame.parse(jpeg), scale, x0, y0, x1, y1).pixels();

        for (int y = y0; y < y1; y++) {
          byte[] expected =
              Arrays.copyOfRange(all, (y * whole.width() + x0) * 3, (y * whole.width() + x1) * 3);
          byte[] actual =
              Arrays.copyOfRange(
                  window.data(), (y - y0) * (x1 - x0) * 3, (y - y0 + 1) * (x1 - x0) * 3);
          assertThat(actual)
              .as("%s at 1/%d, row %d of a window", name, scale, y)
              .isEqualTo(expected);
        }
      }
    }
  }

  /**
   * Damage in the scan data reaches the refinement paths (runs past the band, corrections on
   * corrupt values, end-of-band runs across blocks): every mutant must decode or be refused with a
   * typed exception, at every scale, never loop or index out of bounds.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psa420", "psa444", "psag"})
  void damagedScanDataEndsInAResultOrATypedRefusal(String name) {
    byte[] seed = JpegDecoderTest.resource(name + ".jpg");
    int sos = 2;
    while ((seed[sos] & 0xff) != 0xff || (seed[sos + 1] & 0xff) != 0xda) {
      sos++; // the first scan's header
    }
    int scanStart = sos;
    Random random = new Random(20261202L ^ name.hashCode());
    int[] counts = new int[2]; // decoded, refused
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (int n = 0; n < 300; n++) {
            byte[] input = seed.clone();
            for (int e = 1 + random.nextInt(6); e > 0; e--) {
              int p = scanStart + random.nextInt(input.length - scanStart - 2);
              input[p] =
                  random.nextBoolean()
                      ? (byte) (input[p] ^ (1 << random.nextInt(8)))
                      : (byte) random.nextInt(256);
            }
            for (int scale : new int[] {1, 2, 4, 8}) {
              try {
                JpegDecoderTest.decode(input, scale);
                counts[0]++;
              } catch (InputRejectedException expected) {
                assertThat(expected.getMessage()).doesNotContain("undecodable data (");
                counts[1]++;
              } catch (RuntimeException | Error e) {
                fail("mutant " + n + " of " + name + " at 1/" + scale + " threw " + e, e);
              }
            }
          }
        });
    assertThat(counts[0]).as("some mutants still decode").isPositive();
    assertThat(counts[1]).as("some mutants are refused").isPositive();
  }
}
