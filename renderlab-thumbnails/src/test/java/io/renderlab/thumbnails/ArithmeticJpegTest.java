package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import io.renderlab.thumbnails.internal.jpeg.JpegImage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Arithmetic-coded JPEG (SOF9 sequential, SOF10 progressive), which the JDK refuses and sharp
 * (libjpeg-turbo) reads. The files in {@code jpeg/arithmetic} were made by libjpeg-turbo 3.2's
 * cjpeg (see its LICENSE.txt); {@code djpeg.sha256} holds the digests of djpeg's output for each at
 * 1/1, 1/2, 1/4 and 1/8, which ours must match sample for sample.
 */
class ArithmeticJpegTest {
  static final String[] FILES = {
    "a420.jpg",
    "a444.jpg",
    "ag.jpg",
    "ap420.jpg",
    "apg.jpg",
    "apr420.jpg",
    "ar422.jpg",
    "as440.jpg",
    "adac.jpg",
    "apdac.jpg"
  };

  static byte[] resource(String name) {
    return JpegDecoderTest.resource("arithmetic/" + name);
  }

  /** "name scale" to {width, height, digest} from djpeg.sha256. */
  private static Map<String, String[]> djpegDigests() {
    Map<String, String[]> digests = new HashMap<>();
    for (String line :
        new String(resource("djpeg.sha256"), StandardCharsets.US_ASCII).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.trim().split(" +");
      digests.put(f[0] + " " + f[1], new String[] {f[2], f[3], f[4]});
    }
    return digests;
  }

