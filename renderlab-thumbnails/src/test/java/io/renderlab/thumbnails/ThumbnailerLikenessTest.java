package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our thumbnails against sharp's, made once from the same small real images by {@code
 * src/test/sharp/make-references.js} and committed (CI needs no Node).
 */
class ThumbnailerLikenessTest {
  static final Thumbnailer THUMBNAILER = Thumbnailer.builder().build();

  static byte[] resource(String name) {
    try (InputStream in = ThumbnailerLikenessTest.class.getResourceAsStream("images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test image " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** PSNR over premultiplied RGB and alpha, so colour under full transparency does not count. */
  static double psnr(BufferedImage a, BufferedImage b) {
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
          double d = ((p >> shift) & 0xff) * pa - ((q >> shift) & 0xff) * qa;
          se += d * d;
        }
        double d = (p >>> 24) - (q >>> 24);
        se += d * d;
        n += 4;
      }
    }
    double mse = se / n;
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "square.png",
        "wide.png",
        "alpha.png",
        "photo.jpg",
        "portrait.jpg",
        "exif6.jpg",
        "large.webp",
        "progressive.jpg",
        "odd-size.jpg", // 1803×1359: decoded at 1/2, where libvips rounds the size down
        "deep.png",
        "lossless.webp",
        "animated.webp"
      })
  void looksLikeSharpsThumbnailOfTheSameImage(String name) {
    Thumbnail ours = THUMBNAILER.render(resource(name));
    BufferedImage reference =
        TestImages.decode(resource(name.replaceFirst("\\.[a-z]+$", "") + ".sharp.webp"));

    assertThat(ours.width()).isEqualTo(400);
    assertThat(ours.height()).isEqualTo(400);
    assertThat(Arrays.copyOfRange(ours.webp(), 8, 12)).containsExactly('W', 'E', 'B', 'P');
    // Both are lossy WebP q75 of nearly the same pixels; 35 dB is the aim (30 its floor).
    // JPEGs decode bit for bit as sharp's libjpeg-turbo does, at its shrink-on-load scale:
    // 42.9-43.5 dB.
    double floor = name.endsWith(".jpg") ? 42.0 : 35.0;
    assertThat(psnr(TestImages.decode(ours.webp()), reference))
        .as("PSNR of %s against sharp", name)
        .isGreaterThanOrEqualTo(floor);
  }

  @ParameterizedTest
  @ValueSource(strings = {"square.png", "photo.jpg", "portrait.jpg", "exif6.jpg", "large.webp"})
  void theMarkedCornerEndsTopLeftAfterOrientationAndCentreCrop(String name) {
    BufferedImage out = TestImages.decode(THUMBNAILER.render(resource(name)).webp());

    // Every input has a red square at the top-left of the centre square a cover crop keeps.
    ThumbnailerTest.assertNear(ThumbnailerTest.at(out, 20, 20), new java.awt.Color(230, 20, 20));
    assertThat(
            ThumbnailerTest.at(out, 379, 379).getRed() < 200
                || ThumbnailerTest.at(out, 379, 379).getGreen() > 60)
        .isTrue();
    assertThat(ThumbnailerTest.at(out, 379, 20)).isNotEqualTo(ThumbnailerTest.at(out, 20, 20));
  }

  @Test
  void convertsCmykJpegsToRgbCloseToSharp() {
    // sharp converts CMYK through its built-in ICC profile, which desaturates; we use the plain
    // (Adobe-inverted) formula, so the picture is the same but colours are only near (19.6 dB
    // measured; an inverted or misplaced image scores under 10).
    Thumbnail ours = THUMBNAILER.render(resource("cmyk.jpg"));
    BufferedImage reference = TestImages.decode(resource("cmyk.sharp.webp"));

    assertThat(psnr(TestImages.decode(ours.webp()), reference)).isGreaterThanOrEqualTo(CMYK_FLOOR);
  }

  static final double CMYK_FLOOR = 18.0;

  @Test
  void keepsTheStickersTransparentSurroundings() {
    BufferedImage out = TestImages.decode(THUMBNAILER.render(resource("alpha.png")).webp());

    assertThat(out.getColorModel().hasAlpha()).isTrue();
    assertThat(ThumbnailerTest.at(out, 2, 2).getAlpha()).isLessThan(8);
    assertThat(ThumbnailerTest.at(out, 397, 397).getAlpha()).isLessThan(8);
    assertThat(ThumbnailerTest.at(out, 200, 200).getAlpha()).isGreaterThan(247);
  }
}
