package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.thumbnails.internal.ColorProfiles;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Large CMYK images go through a 17⁴ table sampled from the LittleCMS transform; small ones through
 * the transform itself. The table must stay within a level or so of the exact conversion.
 */
class CmykTableTest {
  @Test
  void theInterpolatedTableMatchesTheExactTransformWithinALevel() {
    int w = 200;
    int h = 200; // 40 000 pixels: the table
    byte[] inks = new byte[w * h * 4];
    new Random(3).nextBytes(inks); // random inks: every cell of the table, the worst case
    int[] table = ColorProfiles.cmykToSrgb(inks, w, h, null).pixels();

    long squares = 0;
    long samples = 0;
    long offByMoreThanTwo = 0;
    for (int part = 0; part < 4; part++) { // 10 000 pixels each: the exact transform
      byte[] chunk = Arrays.copyOfRange(inks, part * 40_000, (part + 1) * 40_000);
      int[] exact = ColorProfiles.cmykToSrgb(chunk, 100, 100, null).pixels();
      for (int i = 0; i < 10_000; i++) {
        for (int shift = 0; shift < 24; shift += 8) {
          int d = Math.abs((exact[i] >> shift & 0xff) - (table[part * 10_000 + i] >> shift & 0xff));
          squares += (long) d * d;
          samples++;
          offByMoreThanTwo += d > 2 ? 1 : 0;
        }
      }
    }
    assertThat(Math.sqrt((double) squares / samples)).isLessThan(1.0);
    assertThat((double) offByMoreThanTwo / samples).isLessThan(0.03);
  }

  @Test
  void darkSaturatedInksComeOutAsSharpRendersThemPerceptually() {
    // Inks and sharp 0.34.5's sRGB for them (libvips' default CMYK profile, perceptual intent),
    // from a CMYK photo: rich dark blues and browns outside sRGB's gamut. Rendered with the
    // relative colorimetric intent (what ColorConvertOp picks for a printer profile) their blue
    // clips to 0 and the whole image turns yellowish.
    int[][] inksAndSharp = {
      {34, 40, 151, 238, 32, 25, 23},
      {27, 27, 181, 252, 13, 5, 10},
      {46, 117, 255, 213, 58, 36, 14},
      {52, 51, 121, 240, 26, 20, 24},
      {18, 60, 229, 237, 37, 23, 13}
    };
    byte[] inks = new byte[inksAndSharp.length * 4];
    for (int i = 0; i < inksAndSharp.length; i++) {
      for (int c = 0; c < 4; c++) {
        inks[i * 4 + c] = (byte) inksAndSharp[i][c];
      }
    }
    int[] ours = ColorProfiles.cmykToSrgb(inks, inksAndSharp.length, 1, null).pixels();
    for (int i = 0; i < inksAndSharp.length; i++) {
      int[] sharp = Arrays.copyOfRange(inksAndSharp[i], 4, 7);
      int[] rgb = {ours[i] >> 16 & 0xff, ours[i] >> 8 & 0xff, ours[i] & 0xff};
      for (int c = 0; c < 3; c++) {
        assertThat(rgb[c])
            .as("ink %s: ours %s, sharp's %s", i, Arrays.toString(rgb), Arrays.toString(sharp))
            .isBetween(sharp[c] - 2, sharp[c] + 2);
      }
    }
  }
}
