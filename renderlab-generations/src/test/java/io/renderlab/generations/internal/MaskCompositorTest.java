package io.renderlab.generations.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class MaskCompositorTest {

  @Test
  void pixelsOutsideTheMaskStayTheOriginalsAndTheModelsOutputShowsInside() throws IOException {
    BufferedImage original = gradient(300, 200);
    BufferedImage mask = new BufferedImage(150, 100, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 25; y < 75; y++) {
      for (int x = 50; x < 100; x++) {
        mask.getRaster().setSample(x, y, 0, 255);
      }
    }
    BufferedImage output = solid(640, 480, 0x2080ff); // another size: resized to the original's

    BufferedImage result =
        ImageIO.read(
            new ByteArrayInputStream(MaskCompositor.composite(in(original), in(mask), in(output))));

    assertThat(result.getWidth()).isEqualTo(300);
    assertThat(result.getHeight()).isEqualTo(200);
    double squaredError = 0;
    int outside = 0;
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 300; x++) {
        boolean inMask = x >= 100 && x < 200 && y >= 50 && y < 150;
        if (!inMask) {
          int a = original.getRGB(x, y);
          int b = result.getRGB(x, y);
          for (int shift = 0; shift <= 16; shift += 8) {
            double d = (a >> shift & 0xff) - (b >> shift & 0xff);
            squaredError += d * d;
          }
          outside++;
        }
      }
    }
    assertThat(squaredError).as("outside the mask: the original, exactly").isZero();
    assertThat(outside).isEqualTo(300 * 200 - 100 * 100);
    assertThat(result.getRGB(150, 100) & 0xffffff)
        .as("the middle: the model's")
        .isEqualTo(0x2080ff);
    int edge = result.getRGB(100, 100) & 0xff;
    assertThat(edge)
        .as("the edge is feathered inward: between the original and the output")
        .isStrictlyBetween(original.getRGB(100, 100) & 0xff, 0xff);
  }

  @Test
  void somethingThatIsNotAnImageIsRefusedWithATypedError() {
    assertThatThrownBy(
            () ->
                MaskCompositor.composite(
                    new ByteArrayInputStream("<html>".getBytes(StandardCharsets.US_ASCII)),
                    in(solid(4, 4, 0)),
                    in(solid(4, 4, 0))))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("original image");
  }

  private static BufferedImage gradient(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | 0x30);
      }
    }
    return img;
  }

  private static BufferedImage solid(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rgb);
      }
    }
    return img;
  }

  private static ByteArrayInputStream in(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return new ByteArrayInputStream(out.toByteArray());
  }
}
