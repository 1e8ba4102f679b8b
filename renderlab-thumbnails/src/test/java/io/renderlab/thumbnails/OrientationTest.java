package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Orientation from every place an image carries it (a PNG's eXIf chunk, a WebP's EXIF chunk, a
 * TIFF's Orientation tag, a JPEG's APP1), applied as sharp's {@code .rotate()} applies it: a 40×20
 * image of four coloured quadrants, for each of the 8 orientations, must come out with each
 * quadrant where the EXIF definition of that orientation puts it.
 */
class OrientationTest {
  private static final int W = 40;
  private static final int H = 20;
  private static final int[] QUADRANTS = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff}; // TL TR BL BR

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void pngExifChunk(int orientation) throws IOException {
    assertOriented(withPngExif(TestImages.encode(quadrants(), "png"), orientation), orientation);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void webpExifChunk(int orientation) throws IOException {
    assertOriented(withWebpExif(losslessWebp(quadrants()), orientation), orientation);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void tiffOrientationTag(int orientation) throws IOException {
    assertOriented(tiff(quadrants(), orientation), orientation);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 6, 8})
  void jpegExifSegmentStillApplies(int orientation) throws IOException {
    assertOriented(TestImages.jpegWithOrientation(quadrants(), orientation), orientation);
  }

  /** Renders at exactly the oriented size (no crop) and checks each output quadrant's colour. */
  private static void assertOriented(byte[] image, int orientation) throws IOException {
    boolean transposed = orientation >= 5;
    int ow = transposed ? H : W;
    int oh = transposed ? W : H;
    Thumbnail thumb = Thumbnailer.builder().size(ow, oh).quality(100).build().render(image);
    assertThat(thumb.width()).isEqualTo(ow);
    assertThat(thumb.height()).isEqualTo(oh);
    BufferedImage out = GifFirstFrameTest.decode(thumb);
    for (int qy = 0; qy < 2; qy++) {
      for (int qx = 0; qx < 2; qx++) {
        int x = ow / 4 + qx * ow / 2;
        int y = oh / 4 + qy * oh / 2;
        int[] stored = storedPixel(orientation, x, y, W, H);
        int expected = QUADRANTS[(stored[1] < H / 2 ? 0 : 2) + (stored[0] < W / 2 ? 0 : 1)];
        int actual = out.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          assertThat(Math.abs(((actual >> shift) & 0xff) - ((expected >> shift) & 0xff)))
              .as(
                  "orientation %d, output (%d,%d): %06x for %06x",
                  orientation, x, y, actual, expected)
              .isLessThan(48);
        }
      }
    }
  }

  /** The stored pixel that EXIF orientation {@code o} shows at output ({@code x}, {@code y}). */
  static int[] storedPixel(int o, int x, int y, int w, int h) {
    return switch (o) {
      case 2 -> new int[] {w - 1 - x, y};
      case 3 -> new int[] {w - 1 - x, h - 1 - y};
      case 4 -> new int[] {x, h - 1 - y};
      case 5 -> new int[] {y, x};
      case 6 -> new int[] {y, h - 1 - x};
      case 7 -> new int[] {w - 1 - y, h - 1 - x};
      case 8 -> new int[] {w - 1 - y, x};
      default -> new int[] {x, y};
    };
  }

  static BufferedImage quadrants() {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        image.setRGB(x, y, QUADRANTS[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)]);
      }
    }
    return image;
  }

  /** A big-endian TIFF structure holding only IFD0's Orientation, as EXIF chunks carry it. */
  static byte[] exif(int orientation) {
    ByteBuffer b = ByteBuffer.allocate(26).order(ByteOrder.BIG_ENDIAN);
    b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
    b.putShort((short) 1); // one entry
    b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation);
    b.putShort((short) 0);
    b.putInt(0); // no next IFD
    return b.array();
  }

  /** The PNG with an eXIf chunk inserted after IHDR. */
  static byte[] withPngExif(byte[] png, int orientation) {
    byte[] data = exif(orientation);
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
    chunk.putInt(data.length).put(new byte[] {'e', 'X', 'I', 'f'}).put(data);
    CRC32 crc = new CRC32();
    crc.update(chunk.array(), 4, 4 + data.length);
    chunk.putInt((int) crc.getValue());
    int afterIhdr = 8 + 8 + 13 + 4;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, afterIhdr);
    out.writeBytes(chunk.array());
    out.write(png, afterIhdr, png.length - afterIhdr);
    return out.toByteArray();
  }

  static byte[] losslessWebp(BufferedImage image) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByMIMEType("image/webp").next();
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType("Lossless");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        writer.write(null, new IIOImage(image, null, null), param);
      }
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }

  /** A simple-format WebP rewritten as the extended format (VP8X) with an EXIF chunk. */
  static byte[] withWebpExif(byte[] webp, int orientation) {
    assertThat(new String(webp, 12, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isIn("VP8L", "VP8 ");
    byte[] image = java.util.Arrays.copyOfRange(webp, 12, webp.length);
    byte[] data = exif(orientation);
    ByteBuffer b =
        ByteBuffer.allocate(12 + 18 + image.length + 8 + data.length + (data.length & 1))
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'R', 'I', 'F', 'F'}).putInt(b.capacity() - 8);
    b.put(new byte[] {'W', 'E', 'B', 'P'});
    b.put(new byte[] {'V', 'P', '8', 'X'}).putInt(10);
    b.put((byte) 0x08).put(new byte[3]); // EXIF present
    b.put((byte) (W - 1)).put((byte) 0).put((byte) 0);
    b.put((byte) (H - 1)).put((byte) 0).put((byte) 0);
    b.put(image);
    b.put(new byte[] {'E', 'X', 'I', 'F'}).putInt(data.length).put(data);
    return b.array();
  }

  static byte[] tiff(BufferedImage image, int orientation) throws IOException {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("tiff");
    ImageWriter writer = writers.next();
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      IIOMetadata metadata =
          writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
      TIFFDirectory directory = TIFFDirectory.createFromMetadata(metadata);
      directory.addTIFFField(
          new TIFFField(
              BaselineTIFFTagSet.getInstance().getTag(BaselineTIFFTagSet.TAG_ORIENTATION),
              orientation));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        writer.write(null, new IIOImage(image, null, directory.getAsMetadata()), param);
      }
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }
}
