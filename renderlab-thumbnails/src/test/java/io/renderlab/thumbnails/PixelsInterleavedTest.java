package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 8-bit sRGB byte rasters, and 1-bit (bilevel) ones, come out sample for sample as the general
 * (Java2D) route gives them.
 */
class PixelsInterleavedTest {
  @Test
  void byteRastersOfEveryLayoutMatchTheGeneralRoute() {
    Random random = new Random(5);
    for (int type :
        new int[] {
          BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB
        }) {
      BufferedImage image = new BufferedImage(37, 23, type);
      for (int y = 0; y < 23; y++) {
        for (int x = 0; x < 37; x++) {
          image.setRGB(x, y, random.nextInt());
        }
      }
      Interleaved fast = Pixels.interleaved(image);
      if (type == BufferedImage.TYPE_INT_RGB) {
        assertThat(fast).as("not a byte raster").isNull();
        continue;
      }
      Pixels.Argb argb = Pixels.of(image);
      Interleaved general = Interleaved.ofArgb(argb.pixels(), 37, 23, argb.alpha());
      assertThat(fast).isNotNull();
      assertThat(fast.channels()).isEqualTo(general.channels());
      assertThat(fast.data()).isEqualTo(general.data());
    }
    BufferedImage premultiplied = new BufferedImage(4, 4, BufferedImage.TYPE_4BYTE_ABGR_PRE);
    assertThat(Pixels.interleaved(premultiplied)).isNull();
  }

  @Test
  void bilevelRastersMatchTheGeneralRouteAtEveryWidth() {
    Random random = new Random(7);
    java.awt.image.IndexColorModel twoColours =
        new java.awt.image.IndexColorModel(
            1, 2, new byte[] {(byte) 200, 10}, new byte[] {30, (byte) 220}, new byte[] {90, 40});
    for (int w : new int[] {1, 7, 8, 13, 64, 101}) {
      BufferedImage image = new BufferedImage(w, 5, BufferedImage.TYPE_BYTE_BINARY, twoColours);
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < w; x++) {
          image.getRaster().setSample(x, y, 0, random.nextInt(2));
        }
      }
      Interleaved fast = Pixels.bilevel(image);
      Pixels.Argb argb = Pixels.of(image);
      Interleaved general = Interleaved.ofArgb(argb.pixels(), w, 5, false);
      assertThat(fast).as("width %d", w).isNotNull();
      assertThat(fast.data()).as("width %d", w).isEqualTo(general.data());
    }
    assertThat(Pixels.bilevel(new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR))).isNull();
  }
}
