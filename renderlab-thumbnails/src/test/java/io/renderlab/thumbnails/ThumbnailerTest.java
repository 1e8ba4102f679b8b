package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.InputRejectedException;
import io.renderlab.core.UnsupportedImageException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThumbnailerTest {
  final Thumbnailer thumbnailer = Thumbnailer.builder().build();

  static Color at(BufferedImage img, int x, int y) {
    return new Color(img.getRGB(x, y), true);
  }

  static void assertNear(Color actual, Color expected) {
    assertThat(Math.abs(actual.getRed() - expected.getRed()))
        .as("red of %s", actual)
        .isLessThan(40);
    assertThat(Math.abs(actual.getGreen() - expected.getGreen()))
        .as("green of %s", actual)
        .isLessThan(40);
    assertThat(Math.abs(actual.getBlue() - expected.getBlue()))
        .as("blue of %s", actual)
        .isLessThan(40);
  }

  @Test
  void rendersA400SquareWebpCroppedAroundTheCentre() {
    Thumbnail thumb = thumbnailer.render(TestImages.encode(TestImages.bands(1600, 800), "png"));

    assertThat(thumb.width()).isEqualTo(400);
    assertThat(thumb.height()).isEqualTo(400);
    assertThat(Arrays.copyOfRange(thumb.webp(), 8, 12)).containsExactly('W', 'E', 'B', 'P');
    BufferedImage out = TestImages.decode(thumb.webp());
    assertThat(out.getWidth()).isEqualTo(400);
    // The cover crop keeps the middle 800×800: the green half, nothing of red or blue.
    assertNear(at(out, 5, 200), Color.GREEN);
    assertNear(at(out, 200, 200), Color.GREEN);
    assertNear(at(out, 394, 200), Color.GREEN);
  }

  @ParameterizedTest
  @CsvSource({
    "1, 0, 0", "3, 1, 1", "6, 1, 0", "8, 0, 1", "2, 1, 0", "4, 0, 1", "5, 0, 0", "7, 1, 1"
  })
  void appliesExifOrientationSoTheMarkedCornerEndsWhereItShould(
      int orientation, int right, int bottom) {
    byte[] jpeg = TestImages.jpegWithOrientation(TestImages.markedCorner(200, 200), orientation);
    Thumbnailer small = Thumbnailer.builder().size(100, 100).build();

    BufferedImage out = TestImages.decode(small.render(jpeg).webp());

    int x = right == 1 ? 90 : 10;
    int y = bottom == 1 ? 90 : 10;
    assertNear(at(out, x, y), Color.RED);
    assertNear(at(out, 100 - 1 - x, 100 - 1 - y), Color.GRAY);
  }

  @Test
  void keepsAlpha() {
    BufferedImage img = new BufferedImage(600, 600, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(0, 0, 255, 255));
    g.fillRect(300, 0, 300, 600);
    g.dispose();

    BufferedImage out = TestImages.decode(thumbnailer.render(TestImages.encode(img, "png")).webp());

    assertThat(out.getColorModel().hasAlpha()).isTrue();
    assertThat(at(out, 20, 200).getAlpha()).isLessThan(10);
    assertThat(at(out, 380, 200).getAlpha()).isGreaterThan(245);
    assertNear(at(out, 380, 200), Color.BLUE);
  }

  @Test
  void readsGreyPalettedAndSixteenBitPngsGifsAndWebps() {
    BufferedImage grey = new BufferedImage(500, 500, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = grey.createGraphics();
    g.setColor(new Color(128, 128, 128));
    g.fillRect(0, 0, 500, 500);
    g.dispose();
    BufferedImage out =
        TestImages.decode(thumbnailer.render(TestImages.encode(grey, "png")).webp());
    assertNear(at(out, 200, 200), new Color(128, 128, 128));

    BufferedImage indexed = new BufferedImage(500, 500, BufferedImage.TYPE_BYTE_INDEXED);
    Graphics2D gi = indexed.createGraphics();
    gi.setColor(Color.RED);
    gi.fillRect(0, 0, 500, 500);
    gi.dispose();
    assertNear(
        at(
            TestImages.decode(thumbnailer.render(TestImages.encode(indexed, "gif")).webp()),
            200,
            200),
        Color.RED);
    assertNear(
        at(
            TestImages.decode(thumbnailer.render(TestImages.encode(indexed, "png")).webp()),
            200,
            200),
        Color.RED);

    BufferedImage deep = new BufferedImage(500, 500, BufferedImage.TYPE_USHORT_GRAY);
    assertThat(thumbnailer.render(TestImages.encode(deep, "png")).width()).isEqualTo(400);

    byte[] webp = thumbnailer.render(TestImages.encode(TestImages.bands(1200, 1200), "png")).webp();
    assertThat(thumbnailer.render(webp).width()).isEqualTo(400);
  }

  @Test
  void containAndInsideFitInsideTheBox() {
    byte[] wide = TestImages.encode(TestImages.bands(800, 400), "png");
    Thumbnail inside = Thumbnailer.builder().fit(Fit.INSIDE).build().render(wide);
    assertThat(inside.width()).isEqualTo(400);
    assertThat(inside.height()).isEqualTo(200);

    Thumbnail contain = Thumbnailer.builder().fit(Fit.CONTAIN).build().render(wide);
    assertThat(contain.height()).isEqualTo(400);
    BufferedImage out = TestImages.decode(contain.webp());
    assertThat(at(out, 200, 10).getAlpha()).isLessThan(10);
    assertNear(at(out, 200, 200), Color.GREEN);
  }

  @Test
  void refusesADecompressionBombFromItsHeader() {
    assertThatThrownBy(() -> thumbnailer.render(TestImages.pngBomb(20_000, 20_000)))
        .isInstanceOf(ImageTooLargeException.class)
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("400000000 pixels");
  }

  @Test
  void acceptsAnImageExactlyAtThePixelLimit() {
    Thumbnailer limited = Thumbnailer.builder().maxPixels(600 * 400).build();
    assertThat(limited.render(TestImages.encode(TestImages.bands(600, 400), "png")).width())
        .isEqualTo(400);
    assertThatThrownBy(() -> limited.render(TestImages.encode(TestImages.bands(601, 400), "png")))
        .isInstanceOf(ImageTooLargeException.class);
  }

  @Test
  void refusesTruncatedAndNonImageInput() {
    byte[] jpeg = TestImages.encode(TestImages.bands(800, 800), "jpg");
    byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 3);

    assertThatThrownBy(() -> thumbnailer.render(truncated))
        .isInstanceOf(UnsupportedImageException.class);
    assertThatThrownBy(() -> thumbnailer.render("<html>hello</html>".getBytes()))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("Not an image");
    assertThatThrownBy(() -> thumbnailer.render(new byte[0]))
        .isInstanceOf(UnsupportedImageException.class);
  }

  @Test
  void refusesAJpegBombFromItsFrameHeader() {
    byte[] jpeg = TestImages.encode(TestImages.bands(64, 48), "jpg");
    byte[] bomb = TestImages.withJpegSize(jpeg, 30_000, 30_000);

    assertThatThrownBy(() -> thumbnailer.render(bomb))
        .isInstanceOf(ImageTooLargeException.class)
        .hasMessageContaining("900000000 pixels");
    assertThat(thumbnailer.render(TestImages.withJpegSize(jpeg, 64, 48)).width()).isEqualTo(400);
  }

  @Test
  void refusesAWebpBombFromItsHeader() {
    byte[] webp = thumbnailer.render(TestImages.encode(TestImages.bands(400, 400), "png")).webp();
    Thumbnailer limited = Thumbnailer.builder().maxPixels(399 * 400).build();

    assertThatThrownBy(() -> limited.render(webp)).isInstanceOf(ImageTooLargeException.class);
    assertThat(Thumbnailer.builder().maxPixels(400 * 400).build().render(webp).width())
        .isEqualTo(400);
  }

  @Test
  void refusesTruncatedPngAndWebpWithATypedError() {
    byte[] png = TestImages.encode(TestImages.bands(300, 300), "png");
    byte[] webp = thumbnailer.render(png).webp();

    assertThatThrownBy(() -> thumbnailer.render(Arrays.copyOf(png, png.length - 20)))
        .isInstanceOf(UnsupportedImageException.class);
    assertThatThrownBy(() -> thumbnailer.render(Arrays.copyOf(webp, webp.length / 2)))
        .isInstanceOf(UnsupportedImageException.class);
    assertThatThrownBy(() -> thumbnailer.render(Arrays.copyOf(png, 30)))
        .isInstanceOf(UnsupportedImageException.class);
  }

  @Test
  void rejectsNonsenseSettings() {
    assertThatThrownBy(() -> Thumbnailer.builder().size(0, 400)).hasMessageContaining("size");
    assertThatThrownBy(() -> Thumbnailer.builder().quality(101)).hasMessageContaining("quality");
    assertThatThrownBy(() -> Thumbnailer.builder().effort(7)).hasMessageContaining("effort");
    assertThat(Thumbnailer.builder().quality(100).effort(6).size(4096, 1).build()).isNotNull();
  }
}
