package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import io.renderlab.thumbnails.internal.jpeg.JpegImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our JPEG decoder against the JDK's (libjpeg 6b, which has the same integer IDCT and fancy
 * upsampling as libjpeg-turbo at full size), over files made with ImageMagick in every sampling and
 * coding the decoder claims: 4:2:0, 4:2:2, 4:4:0, 4:4:4, grey, RGB, progressive, restart intervals,
 * odd sizes.
 */
class JpegDecoderTest {
  static final String[] FILES = {
    "s420.jpg",
    "s422.jpg",
    "s440.jpg",
    "s444.jpg",
    "p420.jpg",
    "p444.jpg",
    "r420.jpg",
    "pr422.jpg",
    "g.jpg",
    "pg.jpg",
    "rgb.jpg",
    "cmyk.jpg",
    "ycck.jpg"
  };

  static byte[] resource(String name) {
    try (InputStream in = JpegDecoderTest.class.getResourceAsStream("jpeg/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test image " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** ImageIO's raster: the file's own colour space, upsampled, as interleaved bytes. */
  static byte[] imageIo(byte[] jpeg, int[] size) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
      ImageReader reader = ImageIO.getImageReaders(in).next();
      reader.setInput(in);
      Raster r = reader.readRaster(0, null);
      size[0] = r.getWidth();
      size[1] = r.getHeight();
      int bands = r.getNumBands();
      int[] px = r.getPixels(0, 0, r.getWidth(), r.getHeight(), (int[]) null);
      byte[] out = new byte[r.getWidth() * r.getHeight() * 3];
      for (int i = 0; i < r.getWidth() * r.getHeight(); i++) {
        for (int c = 0; c < 3; c++) {
          out[i * 3 + c] = (byte) px[i * bands + (bands == 1 ? 0 : c)];
        }
      }
      reader.dispose();
      return out;
    }
  }

  static JpegImage decode(byte[] jpeg, int scale) {
    JpegFrame frame = JpegFrame.parse(jpeg);
    assertThat(frame.supported()).isTrue();
    return JpegDecoder.decode(
        frame,
        scale,
        0,
        0,
        JpegDecoder.scaled(frame.width(), scale),
        JpegDecoder.scaled(frame.height(), scale));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s420.jpg",
        "s422.jpg",
        "s440.jpg",
        "s444.jpg",
        "p420.jpg",
        "p444.jpg",
        "r420.jpg",
        "pr422.jpg",
        "g.jpg",
        "pg.jpg",
        "rgb.jpg"
      })
  void decodesAtFullSizeAsLibjpegDoes(String name) throws IOException {
    byte[] jpeg = resource(name);
    int[] size = new int[2];
    byte[] expected = imageIo(jpeg, size);

    JpegImage ours = decode(jpeg, 1);

    assertThat(ours.width()).isEqualTo(size[0]);
    assertThat(ours.height()).isEqualTo(size[1]);
    int[] diff = diff(ours.pixels(), expected, size[0], size[1], 1);
    assertThat(diff[0]).as("max difference of %s", name).isLessThanOrEqualTo(1);
  }

  /**
   * Scaled decodes against libjpeg-turbo's own ({@code djpeg -scale 1/N -pnm}, libjpeg-turbo 2.1.5,
   * committed as {@code jpeg/djpeg/NAME.N.pnm}): after libjpeg's integer YCbCr→RGB, bit for bit.
   */
  @ParameterizedTest
  @ValueSource(strings = {"p420", "s440", "pr422", "r420", "pg", "s422", "rgb"})
  void decodesScaledBitForBitAsLibjpegTurbo(String name) {
    for (int scale : new int[] {2, 4, 8}) {
      assertSamplesAsDjpeg(name, scale);
    }
  }

  /**
   * Our decode of {@code jpeg/NAME.jpg} at 1/{@code scale} against libjpeg-turbo's ({@code jpeg/
   * djpeg/NAME.SCALE.pnm}, made by {@code djpeg -scale 1/N -pnm}): after libjpeg's integer
   * YCbCr→RGB, bit for bit.
   */
  static void assertSamplesAsDjpeg(String name, int scale) {
    byte[] pnm = resource("djpeg/" + name + "." + scale + ".pnm");
    int[] header = new int[4]; // width, height, maxval, data offset
    int pos = 2;
    for (int field = 0; field < 3; field++) {
      while (Character.isWhitespace(pnm[pos])) {
        pos++;
      }
      while (!Character.isWhitespace(pnm[pos])) {
        header[field] = header[field] * 10 + (pnm[pos++] - '0');
      }
    }
    pos++;
    int channels = pnm[1] == '5' ? 1 : 3;

    JpegImage ours = decode(resource(name + ".jpg"), scale);

    assertThat(ours.width()).isEqualTo(header[0]);
    assertThat(ours.height()).isEqualTo(header[1]);
    byte[] d = ours.pixels().data();
    int mismatches = 0;
    for (int i = 0; i < header[0] * header[1]; i++) {
      int[] rgb =
          ours.pixels().ycc()
              ? libjpegRgb(d[i * 3] & 0xff, d[i * 3 + 1] & 0xff, d[i * 3 + 2] & 0xff)
              : new int[] {d[i * 3] & 0xff, d[i * 3 + 1] & 0xff, d[i * 3 + 2] & 0xff};
      for (int c = 0; c < channels; c++) {
        if (rgb[c] != (pnm[pos + i * channels + c] & 0xff)) {
          mismatches++;
        }
      }
    }
    assertThat(mismatches).as("samples of %s at 1/%d unlike libjpeg-turbo's", name, scale).isZero();
  }

