package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * GIF's first frame as sharp (libnsgif) reads it: placed on the logical screen, transparent around
 * it when the file has a transparent index and black when it has none, an out-of-range transparent
 * index ignored, an empty first frame rendered as the bare screen, data that ends early kept as far
 * as it goes, interlaced rows in their places. The GIFs are written by ImageIO, then their logical
 * screen, frame offset and transparent index rewritten in place.
 */
class GifFirstFrameTest {
  private static final int WHITE = 3;

  /** A 40×30 box rendered at 1:1, so each output pixel is the screen's pixel. */
  private final Thumbnailer thumbnailer = Thumbnailer.builder().size(40, 30).quality(100).build();

  @Test
  void placesTheFirstFrameAtItsOffsetOnTheLogicalScreen() throws IOException {
    byte[] gif = gif(20, 10, 1, 0); // a red 20×10 frame; black (index 0) is transparent
    screen(gif, 40, 30);
    frameAt(gif, 10, 5);

    BufferedImage thumb = decode(thumbnailer.render(gif));

    assertThat(thumb.getWidth()).isEqualTo(40);
    assertThat(thumb.getHeight()).isEqualTo(30);
    assertThat(alpha(thumb, 20, 10)).isGreaterThan(240); // inside the frame: red, opaque
    assertThat(red(thumb, 20, 10)).isGreaterThan(200);
    assertThat(green(thumb, 20, 10)).isLessThan(60);
    assertThat(alpha(thumb, 3, 3)).isLessThan(16); // the screen around it: transparent
    assertThat(alpha(thumb, 36, 26)).isLessThan(16);
    assertThat(alpha(thumb, 20, 25)).isLessThan(16);
  }

  @Test
  void aGifWithoutATransparentIndexHasAnOpaqueBlackScreenAroundItsFrame() throws IOException {
    byte[] gif = gif(20, 10, 1, -1); // no frame has a transparent index: libvips reads it as RGB
    screen(gif, 40, 30);
    frameAt(gif, 10, 5);

    BufferedImage thumb = decode(thumbnailer.render(gif));

    assertThat(red(thumb, 20, 10)).isGreaterThan(200);
    for (int[] at : new int[][] {{3, 3}, {36, 26}, {20, 25}}) {
      assertThat(alpha(thumb, at[0], at[1])).isGreaterThan(240);
      assertThat(red(thumb, at[0], at[1]) + green(thumb, at[0], at[1])).isLessThan(30);
    }
  }

  @Test
  void keepsTheRowsDecodedBeforeTheFrameDataEnds() throws IOException {
    byte[] whole = gif(40, 30, WHITE, 0);
    assertThat(whole[descriptor(whole) + 9] & 0x40).as("ImageIO interlaces").isEqualTo(0x40);
    byte[] gif = cutFrameData(whole, 0.5); // the LZW data stops about halfway

    BufferedImage thumb = decode(thumbnailer.render(gif));

    // The first passes (rows 0, 8, 16, 24, then 4, 12...) were decoded: white, as stored.
    assertThat(alpha(thumb, 20, 8)).isGreaterThan(240);
    assertThat(red(thumb, 20, 8)).isGreaterThan(240);
    // The last pass (odd rows) was not: the screen there stays transparent.
    assertThat(alpha(thumb, 20, 27)).isLessThan(16);
  }

  @Test
  void placesTheRowsOfAnInterlacedFrame() throws IOException {
    byte[] gif = stripes(8, 32, true); // bands of 4 rows: green, white, green...
    BufferedImage thumb =
        decode(Thumbnailer.builder().size(8, 32).quality(100).build().render(gif));
    for (int y = 1; y < 31; y += 4) { // rows 1 and 2 of each band (away from WebP's chroma edges)
      int expectedRed = y / 4 % 2 == 0 ? 0 : 255;
      assertThat(red(thumb, 4, y)).as("row %d", y).isCloseTo(expectedRed, within(60));
      assertThat(green(thumb, 4, y)).as("row %d", y).isGreaterThan(200);
      assertThat(red(thumb, 4, y + 1)).as("row %d", y + 1).isCloseTo(expectedRed, within(60));
    }
  }

  @Test
  void ignoresATransparentIndexOutsideTheColourTable() throws IOException {
    byte[] gif = gif(40, 30, WHITE, 0);
    transparentIndex(gif, 9); // the table has 4 entries: no colour is transparent

    BufferedImage thumb = decode(thumbnailer.render(gif));

    assertThat(alpha(thumb, 20, 15)).isGreaterThan(240);
    assertThat(red(thumb, 20, 15)).isGreaterThan(240); // white stays white
    assertThat(blue(thumb, 20, 15)).isGreaterThan(240);
  }

  @Test
  void appliesATransparentIndexInsideTheColourTable() throws IOException {
    byte[] gif = gif(40, 30, WHITE, 0);
    transparentIndex(gif, WHITE);

    BufferedImage thumb = decode(thumbnailer.render(gif));

    assertThat(alpha(thumb, 20, 15)).isLessThan(16);
  }

  @Test
  void rendersAnEmptyFirstFrameAsTheBareScreen() throws IOException {
    byte[] gif = gif(40, 30, 1, -1);
    frameSize(gif, 0, 0);

    Thumbnail rendered = thumbnailer.render(gif);
    BufferedImage thumb = decode(rendered);

    assertThat(rendered.width()).isEqualTo(40);
    assertThat(rendered.height()).isEqualTo(30);
    for (int y = 0; y < 30; y += 7) {
      for (int x = 0; x < 40; x += 7) {
        // No transparent index anywhere: the screen is black, as libvips reads it (RGB).
        assertThat(alpha(thumb, x, y)).as("alpha at %d,%d", x, y).isGreaterThan(240);
        assertThat(red(thumb, x, y)).as("red at %d,%d", x, y).isLessThan(16);
      }
    }
  }