  /** Our decode as djpeg writes it: RGB after libjpeg's integer YCbCr conversion, or grey. */
  private static byte[] djpegSamples(Interleaved px, boolean grey) {
    int n = px.width() * px.height();
    byte[] d = px.data();
    byte[] out = new byte[grey ? n : n * 3];
    for (int i = 0; i < n; i++) {
      if (grey) {
        out[i] = d[i * 3];
      } else if (px.ycc()) {
        int[] rgb =
            JpegDecoderTest.libjpegRgb(d[i * 3] & 0xff, d[i * 3 + 1] & 0xff, d[i * 3 + 2] & 0xff);
        for (int c = 0; c < 3; c++) {
          out[i * 3 + c] = (byte) rgb[c];
        }
      } else {
        System.arraycopy(d, i * 3, out, i * 3, 3);
      }
    }
    return out;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every fixture, and flat.jpg: 2048×1536 from 10 bytes of data, long runs of one symbol. */
  static Stream<String> filesAndFlat() {
    return Stream.concat(Arrays.stream(FILES), Stream.of("flat.jpg"));
  }

  @ParameterizedTest
  @MethodSource("filesAndFlat")
  void decodesBitForBitAsLibjpegTurboAtEveryScale(String name) {
    byte[] jpeg = resource(name);
    Map<String, String[]> digests = djpegDigests();
    boolean grey = name.startsWith("ag") || name.startsWith("apg");
    for (int scale : new int[] {1, 2, 4, 8}) {
      String[] expected = digests.get(name.replace(".jpg", "") + " " + scale);

      JpegImage ours = JpegDecoderTest.decode(jpeg, scale);

      assertThat(ours.width()).isEqualTo(Integer.parseInt(expected[0]));
      assertThat(ours.height()).isEqualTo(Integer.parseInt(expected[1]));
      assertThat(sha256(djpegSamples(ours.pixels(), grey)))
          .as("samples of %s at 1/%d against djpeg's", name, scale)
          .isEqualTo(expected[2]);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a420.jpg", "ar422.jpg", "ap420.jpg"})
  void decodesAWindowIdenticalToTheSameRegionOfTheWholeImage(String name) {
    byte[] jpeg = resource(name);
    for (int scale : new int[] {1, 2}) {
      Interleaved whole = JpegDecoderTest.decode(jpeg, scale).pixels();
      int w = whole.width();
      byte[] wholeCopy = Arrays.copyOf(whole.data(), w * whole.height() * 3);
      int x0 = 37 / scale;
      int y0 = 21 / scale;
      int x1 = 151 / scale;
      int y1 = 99 / scale;

      Interleaved window =
          JpegDecoder.decode(JpegFrame.parse(jpeg), scale, x0, y0, x1, y1).pixels();

      for (int y = 0; y < y1 - y0; y++) {
        byte[] row = Arrays.copyOfRange(window.data(), y * (x1 - x0) * 3, (y + 1) * (x1 - x0) * 3);
        int from = ((y + y0) * w + x0) * 3;
        assertThat(row)
            .as("%s at 1/%d, row %d", name, scale, y)
            .isEqualTo(Arrays.copyOfRange(wholeCopy, from, from + (x1 - x0) * 3));
      }
    }
  }

  @Test
  void thumbnailsLikeSharps() {
    Thumbnail ours = Thumbnailer.builder().build().render(resource("photo-arithmetic.jpg"));
    java.awt.image.BufferedImage sharp = TestImages.decode(resource("photo-arithmetic.sharp.webp"));

    assertThat(ours.width()).isEqualTo(400);
    assertThat(ours.height()).isEqualTo(400);
    assertThat(ThumbnailerLikenessTest.psnr(TestImages.decode(ours.webp()), sharp))
        .isGreaterThanOrEqualTo(40.0);
  }

  @Test
  void aScanThatStopsAtAMarkerDecodesTheRestFromZerosAsLibjpegDoes() {
    // The encoder drops trailing zero bytes, so a decoder must read zeros from the marker on: the
    // data cut short before an EOI is still a well-formed arithmetic-coded file.
    byte[] whole = resource("a420.jpg");
    byte[] cut = Arrays.copyOf(whole, whole.length - 3000);
    cut[cut.length - 2] = (byte) 0xff;
    cut[cut.length - 1] = (byte) 0xd9;

    JpegImage decoded = JpegDecoderTest.decode(cut, 1);

    assertThat(decoded.width()).isEqualTo(203);
    assertThat(decoded.height()).isEqualTo(117);
  }

  @Test
  void refusesAHugeClaimOverLittleDataBeforeAllocatingForIt() {
    byte[] jpeg = resource("ap420.jpg").clone();
    int sof = LosslessJpegTest.indexOfMarker(jpeg, 0xca);
    // 16000×16000 from 9 kB: the progressive coefficients alone would take 768 MB.
    jpeg[sof + 5] = (byte) (16_000 >> 8);
    jpeg[sof + 6] = (byte) 16_000;
    jpeg[sof + 7] = (byte) (16_000 >> 8);
    jpeg[sof + 8] = (byte) 16_000;
    JpegFrame frame = JpegFrame.parse(jpeg);
    long before = JpegDecoderTest.allocatedBytes();

    assertThatThrownBy(() -> JpegDecoder.decode(frame, 8, 0, 0, 2000, 2000))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("decompression bomb");
    assertThat(JpegDecoderTest.allocatedBytes() - before).isLessThan(16L << 20);
    assertThatThrownBy(() -> Thumbnailer.builder().build().render(jpeg))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("16000×16000 pixels from 8920 bytes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a420.jpg", "ap420.jpg", "apr420.jpg", "ar422.jpg"})
  void dataThatEndsWithoutAMarkerIsRefusedNotFilledIn(String name) {
    byte[] whole = resource(name);
    for (int cut : new int[] {whole.length - 2, whole.length - 500, whole.length / 2, 700}) {
      byte[] truncated = Arrays.copyOf(whole, cut);
      assertThatThrownBy(() -> JpegDecoderTest.decode(truncated, 1 + (cut & 1)))
          .as("cut at %d", cut)
          .isInstanceOf(UnsupportedImageException.class)
          .hasMessageContaining("image/jpeg");
    }
  }

  @Test
  void badConditioningTablesAreRefused() {
    byte[] jpeg = resource("adac.jpg");
    int dac = LosslessJpegTest.indexOfMarker(jpeg, 0xcc);
    // ffcc 000a 00 62 10 0c 01 31 11 02: DC table 0 with L=2, U=6 first.
    byte[] lAboveU = jpeg.clone();
    lAboveU[dac + 5] = 0x27;
    assertThatThrownBy(() -> JpegFrame.parse(lAboveU))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("L above U");
    byte[] badIndex = jpeg.clone();
    badIndex[dac + 4] = 0x20;
    assertThatThrownBy(() -> JpegFrame.parse(badIndex))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("table number");
  }

  @Test
  void twelveBitAndLosslessArithmeticStayWithImageIo() {
    byte[] sof11 = resource("a420.jpg").clone();
    sof11[LosslessJpegTest.indexOfMarker(sof11, 0xc9) + 1] = (byte) 0xcb;
    assertThat(JpegFrame.parse(sof11).supported()).isFalse();
    byte[] twelve = resource("a420.jpg").clone();
    twelve[LosslessJpegTest.indexOfMarker(twelve, 0xc9) + 4] = 12;
    assertThat(JpegFrame.parse(twelve).supported()).isFalse();
    assertThat(JpegFrame.parse(resource("ap420.jpg")).supported()).isTrue();
  }

  /** The fuzz test's mutator over the arithmetic-coded files: a fixed 300 mutants (about 3 s). */
  @Test
  void everyMutatedArithmeticJpegEndsInAResultOrATypedRefusal() {
    List<byte[]> seeds = new ArrayList<>();
    for (String name : FILES) {
      seeds.add(resource(name));
    }
    JpegDecoderFuzzTest.assertMutantsEndInAResultOrATypedRefusal(seeds, 20261202L, 300);
  }
}
