package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.TiffStrips;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The common TIFF kinds decoded without ImageIO ({@link TiffStrips}): the samples must be the
 * image's own (the compressions are lossless), whatever the compression, layout and kind, and a
 * strip that ends early or is corrupt is refused as ImageIO's path refuses truncation.
 */
class TiffStripsTest {
  @ParameterizedTest
  @CsvSource({
    "LZW, RGB, false", "LZW, RGB, true", "LZW, GREY, false", "LZW, PALETTE, false",
    "LZW, RGBA, true", "Deflate, RGB, false", "Deflate, RGB, true", "Deflate, GREY, true",
    "Deflate, PALETTE, true", "Deflate, RGBA, false", "none, RGB, false", "none, RGB, true",
    "none, PALETTE, false", "PackBits, RGB, false", "PackBits, GREY, true", "PackBits, RGBA, false"
  })
  void decodesTheImagesOwnSamples(String compression, String kind, boolean tiled)
      throws IOException {
    BufferedImage source = picture(kind, 61, 43);
    byte[] tiff = imageIoTiff(source, compression, tiled);

    Interleaved decoded = decode(tiff);

    assertThat(decoded).as("decoded without ImageIO").isNotNull();
    assertSamples(decoded, source);
  }

  @Test
  void undoesHorizontalDifferencing() {
    BufferedImage source = picture("RGB", 37, 19);
    byte[] differenced = new byte[37 * 19 * 3];
    for (int y = 0; y < 19; y++) {
      int[] left = {0, 0, 0};
      for (int x = 0; x < 37; x++) {
        int rgb = source.getRGB(x, y);
        int[] v = {rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff};
        for (int c = 0; c < 3; c++) {
          differenced[(y * 37 + x) * 3 + c] = (byte) (v[c] - left[c]);
        }
        left = v;
      }
    }
    byte[] tiff =
        new TiffKindsTest.Tiff(37, 19, 3)
            .shorts(258, 8, 8, 8)
            .shorts(262, 2)
            .shorts(317, 2)
            .compression(8)
            .write(deflate(differenced));

    assertSamples(decode(tiff), source);
  }