  private static int fix(double x) {
    return (int) (x * 65536 + 0.5);
  }

  /** jdcolor.c's ycc_rgb_convert (16-bit fixed point). */
  static int[] libjpegRgb(int y, int cb, int cr) {
    int r = y + ((fix(1.40200) * (cr - 128) + 32768) >> 16);
    int g = y + ((-fix(0.71414) * (cr - 128) - fix(0.34414) * (cb - 128) + 32768) >> 16);
    int b = y + ((fix(1.77200) * (cb - 128) + 32768) >> 16);
    return new int[] {
      Math.max(0, Math.min(255, r)), Math.max(0, Math.min(255, g)), Math.max(0, Math.min(255, b))
    };
  }

  @Test
  void decodesAWindowIdenticalToTheSameRegionOfTheWholeImage() {
    byte[] jpeg = resource("p420.jpg");
    Interleaved a = decode(jpeg, 1).pixels();
    byte[] wholeCopy =
        Arrays.copyOf(a.data(), a.width() * a.height() * 3); // the buffer is reused per thread
    JpegFrame frame = JpegFrame.parse(jpeg);

    Interleaved b = JpegDecoder.decode(frame, 1, 37, 21, 151, 99).pixels();

    for (int y = 0; y < 78; y++) {
      for (int x = 0; x < 114 * 3; x++) {
        assertThat(b.data()[y * 114 * 3 + x])
            .isEqualTo(wholeCopy[((y + 21) * a.width() + 37) * 3 + x]);
      }
    }
  }

