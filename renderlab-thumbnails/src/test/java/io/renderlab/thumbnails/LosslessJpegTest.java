package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.PngDecoder;
import io.renderlab.thumbnails.internal.RenderBudget;
import io.renderlab.thumbnails.internal.jpeg.LosslessJpeg;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lossless JPEG (SOF3), which the JDK refuses and sharp reads. The files were made by libjpeg-turbo
 * 3.2's {@code cjpeg -lossless PSV[,PT]} from a crop of our own {@code images/photo.jpg} ({@code
 * crop.ppm}, {@code crop.pgm}); being lossless, decoding must give that crop back exactly.
 */
class LosslessJpegTest {
  static byte[] resource(String name) {
    return JpegDecoderTest.resource("lossless/" + name);
  }

  /** The samples of a binary PPM/PGM with maxval 255, as interleaved RGB. */
  static byte[] netpbmRgb(byte[] pnm) {
    int p = 0;
    int[] fields = new int[4];
    for (int f = 0; f < 4; f++) {
      while (Character.isWhitespace(pnm[p])) {
        p++;
      }
      int start = p;
      while (!Character.isWhitespace(pnm[p])) {
        p++;
      }
      fields[f] =
          f == 0 ? pnm[start + 1] - '0' : Integer.parseInt(new String(pnm, start, p - start));
    }
    p++;
    int n = fields[1] * fields[2];
    byte[] rgb = new byte[n * 3];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        rgb[i * 3 + c] = fields[0] == 6 ? pnm[p + i * 3 + c] : pnm[p + i];
      }
    }
    return rgb;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ll-p1.jpg", "ll-p2.jpg", "ll-p3.jpg", "ll-p4.jpg", "ll-p5.jpg"})
  void everyPredictorGivesTheOriginalSamplesBack(String name) {
    assertExact(name, "crop.ppm");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ll-p6.jpg", "ll-p7.jpg"})
  void theAveragingPredictorsToo(String name) {
    assertExact(name, "crop.ppm");
  }

  @Test
  void greyscaleBecomesThreeEqualChannels() {
    assertExact("ll-grey.jpg", "crop.pgm");
  }

  @Test
  void aPointTransformAndRestartEveryTwoRows() {
    Interleaved decoded = LosslessJpeg.decode(resource("ll-p6-pt2-rst.jpg"));
    byte[] expected = netpbmRgb(resource("crop.ppm"));
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (byte) (expected[i] & 0xfc); // cjpeg dropped the two low bits (Pt = 2)
    }
    assertThat(decoded.data()).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ll-12bit.jpg", "ll-16bit.jpg"})
  void deeperSamplesKeepTheirTopEightBits(String name) {
    Interleaved decoded = LosslessJpeg.decode(resource(name));
    byte[] expected = netpbmRgb(resource("crop.ppm"));
    assertThat(decoded.width()).isEqualTo(96);
    assertThat(decoded.height()).isEqualTo(72);
    // cjpeg scaled 0..255 to 0..4095 or 0..65535; the top 8 bits are the original or one below.
    for (int i = 0; i < expected.length; i++) {
      int diff = (expected[i] & 0xff) - (decoded.data()[i] & 0xff);
      assertThat(diff).as("sample %d", i).isBetween(0, 1);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ll-p1.jpg",
        "ll-p4.jpg",
        "ll-p7.jpg",
        "ll-grey.jpg",
        "ll-p6-pt2-rst.jpg",
        "ll-12bit.jpg",
        "ll-16bit.jpg",
        "photo-lossless.jpg"
      })
  void rowsStreamedToASinkAreTheWholeImagesRows(String name) {
    byte[] jpeg = resource(name);
    Interleaved whole = LosslessJpeg.decode(jpeg);
    assertThat(streamed(jpeg, RenderBudget.UNLIMITED)).isEqualTo(whole.data());
    // Streamed, only a few rows are held: a budget of 16 rows' worth is plenty.
    long rows = 16L * whole.width() * 3 * 2;
    assertThat(streamed(jpeg, RenderBudget.start(rows, Long.MAX_VALUE))).isEqualTo(whole.data());
  }

  @Test
  void aScanPerComponentIsReassembledWholeThenStreamed() {
    byte[] jpeg = HostileImages.losslessJpeg(40, 30, 3);
    Interleaved whole = LosslessJpeg.decode(jpeg);
    assertThat(streamed(jpeg, RenderBudget.UNLIMITED)).isEqualTo(whole.data());
    assertThatThrownBy(() -> streamed(jpeg, RenderBudget.start(40 * 30, Long.MAX_VALUE)))
        .isInstanceOf(RenderBudget.Exceeded.class);
  }

  /** The rows {@link LosslessJpeg#decode(byte[], PngDecoder.RowSink, RenderBudget)} hands over. */
  private static byte[] streamed(byte[] jpeg, RenderBudget budget) {
    java.io.ByteArrayOutputStream rows = new java.io.ByteArrayOutputStream();
    int[] channels = new int[1];
    int[] next = new int[1];
    LosslessJpeg.decode(
        jpeg,
        new PngDecoder.RowSink() {
          @Override
          public void start(int c) {
            channels[0] = c;
          }

          @Override
          public void row(int y, byte[] row, int offset) {
            assertThat(y).isEqualTo(next[0]++);
            rows.write(row, offset, row.length - offset);
          }
        },
        budget);
    assertThat(channels[0]).isEqualTo(3);
    return rows.toByteArray();
  }

  @Test
  void isTellsLosslessFromOtherJpegs() {
    assertThat(LosslessJpeg.isLossless(resource("ll-p1.jpg"))).isTrue();
    assertThat(LosslessJpeg.isLossless(JpegDecoderTest.resource("s420.jpg"))).isFalse();
    assertThat(LosslessJpeg.isLossless(JpegDecoderTest.resource("p420.jpg"))).isFalse();
    assertThat(LosslessJpeg.isLossless(new byte[] {(byte) 0xff, (byte) 0xd8})).isFalse();
  }

  @Test
  void truncatedOrCorruptDataIsRefusedNotFilledIn() {
    byte[] whole = resource("ll-p4.jpg");
    for (int cut : new int[] {whole.length - 40, whole.length / 2, 700}) {
      byte[] truncated = Arrays.copyOf(whole, cut);
      assertThatThrownBy(() -> LosslessJpeg.decode(truncated))
          .as("cut at %d", cut)
          .isInstanceOf(UnsupportedImageException.class)
          .hasMessageContaining("image/jpeg");
    }
    // Every byte flipped in turn in the headers and the start of the data: a typed refusal or an
    // image, never another exception.
    java.util.Random random = new java.util.Random(14);
    for (int i = 0; i < 400; i++) {
      byte[] bad = whole.clone();
      int at = 2 + random.nextInt(Math.min(bad.length - 2, 1200));
      bad[at] = (byte) random.nextInt(256);
      try {
        Interleaved decoded = LosslessJpeg.decode(bad);
        assertThat(decoded.data()).hasSize(decoded.width() * decoded.height() * 3);
      } catch (UnsupportedImageException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }

  @Test
  void aHeaderClaimingMoreThanTheDataCanHoldIsRefusedBeforeAllocating() {
    byte[] bad = resource("ll-p1.jpg").clone();
    int sof = indexOfMarker(bad, 0xc3);
    // 65535 × 65535 × 3 samples from ~7 kB of data.
    bad[sof + 5] = (byte) 0xff;
    bad[sof + 6] = (byte) 0xff;
    bad[sof + 7] = (byte) 0xff;
    bad[sof + 8] = (byte) 0xff;
    assertThatThrownBy(() -> LosslessJpeg.decode(bad))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("too short for the claimed size");
  }

  @Test
  void thumbnailsLikeSharps() {
    Thumbnail ours = Thumbnailer.builder().build().render(resource("photo-lossless.jpg"));
    java.awt.image.BufferedImage sharp = TestImages.decode(resource("photo-lossless.sharp.webp"));

    assertThat(ours.width()).isEqualTo(400);
    assertThat(ThumbnailerLikenessTest.psnr(TestImages.decode(ours.webp()), sharp))
        .isGreaterThanOrEqualTo(35.0);
  }

  static int indexOfMarker(byte[] jpeg, int marker) {
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == marker) {
        return i;
      }
    }
    throw new AssertionError("no marker " + marker);
  }

  private static void assertExact(String jpeg, String reference) {
    Interleaved decoded = LosslessJpeg.decode(resource(jpeg));
    assertThat(decoded.width()).isEqualTo(96);
    assertThat(decoded.height()).isEqualTo(72);
    assertThat(decoded.ycc()).isFalse();
    assertThat(decoded.data()).isEqualTo(netpbmRgb(resource(reference)));
  }
}
