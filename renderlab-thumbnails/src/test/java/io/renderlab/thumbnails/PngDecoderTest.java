package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.PngDecoder;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PngDecoderTest {
  /** Noise plus gradients, so ImageIO's adaptive filtering uses every PNG filter type. */
  static BufferedImage busy(int w, int h, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    Random random = new Random(42);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int a = type == BufferedImage.TYPE_INT_ARGB ? (x * 255 / w) : 255;
        int r = (x * 3 + random.nextInt(20)) & 0xff;
        int g = (y * 2 + (x & 8) * 10) & 0xff;
        int b = random.nextInt(256);
        img.setRGB(x, y, (a << 24) | (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED})
  void decodesExactlyWhatImageIoDecodes(int type) {
    byte[] png = TestImages.encode(busy(97, 61, type), "png");
    BufferedImage expected = TestImages.decode(png);

    PngDecoder.Header header = PngDecoder.header(png).orElseThrow();
    assertThat(header.supported()).isTrue();
    Interleaved ours = PngDecoder.decode(png, header);

    assertThat(ours.width()).isEqualTo(97);
    assertThat(ours.height()).isEqualTo(61);
    for (int y = 0; y < 61; y++) {
      for (int x = 0; x < 97; x++) {
        int p = (y * 97 + x) * ours.channels();
        int argb = (ours.alpha() ? (ours.data()[p + 3] & 0xff) << 24 : 0xff000000)
            | (ours.data()[p] & 0xff) << 16 | (ours.data()[p + 1] & 0xff) << 8 | (ours.data()[p + 2] & 0xff);
        // Java treats 8-bit grey as linear and brightens it in getRGB; PNG grey (and sharp) is sRGB.
        int want = type == BufferedImage.TYPE_BYTE_GRAY
            ? 0xff000000 | expected.getRaster().getSample(x, y, 0) * 0x010101
            : expected.getRGB(x, y);
        assertThat(Integer.toHexString(argb)).as("pixel %d,%d", x, y).isEqualTo(Integer.toHexString(want));
      }
    }
  }

  @Test
  void leavesSixteenBitPngsToImageIo() {
    byte[] png = TestImages.encode(new BufferedImage(10, 10, BufferedImage.TYPE_USHORT_GRAY), "png");
    assertThat(PngDecoder.header(png).orElseThrow().supported()).isFalse();
  }

  @Test
  void refusesTruncatedData() {
    byte[] png = TestImages.encode(busy(64, 64, BufferedImage.TYPE_INT_RGB), "png");
    byte[] truncated = Arrays.copyOf(png, png.length / 2);

    assertThatThrownBy(() -> PngDecoder.decode(truncated, PngDecoder.header(truncated).orElseThrow()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
  }
}