  @Test
  void extractsTheEmbeddedIccProfileFromItsChunksInOrder() {
    byte[] jpeg = resource("s420.jpg");
    byte[] profile = new byte[150_000];
    for (int i = 0; i < profile.length; i++) {
      profile[i] = (byte) (i * 31 + 7);
    }
    // Three chunks, written out of order: 3, 1, 2.
    int chunk = 65_519;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    for (int seq : new int[] {3, 1, 2}) {
      int from = (seq - 1) * chunk;
      int to = Math.min(profile.length, from + chunk);
      int length = 2 + 14 + (to - from);
      out.write(0xff);
      out.write(0xe2);
      out.write(length >> 8);
      out.write(length & 0xff);
      out.writeBytes("ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(seq);
      out.write(3);
      out.write(profile, from, to - from);
    }
    out.write(jpeg, 2, jpeg.length - 2);

    assertThat(decode(out.toByteArray(), 2).iccProfile()).isEqualTo(profile);
    assertThat(decode(jpeg, 2).iccProfile()).isNull();
  }

  @Test
  void refusesAHugeClaimOverLittleDataWithoutAllocatingForTheClaim() {
    byte[] jpeg = TestImages.withJpegSize(resource("s444.jpg"), 16_000, 16_000);
    JpegFrame frame = JpegFrame.parse(jpeg);
    long before = allocatedBytes();

    assertThatThrownBy(() -> JpegDecoder.decode(frame, 1, 0, 0, 16_000, 16_000))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("truncated or corrupt");
    // 16000² × 3 would be 768 MB; what the ~8 kB of data can fill is far less.
    assertThat(allocatedBytes() - before).isLessThan(64L << 20);
  }

  @Test
  void shrinksOnLoadByTheFactorSharpPicks() {
    // sharp 0.34 pipeline.cc with fastShrinkOnLoad (its default): the largest factor not above the
    // shrink, halved when it equals the shrink's integer part.
    assertThat(JpegRenderer.jpegShrinkOnLoad(1.99)).isEqualTo(1);
    assertThat(JpegRenderer.jpegShrinkOnLoad(2.0)).isEqualTo(1); // 800×800: int(2.0) == 2
    assertThat(JpegRenderer.jpegShrinkOnLoad(2.5)).isEqualTo(1); // int(2.5) == 2
    assertThat(JpegRenderer.jpegShrinkOnLoad(3.84)).isEqualTo(2); // 2048×1536 to 400×400 cover
    assertThat(JpegRenderer.jpegShrinkOnLoad(4.0)).isEqualTo(2);
    assertThat(JpegRenderer.jpegShrinkOnLoad(4.5)).isEqualTo(2);
    assertThat(JpegRenderer.jpegShrinkOnLoad(5.0)).isEqualTo(4);
    assertThat(JpegRenderer.jpegShrinkOnLoad(7.5)).isEqualTo(4); // 4000×3000
    assertThat(JpegRenderer.jpegShrinkOnLoad(8.0)).isEqualTo(4);
    assertThat(JpegRenderer.jpegShrinkOnLoad(9.0)).isEqualTo(8);
    assertThat(JpegRenderer.jpegShrinkOnLoad(10.0)).isEqualTo(8); // 6000×4000
    assertThat(JpegRenderer.jpegShrinkOnLoad(0.5)).isEqualTo(1);
  }

  @Test
  void aDecodeThatFailedMidBlockLeavesNothingBehindForTheNextOnTheSameThread() throws Exception {
    byte[] good = resource("s420.jpg");
    byte[][] expected = new byte[1][];
    // A fresh thread: its own per-thread scratch, untouched by any failure.
    Thread fresh =
        new Thread(
            () -> expected[0] = Arrays.copyOf(decode(good, 1).pixels().data(), 203 * 117 * 3));
    fresh.start();
    fresh.join();
    int sos = 0;
    while (!((good[sos] & 0xff) == 0xff && (good[sos + 1] & 0xff) == 0xda)) {
      sos++;
    }

    for (int k = 0; k < 20; k++) {
      // Stuffed 0xFF bytes (all ones) part-way through the scan: an invalid Huffman code, met
      // after some of a block's coefficients were stored.
      byte[] corrupt = good.clone();
      for (int i = 0; i < 8; i++) {
        corrupt[sos + 20 + k * 37 + 2 * i] = (byte) 0xff;
        corrupt[sos + 21 + k * 37 + 2 * i] = 0;
      }
      assertThatThrownBy(() -> decode(corrupt, 1)).isInstanceOf(UnsupportedImageException.class);

      byte[] after = Arrays.copyOf(decode(good, 1).pixels().data(), 203 * 117 * 3);

      assertThat(after).as("decode after failure %d", k).isEqualTo(expected[0]);
    }
  }

  @Test
  void leavesLosslessArithmeticToImageIo() {
    byte[] jpeg = resource("s420.jpg");
    byte[] arithmetic = jpeg.clone();
    for (int i = 2; i + 1 < arithmetic.length; i++) {
      if ((arithmetic[i] & 0xff) == 0xff && (arithmetic[i + 1] & 0xff) == 0xc0) {
        arithmetic[i + 1] = (byte) 0xcb; // lossless arithmetic: SOF9 and SOF10 are ours
        break;
      }
    }
    assertThat(JpegFrame.parse(arithmetic).supported()).isFalse();
    assertThat(JpegFrame.parse(arithmetic).width()).isEqualTo(203);
    assertThat(JpegFrame.parse(jpeg).supported()).isTrue();
  }

  /** CMYK and YCCK come out as stored, four bytes a pixel, as libjpeg's raster gives them. */
  @ParameterizedTest
  @ValueSource(strings = {"cmyk.jpg", "ycck.jpg"})
  void decodesFourComponentsAtFullSizeAsLibjpegDoes(String name) throws IOException {
    byte[] jpeg = TestImages.resource("likeness/" + name);
    JpegFrame frame = JpegFrame.parse(jpeg);
    assertThat(frame.supported()).isTrue();
    assertThat(frame.components()).isEqualTo(4);
    assertThat(frame.ycck()).isEqualTo(name.startsWith("ycck"));
    int[] expected;
    int w;
    int h;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
      ImageReader reader = ImageIO.getImageReaders(in).next();
      reader.setInput(in);
      Raster r = reader.readRaster(0, null);
      w = r.getWidth();
      h = r.getHeight();
      expected = r.getPixels(0, 0, w, h, (int[]) null);
      reader.dispose();
    }

    JpegImage ours = decode(jpeg, 1);

    assertThat(ours.pixels().channels()).isEqualTo(4);
    byte[] d = ours.pixels().data();
    int worst = 0;
    for (int i = 0; i < w * h * 4; i++) {
      worst = Math.max(worst, Math.abs((d[i] & 0xff) - expected[i]));
    }
    assertThat(worst).as("max difference of %s", name).isLessThanOrEqualTo(1);
  }

  static long allocatedBytes() {
    java.lang.management.ThreadMXBean bean =
        java.lang.management.ManagementFactory.getThreadMXBean();
    return ((com.sun.management.ThreadMXBean) bean)
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /**
   * Max and mean (×100) absolute difference of ours against {@code full} box-averaged by {@code
   * scale}.
   */
  private static int[] diff(Interleaved ours, byte[] full, int w, int h, int scale) {
    int max = 0;
    long sum = 0;
    long n = 0;
    for (int y = 0; y < ours.height(); y++) {
      for (int x = 0; x < ours.width(); x++) {
        for (int c = 0; c < 3; c++) {
          int total = 0;
          int count = 0;
          for (int yy = y * scale; yy < Math.min(h, (y + 1) * scale); yy++) {
            for (int xx = x * scale; xx < Math.min(w, (x + 1) * scale); xx++) {
              total += full[(yy * w + xx) * 3 + c] & 0xff;
              count++;
            }
          }
          int d =
              Math.abs(
                  (ours.data()[(y * ours.width() + x) * 3 + c] & 0xff)
                      - Math.round((float) total / count));
          max = Math.max(max, d);
          sum += d;
          n++;
        }
      }
    }
    return new int[] {max, (int) (sum * 100 / n)};
  }
}
