package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The truncation policy of the README, the same for every format: data that ends before the picture
 * does is refused with {@link UnsupportedImageException}; damage that loses nothing of the picture
 * (a zero-length JPEG comment, a PNG without its IEND) is rendered, as sharp renders it.
 */
class TruncationPolicyTest {
  private final Thumbnailer thumbnailer = Thumbnailer.builder().size(32, 24).build();

  @ParameterizedTest
  @ValueSource(strings = {"png", "jpeg", "webp", "gif", "bmp", "tiff"})
  void refusesEveryFormatCutInItsImageData(String format) {
    byte[] whole = encode(noise(96, 72, 7), format);
    assertThat(thumbnailer.render(whole).width()).isEqualTo(32); // the whole file renders

    byte[] cut = Arrays.copyOf(whole, whole.length * 3 / 5);

    assertThatThrownBy(() -> thumbnailer.render(cut))
        .as(format + " cut at 60%")
        .isInstanceOf(UnsupportedImageException.class);
  }

  @Test
  void rendersAJpegWhoseCommentHasLengthZero() {
    byte[] jpeg = encode(noise(96, 72, 8), "jpeg");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2); // SOI
    out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0}); // COM, length 0
    out.write(jpeg, 2, jpeg.length - 2);

    assertThat(thumbnailer.render(out.toByteArray()).webp())
        .isEqualTo(thumbnailer.render(jpeg).webp());
  }

  @Test
  void rendersAPngThatLacksOnlyItsIend() {
    byte[] png = encode(noise(96, 72, 9), "png");
    byte[] withoutIend = Arrays.copyOf(png, png.length - 12);
    assertThat(new String(png, png.length - 8, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("IEND");

    assertThat(thumbnailer.render(withoutIend).webp()).isEqualTo(thumbnailer.render(png).webp());
  }

  @Test
  void rendersAGifWithoutAColourTableOverImageIosWarning() {
    byte[] gif = GifFirstFrameTestAccess.withoutColourTables(encode(noise(96, 72, 10), "gif"));

    // ImageIO warns "Use default color table" and decodes: a warning, not a refusal.
    assertThat(thumbnailer.render(gif).width()).isEqualTo(32);
  }

  @Test
  void refusesAProgressiveJpegCutBetweenItsScansButReadsOneThatEndsWithEoi() throws Exception {
    byte[] jpeg = progressiveJpeg(noise(96, 72, 11));
    int lastScan = -1;
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xda) {
        lastScan = i;
      }
    }
    byte[] cut = Arrays.copyOf(jpeg, lastScan); // every scan but the last, no EOI
    byte[] withoutEoi = Arrays.copyOf(jpeg, jpeg.length - 2); // every scan, no EOI
    byte[] cutWithEoi = Arrays.copyOf(cut, cut.length + 2); // the encoder stopped there
    cutWithEoi[cut.length] = (byte) 0xff;
    cutWithEoi[cut.length + 1] = (byte) 0xd9;

    assertThatThrownBy(() -> thumbnailer.render(cut))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("cut between its scans");
    assertThat(thumbnailer.render(withoutEoi).webp()).isEqualTo(thumbnailer.render(jpeg).webp());
    assertThat(thumbnailer.render(cutWithEoi).width()).isEqualTo(32);
  }

  static byte[] progressiveJpeg(BufferedImage image) throws java.io.IOException {
    javax.imageio.ImageWriter writer =
        javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
    try {
      javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (javax.imageio.stream.MemoryCacheImageOutputStream out =
          new javax.imageio.stream.MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        writer.write(null, new javax.imageio.IIOImage(image, null, null), param);
      }
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }

  /** Seeded noise: it compresses badly, so 60% of a file is well inside its image data. */
  static BufferedImage noise(int w, int h, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    return image;
  }

  static byte[] encode(BufferedImage image, String format) {
    try {
      if (format.equals("webp")) {
        return OrientationTest.losslessWebp(image);
      }
      if (format.equals("gif")) {
        BufferedImage indexed =
            new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(image, 0, 0, null);
        return TestImages.encode(indexed, format);
      }
      return TestImages.encode(image, format);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Byte surgery on ImageIO's GIFs. */
  static final class GifFirstFrameTestAccess {
    /** The GIF with its global and first local colour tables removed (their flags cleared). */
    static byte[] withoutColourTables(byte[] gif) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int packed = gif[10] & 0xff;
      int global = (packed & 0x80) != 0 ? 3 * (2 << (packed & 7)) : 0;
      byte[] head = Arrays.copyOf(gif, 13);
      head[10] = (byte) (packed & 0x7f);
      out.writeBytes(head);
      int p = 13 + global;
      while ((gif[p] & 0xff) == 0x21) {
        int start = p;
        p += 2;
        while ((gif[p] & 0xff) != 0) {
          p += (gif[p] & 0xff) + 1;
        }
        p++;
        out.write(gif, start, p - start);
      }
      assertThat(gif[p] & 0xff).isEqualTo(0x2c);
      int local = gif[p + 9] & 0xff;
      byte[] descriptor = Arrays.copyOfRange(gif, p, p + 10);
      descriptor[9] = (byte) (local & 0x7f);
      out.writeBytes(descriptor);
      p += 10 + ((local & 0x80) != 0 ? 3 * (2 << (local & 7)) : 0);
      out.write(gif, p, gif.length - p);
      assertThat(global + ((local & 0x80) != 0 ? 1 : 0)).as("a table was removed").isPositive();
      return out.toByteArray();
    }
  }
}