  /** A {@code w}×{@code h} GIF of palette index {@code fill} (black, red, green, white). */
  static byte[] gif(int w, int h, int fill, int transparent) throws IOException {
    byte[] r = {0, (byte) 255, 0, (byte) 255};
    byte[] g = {0, 0, (byte) 255, (byte) 255};
    byte[] b = {0, 0, 0, (byte) 255};
    IndexColorModel palette =
        transparent >= 0
            ? new IndexColorModel(2, 4, r, g, b, transparent)
            : new IndexColorModel(2, 4, r, g, b);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, palette);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, fill);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, "gif", out)).isTrue();
    return out.toByteArray();
  }

  /** A GIF whose image data sub-blocks end after {@code fraction} of their bytes. */
  static byte[] cutFrameData(byte[] gif, double fraction) {
    int p = descriptor(gif) + 10; // no local colour table in ImageIO's GIFs
    int start = p + 1; // after the LZW minimum code size
    int q = start;
    while ((gif[q] & 0xff) != 0) {
      q += (gif[q] & 0xff) + 1;
    }
    int total = q - start;
    int keep = Math.max(2, (int) (total * fraction));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(gif, 0, start);
    // The kept bytes re-blocked as one or more sub-blocks, then the terminator and the trailer.
    byte[] data = new byte[total];
    int n = 0;
    for (int b = start; (gif[b] & 0xff) != 0; b += (gif[b] & 0xff) + 1) {
      System.arraycopy(gif, b + 1, data, n, gif[b] & 0xff);
      n += gif[b] & 0xff;
    }
    int kept = Math.min(keep, n);
    for (int o = 0; o < kept; o += 255) {
      int len = Math.min(255, kept - o);
      out.write(len);
      out.write(data, o, len);
    }
    out.write(0);
    out.write(0x3b);
    return out.toByteArray();
  }

  /** A {@code w}×{@code h} GIF of 4-row bands of indices 2 and 3 (green, white). */
  static byte[] stripes(int w, int h, boolean interlaced) throws IOException {
    byte[] r = {0, (byte) 255, 0, (byte) 255};
    byte[] g = {0, 0, (byte) 255, (byte) 255};
    byte[] b = {0, 0, 0, (byte) 255};
    BufferedImage image =
        new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(2, 4, r, g, b));
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, 2 + y / 4 % 2);
      }
    }
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
    param.setProgressiveMode(
        interlaced
            ? javax.imageio.ImageWriteParam.MODE_DEFAULT
            : javax.imageio.ImageWriteParam.MODE_DISABLED);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new javax.imageio.IIOImage(image, null, null), param);
    }
    writer.dispose();
    byte[] gif = out.toByteArray();
    assertThat(gif[descriptor(gif) + 9] & 0x40).isEqualTo(interlaced ? 0x40 : 0);
    return gif;
  }

  static void screen(byte[] gif, int w, int h) {
    le16(gif, 6, w);
    le16(gif, 8, h);
  }

  static void frameAt(byte[] gif, int left, int top) {
    int p = descriptor(gif);
    le16(gif, p + 1, left);
    le16(gif, p + 3, top);
  }

  static void frameSize(byte[] gif, int w, int h) {
    int p = descriptor(gif);
    le16(gif, p + 5, w);
    le16(gif, p + 7, h);
  }

  static void transparentIndex(byte[] gif, int index) {
    int p = afterGlobalTable(gif);
    while ((gif[p] & 0xff) == 0x21) {
      if ((gif[p + 1] & 0xff) == 0xf9) {
        assertThat(gif[p + 3] & 1).as("the writer wrote a transparent index").isEqualTo(1);
        gif[p + 6] = (byte) index;
        return;
      }
      p = skipExtension(gif, p);
    }
    throw new AssertionError("no graphic control extension");
  }

  private static int descriptor(byte[] gif) {
    int p = afterGlobalTable(gif);
    while ((gif[p] & 0xff) == 0x21) {
      p = skipExtension(gif, p);
    }
    assertThat(gif[p] & 0xff).isEqualTo(0x2c);
    return p;
  }

  private static int afterGlobalTable(byte[] gif) {
    int packed = gif[10] & 0xff;
    return 13 + ((packed & 0x80) != 0 ? 3 * (2 << (packed & 7)) : 0);
  }

  private static int skipExtension(byte[] gif, int p) {
    p += 2;
    while ((gif[p] & 0xff) != 0) {
      p += (gif[p] & 0xff) + 1;
    }
    return p + 1;
  }

  private static void le16(byte[] b, int p, int v) {
    b[p] = (byte) v;
    b[p + 1] = (byte) (v >> 8);
  }

  static BufferedImage decode(Thumbnail thumb) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(thumb.webp()));
    assertThat(image).isNotNull();
    return image;
  }

  static int alpha(BufferedImage image, int x, int y) {
    return image.getRGB(x, y) >>> 24;
  }

  static int red(BufferedImage image, int x, int y) {
    return (image.getRGB(x, y) >> 16) & 0xff;
  }

  static int green(BufferedImage image, int x, int y) {
    return (image.getRGB(x, y) >> 8) & 0xff;
  }

  static int blue(BufferedImage image, int x, int y) {
    return image.getRGB(x, y) & 0xff;
  }
}
