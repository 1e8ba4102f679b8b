package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Colour and orientation against sharp, on public fixtures: sharp's EXIF orientation photos, P3 and
 * ProPhoto PNGs, photos tagged with Display P3, gamma-1.8 "Generic RGB"-like, Adobe RGB and
 * ProPhoto profiles (JPEG, PNG, WebP), CMYK and YCCK JPEGs without a profile, and every valid
 * PngSuite image. sharp's thumbnails were made once by {@code src/test/sharp/make-likeness.js} and
 * committed; both sides are composited over grey before comparing, so colour under fully
 * transparent pixels does not count.
 */
class ThumbnailerColourLikenessTest {
  static final Thumbnailer THUMBNAILER = Thumbnailer.builder().build();

  static List<String> index(String folder) {
    return new String(
            TestImages.resource(folder + "/INDEX"), java.nio.charset.StandardCharsets.US_ASCII)
        .lines()
        .filter(l -> !l.isBlank())
        .toList();
  }

  static Stream<String> likenessFixtures() {
    return index("likeness").stream();
  }

  static Stream<String> pngSuite() {
    return TestImages.pngSuite().stream().filter(n -> !n.startsWith("x"));
  }

  static String reference(String name) {
    return name.replaceFirst("\\.[a-z]+$", "") + ".sharp.webp";
  }

  /** PSNR of RGB after compositing both images over mid grey. */
  static double psnrOverGrey(BufferedImage a, BufferedImage b) {
    assertThat(a.getWidth()).isEqualTo(b.getWidth());
    assertThat(a.getHeight()).isEqualTo(b.getHeight());
    double se = 0;
    long n = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        double pa = (p >>> 24) / 255.0;
        double qa = (q >>> 24) / 255.0;
        for (int shift = 0; shift <= 16; shift += 8) {
          double d =
              (((p >> shift) & 0xff) * pa + 128 * (1 - pa))
                  - (((q >> shift) & 0xff) * qa + 128 * (1 - qa));
          se += d * d;
          n++;
        }
      }
    }
    double mse = se / n;
    return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  static double likeness(String folder, String name) {
    Thumbnail ours = THUMBNAILER.render(TestImages.resource(folder + "/" + name));
    BufferedImage sharp = TestImages.decode(TestImages.resource(folder + "/" + reference(name)));
    assertThat(ours.width()).isEqualTo(sharp.getWidth());
    assertThat(ours.height()).isEqualTo(sharp.getHeight());
    double psnr = psnrOverGrey(TestImages.decode(ours.webp()), sharp);
    System.out.printf(Locale.ROOT, "likeness %s/%s: %.1f dB%n", folder, name, psnr);
    return psnr;
  }

  @ParameterizedTest
  @MethodSource("likenessFixtures")
  void iccTaggedCmykYcckAndOrientedPhotosLookLikeSharps(String name) {
    assertThat(likeness("likeness", name))
        .as("PSNR of %s against sharp, over grey", name)
        .isGreaterThanOrEqualTo(30.0);
  }

  @ParameterizedTest
  @MethodSource("pngSuite")
  void everyPngSuiteImageLooksLikeSharps(String name) {
    assertThat(likeness("pngsuite", name))
        .as("PSNR of %s against sharp, over grey", name)
        .isGreaterThanOrEqualTo(30.0);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void everyExifOrientationComesOutUpright(int orientation) {
    // The eight files hold one upright picture stored eight ways: each must come out as sharp's
    // upright one, and far from what the stored pixels would give without the orientation.
    BufferedImage sharp =
        TestImages.decode(TestImages.resource("likeness/landscape-" + orientation + ".sharp.webp"));
    BufferedImage upright =
        TestImages.decode(TestImages.resource("likeness/landscape-1.sharp.webp"));
    BufferedImage ours =
        TestImages.decode(
            THUMBNAILER
                .render(TestImages.resource("likeness/landscape-" + orientation + ".jpg"))
                .webp());
    System.out.printf(
        Locale.ROOT,
        "orientation %d: %.1f dB against sharp, %.1f dB against sharp's upright, sharp's own %.1f dB%n",
        orientation,
        psnrOverGrey(ours, sharp),
        psnrOverGrey(ours, upright),
        psnrOverGrey(sharp, upright));
    assertThat(psnrOverGrey(ours, sharp))
        .as("orientation %d", orientation)
        .isGreaterThanOrEqualTo(30.0);
  }

  @Test
  void theColourProfileMattersForTheGammaOnePointEightPhoto() {
    // Taken as sRGB (profile ignored) the photo is visibly darker than sharp's; the conversion
    // brings it level.
    byte[] tagged = TestImages.resource("likeness/icc-gamma18.jpg");
    byte[] stripped = stripApp2(tagged);
    BufferedImage sharp = TestImages.decode(TestImages.resource("likeness/icc-gamma18.sharp.webp"));
    double ignored = psnrOverGrey(TestImages.decode(THUMBNAILER.render(stripped).webp()), sharp);
    double converted = psnrOverGrey(TestImages.decode(THUMBNAILER.render(tagged).webp()), sharp);
    assertThat(ignored).isLessThan(28.0);
    assertThat(converted).isGreaterThan(ignored + 5);
  }

  @Test
  void aYcckJpegWhoseExifHoldsAThumbnailIsStillReadAsYcck() {
    // An EXIF block with an embedded JPEG thumbnail holds SOS bytes before the real APP14 marker.
    byte[] ycck = TestImages.resource("likeness/ycck.jpg");
    byte[] exif = {
      (byte) 0xff,
      (byte) 0xe1,
      0,
      14,
      'E',
      'x',
      'i',
      'f',
      0,
      0,
      (byte) 0xff,
      (byte) 0xd8,
      (byte) 0xff,
      (byte) 0xda,
      0,
      2
    };
    byte[] withExif = new byte[ycck.length + exif.length];
    System.arraycopy(ycck, 0, withExif, 0, 2);
    System.arraycopy(exif, 0, withExif, 2, exif.length);
    System.arraycopy(ycck, 2, withExif, 2 + exif.length, ycck.length - 2);
    BufferedImage sharp = TestImages.decode(TestImages.resource("likeness/ycck.sharp.webp"));

    assertThat(psnrOverGrey(TestImages.decode(THUMBNAILER.render(withExif).webp()), sharp))
        .isGreaterThanOrEqualTo(30.0);
  }

  /** The JPEG without its APP2 (ICC profile) segments. */
  static byte[] stripApp2(byte[] jpeg) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    int pos = 2;
    while ((jpeg[pos] & 0xff) == 0xff && (jpeg[pos + 1] & 0xff) != 0xda) {
      int length = ((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff);
      if ((jpeg[pos + 1] & 0xff) != 0xe2) {
        out.write(jpeg, pos, 2 + length);
      }
      pos += 2 + length;
    }
    out.write(jpeg, pos, jpeg.length - pos);
    return out.toByteArray();
  }
}
