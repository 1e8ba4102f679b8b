package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real AVIF and HEIC files, written by the host's libheif ({@code heif-enc}, from the Debian
 * package {@code libheif-examples}, which {@code .ci/run} installs) and rendered through its
 * decoder: the thumbnail matches the thumbnail of the picture they were encoded from. Skipped where
 * libheif's tools are not installed ({@link HeifRendererTest} covers our side of the binding
 * everywhere).
 */
class LibheifTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"avif", "heic"})
  void anImageLibheifEncodedRendersLikeItsSource(String format) throws Exception {
    assumeTrue(HeifRenderer.onPath("heif-enc").isPresent(), "libheif's heif-enc is not installed");
    assumeTrue(HeifRenderer.binary().isPresent(), "libheif's decoder is not installed");
    BufferedImage source = photoLike(640, 480);
    Path png = dir.resolve("source.png");
    Files.write(png, TestImages.encode(source, "png"));
    Path encoded = dir.resolve("image." + format);
    Process enc =
        new ProcessBuilder(
                format.equals("avif")
                    ? java.util.List.of(
                        "heif-enc", "-A", "-q", "90", "-o", encoded.toString(), png.toString())
                    : java.util.List.of(
                        "heif-enc", "-q", "90", "-o", encoded.toString(), png.toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("enc.log").toFile())
            .start();
    assertThat(enc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assumeTrue(enc.exitValue() == 0, "heif-enc could not encode " + format + " here");
    byte[] bytes = Files.readAllBytes(encoded);
    assertThat(new String(Arrays.copyOfRange(bytes, 4, 8), "US-ASCII")).isEqualTo("ftyp");

    Thumbnailer thumbnailer = Thumbnailer.builder().build();
    Thumbnail fromHeif = thumbnailer.render(bytes);
    Thumbnail fromPng = thumbnailer.render(TestImages.encode(source, "png"));

    assertThat(fromHeif.width()).isEqualTo(400);
    assertThat(fromHeif.height()).isEqualTo(400);
    double psnr =
        ThumbnailerLikenessTest.psnr(
            TestImages.decode(fromHeif.webp()), TestImages.decode(fromPng.webp()));
    assertThat(psnr).as(format + " against its source, dB").isGreaterThan(30);
  }

  /** Smooth gradients with a few edges: what lossy codecs keep well, unlike noise. */
  private static BufferedImage photoLike(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (int) (127 + 120 * Math.sin(x / 53.0));
        int g = (int) (127 + 120 * Math.cos(y / 41.0));
        int b = (x / 160 + y / 120) % 2 == 0 ? 60 : 190;
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return image;
  }
}
