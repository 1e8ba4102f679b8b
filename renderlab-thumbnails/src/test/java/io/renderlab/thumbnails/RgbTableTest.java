package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Large images tagged with a LUT-based RGB profile go through a 33³ table sampled from the
 * LittleCMS transform (the JDK runs such a profile's whole pipeline per pixel, ~350 ns a pixel);
 * small ones, and pixels in a cell of the table next to the gamut's edge, through the transform
 * itself. Matrix-and-curves profiles always go through the transform.
 */
class RgbTableTest {
  private static final int SIDE = 200; // 40 000 pixels: the table

  @Test
  void theTableMatchesTheExactTransformOfAnXybProfile() throws IOException {
    // jpegli's XYB profile: most random colours fall outside sRGB, so most cells of the table
    // blend clipped and unclipped corners; interpolating across them was 1.2 levels RMS off and
    // up to 31 levels, until those pixels went to the transform.
    int[][] d = tableAndExact(resource("icc/xyb.icc"));
    assertThat(rms(d)).isLessThan(0.5);
    assertThat(shareOffByMoreThan(d, 2)).isLessThan(0.01);
  }

  @Test
  void matrixProfilesAreConvertedExactlyAtEverySize() {
    byte[] linear = ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
    int[][] d = tableAndExact(linear);
    assertThat(d[0]).isEqualTo(d[1]);
    assertThat(d[0])
        .isNotEqualTo(randomPixels()); // and converted: linear values come out lighter in sRGB
  }

  /** {table-sized conversion, the same pixels in exact-sized chunks}. */
  private static int[][] tableAndExact(byte[] icc) {
    int[] px = randomPixels();
    int[] large = ColorProfiles.toSrgb(new Argb(px, SIDE, SIDE, false), icc).pixels();
    int[] exact = new int[px.length];
    for (int part = 0; part < 4; part++) { // 10 000 pixels each: below the table's threshold
      int[] chunk = Arrays.copyOfRange(px, part * 10_000, (part + 1) * 10_000);
      int[] converted = ColorProfiles.toSrgb(new Argb(chunk, 100, 100, false), icc).pixels();
      System.arraycopy(converted, 0, exact, part * 10_000, 10_000);
    }
    return new int[][] {large, exact};
  }

  private static int[] randomPixels() {
    int[] px = new int[SIDE * SIDE];
    Random random = new Random(3);
    for (int i = 0; i < px.length; i++) {
      px[i] = 0xff000000 | random.nextInt(1 << 24);
    }
    return px;
  }

  private static double rms(int[][] d) {
    long squares = 0;
    for (int i = 0; i < d[0].length; i++) {
      for (int shift = 0; shift < 24; shift += 8) {
        int e = (d[0][i] >> shift & 0xff) - (d[1][i] >> shift & 0xff);
        squares += (long) e * e;
      }
    }
    return Math.sqrt((double) squares / (d[0].length * 3L));
  }

  private static double shareOffByMoreThan(int[][] d, int levels) {
    long off = 0;
    for (int i = 0; i < d[0].length; i++) {
      for (int shift = 0; shift < 24; shift += 8) {
        off += Math.abs((d[0][i] >> shift & 0xff) - (d[1][i] >> shift & 0xff)) > levels ? 1 : 0;
      }
    }
    return (double) off / (d[0].length * 3L);
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = RgbTableTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
