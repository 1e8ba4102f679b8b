package io.renderlab.thumbnails;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Small images made by the tests themselves. */
final class TestImages {
  private TestImages() {}

  static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static BufferedImage decode(byte[] bytes) {
    try {
      return ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Three vertical bands: red, green (the middle half), blue. */
  static BufferedImage bands(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, w / 4, h);
    g.setColor(Color.GREEN);
    g.fillRect(w / 4, 0, w / 2, h);
    g.setColor(Color.BLUE);
    g.fillRect(3 * w / 4, 0, w - 3 * w / 4, h);
    g.dispose();
    return img;
  }

  /** Grey with a red square in the top-left corner. */
  static BufferedImage markedCorner(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.GRAY);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.RED);
    g.fillRect(0, 0, w / 4, h / 4);
    g.dispose();
    return img;
  }

  /** A JPEG with an EXIF APP1 segment carrying {@code orientation}. */
  static byte[] jpegWithOrientation(BufferedImage image, int orientation) {
    byte[] jpeg = encode(image, "jpg");
    byte[] tiff = {
      'M',
      'M',
      0,
      42,
      0,
      0,
      0,
      8, // big-endian header, IFD at 8
      0,
      1, // one entry
      0x01,
      0x12,
      0,
      3,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, 1
      0,
      0,
      0,
      0 // no next IFD
    };
    int length = 2 + 6 + tiff.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2); // SOI
    out.write(0xff);
    out.write(0xe1);
    out.write(length >> 8);
    out.write(length & 0xff);
    out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(tiff);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** The JPEG with its frame header (SOF0) rewritten to claim {@code w}×{@code h}. */
  static byte[] withJpegSize(byte[] jpeg, int w, int h) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 9 < out.length; i++) {
      if ((out[i] & 0xff) == 0xff && (out[i + 1] & 0xff) == 0xc0) {
        out[i + 5] = (byte) (h >> 8);
        out[i + 6] = (byte) h;
        out[i + 7] = (byte) (w >> 8);
        out[i + 8] = (byte) w;
        return out;
      }
    }
    throw new IllegalStateException("no SOF0 marker");
  }

  /**
   * A PNG whose header claims {@code w}×{@code h} but whose data is a tiny, valid-looking start.
   */
  static byte[] pngBomb(int w, int h) {
    byte[] real = encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "png");
    // IHDR width/height live at bytes 16..23; the CRC will be wrong, but the size is read first.
    real[16] = (byte) (w >>> 24);
    real[17] = (byte) (w >>> 16);
    real[18] = (byte) (w >>> 8);
    real[19] = (byte) w;
    real[20] = (byte) (h >>> 24);
    real[21] = (byte) (h >>> 16);
    real[22] = (byte) (h >>> 8);
    real[23] = (byte) h;
    java.util.zip.CRC32 crc =
        new java.util.zip.CRC32(); // a right CRC: the data, not the checksum, gives it away
    crc.update(real, 12, 17);
    java.nio.ByteBuffer.wrap(real).putInt(29, (int) crc.getValue());
    return real;
  }

  /**
   * The PngSuite files committed under pngsuite/ (Willem van Schaik's, free to use; see its
   * LICENSE).
   */
  static java.util.List<String> pngSuite() {
    try (java.io.InputStream in = TestImages.class.getResourceAsStream("pngsuite/INDEX")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
          .lines()
          .filter(l -> !l.isBlank())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] resource(String name) {
    try (java.io.InputStream in = TestImages.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