  @Test
  void reads16BitRgbWithDifferencingAsJava2dRoundsItTo8Bits() {
    int w = 23;
    int h = 11;
    java.awt.image.WritableRaster raster =
        java.awt.image.Raster.createInterleavedRaster(
            java.awt.image.DataBuffer.TYPE_USHORT, w, h, 3, null);
    Random random = new Random(16);
    byte[] differenced = new byte[w * h * 6]; // big-endian, as the builder writes
    for (int y = 0; y < h; y++) {
      int[] left = {0, 0, 0};
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int v = random.nextInt(65536);
          raster.setSample(x, y, c, v);
          int d = (v - left[c]) & 0xffff;
          int at = ((y * w + x) * 3 + c) * 2;
          differenced[at] = (byte) (d >> 8);
          differenced[at + 1] = (byte) d;
          left[c] = v;
        }
      }
    }
    BufferedImage source =
        new BufferedImage(
            new java.awt.image.ComponentColorModel(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB),
                false,
                false,
                java.awt.Transparency.OPAQUE,
                java.awt.image.DataBuffer.TYPE_USHORT),
            raster,
            false,
            null);
    byte[] tiff =
        new TiffKindsTest.Tiff(w, h, 3)
            .shorts(258, 16, 16, 16)
            .shorts(262, 2)
            .shorts(317, 2)
            .compression(8)
            .write(deflate(differenced));

    assertSamples(decode(tiff), source);
  }

  @Test
  void reads16BitGreyByItsHighByte() throws IOException {
    BufferedImage source = new BufferedImage(29, 17, BufferedImage.TYPE_USHORT_GRAY);
    Random random = new Random(17);
    for (int y = 0; y < 17; y++) {
      for (int x = 0; x < 29; x++) {
        source.getRaster().setSample(x, y, 0, random.nextInt(65536));
      }
    }
    Interleaved decoded = decode(imageIoTiff(source, "LZW", false));

    assertThat(decoded).isNotNull();
    for (int i = 0; i < 29 * 17; i++) {
      int v = source.getRaster().getSample(i % 29, i / 29, 0) >>> 8;
      assertThat(decoded.data()[i * 3] & 0xff).as("sample %d", i).isEqualTo(v);
    }
  }

  @Test
  void convertsCmykInksAsTheImageIoRouteDid() {
    int w = 19;
    int h = 13;
    byte[] inks = new byte[w * h * 4];
    new Random(4).nextBytes(inks);
    byte[] differenced = inks.clone();
    for (int y = 0; y < h; y++) {
      for (int i = (y * w + 1) * 4; i < (y + 1) * w * 4; i++) {
        differenced[i] = (byte) (inks[i] - inks[i - 4]);
      }
    }
    byte[] tiff =
        new TiffKindsTest.Tiff(w, h, 4)
            .shorts(258, 8, 8, 8, 8)
            .shorts(262, 5)
            .shorts(317, 2)
            .compression(8)
            .write(deflate(differenced));

    TiffStrips.Image image = image(tiff);

    assertThat(image.iccProfile()).as("applied already").isNull();
    int[] expected = ColorProfiles.cmykToSrgb(inks, w, h, null).pixels();
    byte[] rgb = image.pixels().data();
    for (int i = 0; i < w * h; i++) {
      int ours = (rgb[i * 3] & 0xff) << 16 | (rgb[i * 3 + 1] & 0xff) << 8 | (rgb[i * 3 + 2] & 0xff);
      assertThat(ours).as("pixel %d", i).isEqualTo(expected[i] & 0xffffff);
    }
  }

  @Test
  void refusesAStripThatEndsBeforeItsRows() {
    // Clear, three literals and the end code: 3 of the strip's 8 samples.
    byte[] tiff =
        new TiffKindsTest.Tiff(4, 2, 1)
            .shorts(258, 8)
            .shorts(262, 1)
            .compression(5)
            .write(bits(new int[] {256, 65, 66, 67, 257}));

    assertThatThrownBy(() -> decode(tiff))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("ends before its rows do");
    assertThatThrownBy(() -> Thumbnailer.builder().build().render(tiff))
        .isInstanceOf(UnsupportedImageException.class);
  }

  @Test
  void refusesAStripThatLiesPastTheEndOfTheFile() {
    byte[] samples = new byte[32 * 32 * 3];
    new Random(5).nextBytes(samples);
    byte[] tiff =
        new TiffKindsTest.Tiff(32, 32, 3)
            .shorts(258, 8, 8, 8)
            .shorts(262, 2)
            .compression(8)
            .write(deflate(samples));
    byte[] cut = Arrays.copyOf(tiff, tiff.length - 100); // the strip is written last

    assertThatThrownBy(() -> Thumbnailer.builder().build().render(cut))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("lies past its end");
  }

  @Test
  void refusesATileTooLargeToHoldAsATypedError() {
    // A 4×4 image whose one tile claims 65535×65535 pixels.
    byte[] tiff =
        new TiffKindsTest.Tiff(4, 4, 3)
            .shorts(258, 8, 8, 8)
            .shorts(262, 2)
            .shorts(322, 65535)
            .shorts(323, 65535)
            .shorts(324, 300)
            .shorts(325, 48)
            .write(new byte[48]);

    assertThatThrownBy(() -> decode(tiff))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> Thumbnailer.builder().build().render(tiff))
        .isInstanceOf(UnsupportedImageException.class);
  }

  @Test
  void refusesAnLzwCodePastItsTable() {
    // 9-bit codes, most significant bit first: a literal, then code 400 (the table holds 258).
    byte[] lzw = bits(new int[] {65, 400, 257});
    byte[] tiff =
        new TiffKindsTest.Tiff(4, 1, 1).shorts(258, 8).shorts(262, 1).compression(5).write(lzw);

    assertThatThrownBy(() -> decode(tiff))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("LZW");
  }

  @Test
  void convertsAnEmbeddedProfileOnTheSmallResult() throws IOException {
    // Mid grey stored in linear light: through the profile it is sRGB 137, not 64.
    byte[] samples = new byte[32 * 32 * 3];
    Arrays.fill(samples, (byte) 64);
    byte[] linear =
        java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
    byte[] tiff =
        new TiffKindsTest.Tiff(32, 32, 3)
            .shorts(258, 8, 8, 8)
            .shorts(262, 2)
            .bytes(34675, linear)
            .write(samples);

    assertThat(decode(tiff)).as("decoded without ImageIO").isNotNull();
    assertThat(image(tiff).iccProfile()).isEqualTo(linear);
    BufferedImage thumb =
        GifFirstFrameTest.decode(
            Thumbnailer.builder().size(16, 16).quality(100).build().render(tiff));
    assertThat(thumb.getRGB(8, 8) & 0xff).isBetween(134, 140);
  }

  @Test
  void convertsTheProfileOfAKindLeftToImageIoOnTheSmallResultToo() throws IOException {
    // Associated (premultiplied) alpha goes to ImageIO; its samples must still reach the profile
    // conversion as stored, opaque mid grey in linear light: sRGB 137.
    byte[] samples = new byte[32 * 32 * 4];
    for (int i = 0; i < samples.length; i += 4) {
      samples[i] = samples[i + 1] = samples[i + 2] = 64;
      samples[i + 3] = (byte) 255;
    }
    byte[] linear =
        java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
    byte[] tiff =
        new TiffKindsTest.Tiff(32, 32, 4)
            .shorts(258, 8, 8, 8, 8)
            .shorts(262, 2)
            .shorts(338, 1)
            .bytes(34675, linear)
            .write(samples);

    assertThat(decode(tiff)).as("left to ImageIO").isNull();
    BufferedImage thumb =
        GifFirstFrameTest.decode(
            Thumbnailer.builder().size(16, 16).quality(100).build().render(tiff));
    assertThat(thumb.getRGB(8, 8) & 0xff).isBetween(134, 140);
  }

  @Test
  void leavesOtherKindsToImageIo() throws IOException {
    BufferedImage source = picture("RGB", 16, 16);
    byte[] jpeg = imageIoTiff(source, "JPEG", false);

    assertThat(decode(jpeg)).isNull();
    assertThat(Thumbnailer.builder().build().render(jpeg).width()).isEqualTo(400);
  }

  private static Interleaved decode(byte[] tiff) {
    TiffStrips.Image image = image(tiff);
    return image == null ? null : image.pixels();
  }

  private static TiffStrips.Image image(byte[] tiff) {
    return TiffStrips.decode(tiff, (w, h) -> {}, bytes -> {}, () -> {});
  }

  private static void assertSamples(Interleaved decoded, BufferedImage source) {
    int w = source.getWidth();
    assertThat(decoded.width()).isEqualTo(w);
    assertThat(decoded.height()).isEqualTo(source.getHeight());
    int ch = decoded.channels();
    for (int y = 0; y < source.getHeight(); y++) {
      for (int x = 0; x < w; x++) {
        int argb = source.getRGB(x, y);
        int p = (y * w + x) * ch;
        int[] ours = new int[ch];
        for (int c = 0; c < ch; c++) {
          ours[c] = decoded.data()[p + c] & 0xff;
        }
        int[] expected = {argb >> 16 & 0xff, argb >> 8 & 0xff, argb & 0xff, argb >>> 24};
        if (source.getType() == BufferedImage.TYPE_BYTE_GRAY) { // stored samples, not sRGB
          int v = source.getRaster().getSample(x, y, 0);
          expected = new int[] {v, v, v};
        }
        assertThat(ours).as("pixel %d,%d", x, y).isEqualTo(Arrays.copyOf(expected, ch));
      }
    }
  }

  /** Smooth gradients with noise, so LZW makes long and short strings and resets its table. */
  private static BufferedImage picture(String kind, int w, int h) {
    int type =
        switch (kind) {
          case "GREY" -> BufferedImage.TYPE_BYTE_GRAY;
          case "PALETTE" -> BufferedImage.TYPE_BYTE_INDEXED;
          case "RGBA" -> BufferedImage.TYPE_4BYTE_ABGR;
          default -> BufferedImage.TYPE_3BYTE_BGR;
        };
    BufferedImage image = new BufferedImage(w, h, type);
    Random random = new Random(w * 31 + h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (x * 255 / w + random.nextInt(4)) & 0xff;
        int g = (y * 255 / h) & 0xff;
        int b = random.nextInt(256);
        int a = kind.equals("RGBA") ? (x * 7 + y * 3) & 0xff : 0xff;
        image.setRGB(x, y, a << 24 | r << 16 | g << 8 | b);
      }
    }
    return image;
  }

  private static byte[] imageIoTiff(BufferedImage image, String compression, boolean tiled)
      throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    if (!compression.equals("none")) {
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType(compression);
    }
    if (tiled) {
      param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
      param.setTiling(16, 16, 0, 0);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater();
    deflater.setInput(data);
    deflater.finish();
    byte[] out = new byte[data.length * 2 + 64];
    int n = deflater.deflate(out);
    deflater.end();
    return Arrays.copyOf(out, n);
  }

  /** Codes packed 9 bits each, most significant bit first. */
  private static byte[] bits(int[] codes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long buffer = 0;
    int n = 0;
    for (int code : codes) {
      buffer = buffer << 9 | code;
      n += 9;
      while (n >= 8) {
        out.write((int) (buffer >>> (n - 8)));
        n -= 8;
      }
    }
    if (n > 0) {
      out.write((int) (buffer << (8 - n)));
    }
    return out.toByteArray();
  }
}
