package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TIFF kinds that ImageIO reads wrong or not at all, and the refusal for formats we do not read:
 * each decodes right or is refused with a typed error that says what it is; never garbage. The
 * TIFFs are written byte by byte here (big-endian, one uncompressed strip).
 */
class TiffKindsTest {
  private static final String FORMATS = "PNG, JPEG, WebP, GIF, BMP and TIFF";
  private final Thumbnailer thumbnailer = Thumbnailer.builder().size(8, 8).quality(100).build();

  @Test
  void readsBigTiffAsItsClassicTwin() {
    byte[] pixels = new byte[8 * 8 * 3];
    for (int i = 0; i < 64; i++) {
      pixels[3 * i] = (byte) (i * 4); // a red ramp, green and blue by quadrant
      pixels[3 * i + 1] = (byte) ((i % 8) < 4 ? 200 : 20);
      pixels[3 * i + 2] = (byte) (i < 32 ? 30 : 220);
    }
    Tiff classic = new Tiff(8, 8, 3);
    classic.shorts(258, 8, 8, 8).shorts(262, 2);
    Tiff big = new Tiff(8, 8, 3);
    big.shorts(258, 8, 8, 8).shorts(262, 2);

    byte[] bigTiff = big.writeBig(pixels);
    assertThat(bigTiff[2]).as("a BigTIFF header").isEqualTo((byte) 43);

    assertThat(thumbnailer.render(bigTiff).webp())
        .isEqualTo(thumbnailer.render(classic.write(pixels)).webp());
  }

  @Test
  void refusesADamagedBigTiffNamingIt() {
    byte[] bigTiff = new byte[64];
    bigTiff[0] = 'I';
    bigTiff[1] = 'I';
    bigTiff[2] = 43;
    bigTiff[4] = 8;
    bigTiff[8] = 16; // a directory of 0 entries

    assertThatThrownBy(() -> thumbnailer.render(bigTiff))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("BigTIFF")
        .hasMessageContaining("damaged");
  }

  @Test
  void refusesAvifAndHeicWithoutLibheifSayingWhatToInstall() {
    System.setProperty(HeifRenderer.BINARY_PROPERTY, "/nonexistent/heif-dec");
    try {
      assertAvifAndHeicRefused();
    } finally {
      System.clearProperty(HeifRenderer.BINARY_PROPERTY);
    }
  }

  private void assertAvifAndHeicRefused() {
    for (String brand : new String[] {"avif", "heic"}) {
      byte[] iso = new byte[64];
      System.arraycopy(new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p'}, 0, iso, 0, 8);
      System.arraycopy(brand.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, iso, 8, 4);

      assertThatThrownBy(() -> thumbnailer.render(iso))
          .isInstanceOf(UnsupportedImageException.class)
          .hasMessageContaining(brand.toUpperCase(java.util.Locale.ROOT) + " image")
          .hasMessageContaining("AVIF and HEIC are not read")
          .hasMessageContaining("apt-get install libheif-examples")
          .hasMessageContaining(FORMATS);
    }
  }

  @Test
  void refusesOtherBytesListingEveryFormatRead() {
    assertThatThrownBy(() -> thumbnailer.render(new byte[64]))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining(FORMATS)
        .hasMessageContaining("AVIF and HEIC are not read");
  }

  @Test
  void readsAPaletteTiffWithAlphaThroughItsColourMap() throws java.io.IOException {
    Tiff tiff = new Tiff(8, 8, 2);
    tiff.shorts(258, 8, 8).shorts(262, 3).shorts(338, 2);
    short[] colourMap = new short[3 * 256];
    colourMap[1] = (short) 0xffff; // index 1: red
    colourMap[2 * 256 + 2] = (short) 0xffff; // index 2: blue
    tiff.shorts(320, colourMap);
    byte[] pixels = new byte[8 * 8 * 2];
    for (int i = 0; i < 64; i++) {
      boolean left = i % 8 < 4;
      pixels[2 * i] = (byte) (left ? 1 : 2);
      pixels[2 * i + 1] = (byte) (i < 32 ? 255 : 0); // top half opaque, bottom transparent
    }

    BufferedImage thumb = GifFirstFrameTest.decode(thumbnailer.render(tiff.write(pixels)));

    int red = thumb.getRGB(1, 1);
    int blue = thumb.getRGB(6, 1);
    assertThat(red >>> 24).as("alpha top").isGreaterThan(240);
    assertThat((red >> 16) & 0xff).as("red of %08x", red).isGreaterThan(200);
    assertThat(red & 0xff).as("blue of %08x", red).isLessThan(60);
    assertThat(blue & 0xff).as("blue of %08x", blue).isGreaterThan(200);
    assertThat((blue >> 16) & 0xff).as("red of %08x", blue).isLessThan(60);
    assertThat(thumb.getRGB(1, 6) >>> 24).as("alpha bottom").isLessThan(16);
  }

  @Test
  void readsAWebpCompressedTiff() throws java.io.IOException {
    BufferedImage source = TestImages.bands(16, 8); // red, green, blue bands
    byte[] webp = TestImages.encode(source, "webp");
    Tiff tiff = new Tiff(16, 8, 3);
    tiff.shorts(258, 8, 8, 8).shorts(262, 2).compression(50001);

    BufferedImage thumb =
        GifFirstFrameTest.decode(
            Thumbnailer.builder().size(16, 8).quality(100).build().render(tiff.write(webp)));

    assertThat((thumb.getRGB(1, 4) >> 16) & 0xff).as("red band").isGreaterThan(200);
    assertThat((thumb.getRGB(8, 4) >> 8) & 0xff).as("green band").isGreaterThan(200);
    assertThat(thumb.getRGB(14, 4) & 0xff).as("blue band").isGreaterThan(200);
  }

  @Test
  void readsSigned8BitGreyAsSignedClippedAtBlack() throws java.io.IOException {
    Tiff tiff = new Tiff(8, 8, 1);
    tiff.shorts(258, 8).shorts(262, 1).shorts(339, 2);
    byte[] pixels = new byte[64];
    for (int i = 0; i < 64; i++) {
      pixels[i] = (byte) (i % 8 < 4 ? -100 : 100); // left: below black; right: grey 100
    }

    BufferedImage thumb = GifFirstFrameTest.decode(thumbnailer.render(tiff.write(pixels)));

    assertThat(thumb.getRGB(1, 4) & 0xff).as("-100").isLessThan(12);
    assertThat(thumb.getRGB(6, 4) & 0xff).as("100").isBetween(90, 110);
  }

  @Test
  void readsFloatRgbAsLinearLight() throws java.io.IOException {
    Tiff tiff = new Tiff(8, 8, 3);
    tiff.shorts(258, 32, 32, 32).shorts(262, 2).shorts(339, 3, 3, 3);
    ByteBuffer pixels = ByteBuffer.allocate(8 * 8 * 3 * 4);
    for (int i = 0; i < 64; i++) {
      pixels.putFloat(0.214f).putFloat(0.214f).putFloat(0.214f); // linear 0.214 is sRGB 128
    }

    BufferedImage thumb = GifFirstFrameTest.decode(thumbnailer.render(tiff.write(pixels.array())));

    int rgb = thumb.getRGB(4, 4);
    assertThat((rgb >> 8) & 0xff).as("green of %06x", rgb).isBetween(122, 134);
  }

  @Test
  void rendersNegativeFloatSamplesAsBlackNotWrapped() throws java.io.IOException {
    Tiff tiff = new Tiff(8, 8, 3);
    tiff.shorts(258, 32, 32, 32).shorts(262, 2).shorts(339, 3, 3, 3);
    ByteBuffer pixels = ByteBuffer.allocate(8 * 8 * 3 * 4);
    for (int i = 0; i < 64; i++) {
      pixels.putFloat(-0.75f).putFloat(-0.75f).putFloat(-0.75f);
    }

    BufferedImage thumb = GifFirstFrameTest.decode(thumbnailer.render(tiff.write(pixels.array())));

    int rgb = thumb.getRGB(4, 4);
    assertThat((rgb >> 16) & 0xff).as("red of %06x", rgb).isLessThan(24);
    assertThat((rgb >> 8) & 0xff).as("green of %06x", rgb).isLessThan(24);
    assertThat(rgb & 0xff).as("blue of %06x", rgb).isLessThan(24);
  }

  @Test
  void renders16BitCmykAsIts8BitEquivalent() throws java.io.IOException {
    int[] inks = {30, 200, 90, 10}; // C M Y K, 0-255
    byte[] eight = new byte[8 * 8 * 4];
    ByteBuffer sixteen = ByteBuffer.allocate(8 * 8 * 8);
    for (int i = 0; i < 64; i++) {
      for (int c = 0; c < 4; c++) {
        eight[4 * i + c] = (byte) inks[c];
        sixteen.putShort((short) (inks[c] * 257));
      }
    }
    Tiff tiff8 = new Tiff(8, 8, 4);
    tiff8.shorts(258, 8, 8, 8, 8).shorts(262, 5);
    Tiff tiff16 = new Tiff(8, 8, 4);
    tiff16.shorts(258, 16, 16, 16, 16).shorts(262, 5);

    int expected = GifFirstFrameTest.decode(thumbnailer.render(tiff8.write(eight))).getRGB(4, 4);
    int actual =
        GifFirstFrameTest.decode(thumbnailer.render(tiff16.write(sixteen.array()))).getRGB(4, 4);

    for (int shift = 0; shift <= 16; shift += 8) {
      assertThat(Math.abs(((actual >> shift) & 0xff) - ((expected >> shift) & 0xff)))
          .as("16-bit %06x against 8-bit %06x", actual, expected)
          .isLessThanOrEqualTo(3);
    }
  }

  /** A big-endian TIFF of one uncompressed strip, its tags written in order. */
  static final class Tiff {
    private final List<Object[]> entries = new ArrayList<>();
    private final int width;
    private final int height;
    private final int samples;

    private int compression = 1;

    Tiff compression(int compression) {
      this.compression = compression;
      return this;
    }

    Tiff(int width, int height, int samples) {
      this.width = width;
      this.height = height;
      this.samples = samples;
    }

    Tiff shorts(int tag, int... values) {
      short[] s = new short[values.length];
      for (int i = 0; i < values.length; i++) {
        s[i] = (short) values[i];
      }
      return shorts(tag, s);
    }

    Tiff shorts(int tag, short[] values) {
      entries.add(new Object[] {tag, values});
      return this;
    }

    /** An UNDEFINED entry (an ICC profile, say); classic TIFF ({@link #write}) only. */
    Tiff bytes(int tag, byte[] values) {
      entries.add(new Object[] {tag, values});
      return this;
    }

    /** The same image as a BigTIFF (little-endian, 8-byte counts and offsets, LONG8 strips). */
    byte[] writeBig(byte[] pixels) {
      List<Object[]> all = new ArrayList<>(entries);
      all.add(new Object[] {256, new short[] {(short) width}});
      all.add(new Object[] {257, new short[] {(short) height}});
      all.add(new Object[] {259, new short[] {1}});
      all.add(new Object[] {277, new short[] {(short) samples}});
      all.add(new Object[] {278, new short[] {(short) height}});
      all.add(new Object[] {273, null});
      all.add(new Object[] {279, null});
      all.sort((a, b) -> Integer.compare((int) a[0], (int) b[0]));
      int ifdEnd = 16 + 8 + 20 * all.size() + 8;
      int extraSize = 0;
      for (Object[] e : all) {
        if (e[1] instanceof short[] s && s.length > 4) {
          extraSize += 2 * s.length;
        }
      }
      ByteBuffer out =
          ByteBuffer.allocate(ifdEnd + extraSize + pixels.length)
              .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      out.put(new byte[] {'I', 'I', 43, 0, 8, 0, 0, 0}).putLong(16).putLong(all.size());
      int extraAt = ifdEnd;
      for (Object[] e : all) {
        int tag = (int) e[0];
        out.putShort((short) tag);
        if (e[1] == null) {
          out.putShort((short) 16)
              .putLong(1)
              .putLong(tag == 273 ? ifdEnd + extraSize : pixels.length);
          continue;
        }
        short[] s = (short[]) e[1];
        out.putShort((short) 3).putLong(s.length);
        if (s.length <= 4) {
          for (int k = 0; k < 4; k++) {
            out.putShort(k < s.length ? s[k] : 0);
          }
        } else {
          out.putLong(extraAt);
          int at = out.position();
          out.position(extraAt);
          for (short v : s) {
            out.putShort(v);
          }
          extraAt = out.position();
          out.position(at);
        }
      }
      out.putLong(0);
      out.position(ifdEnd + extraSize);
      out.put(pixels);
      return out.array();
    }

    byte[] write(byte[] pixels) {
      shorts(256, width).shorts(257, height).shorts(259, compression).shorts(277, samples);
      shorts(278, height);
      entries.sort((a, b) -> Integer.compare((int) a[0], (int) b[0]));
      int count = entries.size() + 2; // plus StripOffsets (273) and StripByteCounts (279)
      int ifdEnd = 8 + 2 + 12 * count + 4;
      ByteArrayOutputStream extra = new ByteArrayOutputStream();
      ByteBuffer ifd = ByteBuffer.allocate(ifdEnd - 8);
      ifd.putShort((short) count);
      List<Object[]> all = new ArrayList<>(entries);
      all.add(new Object[] {273, null});
      all.add(new Object[] {279, null});
      all.sort((a, b) -> Integer.compare((int) a[0], (int) b[0]));
      int[] extraSize = {0};
      for (Object[] e : all) {
        if (e[1] instanceof short[] s && s.length > 2) {
          extraSize[0] += 2 * s.length;
        }
        if (e[1] instanceof byte[] b && b.length > 4) {
          extraSize[0] += b.length;
        }
      }
      int pixelsAt = ifdEnd + extraSize[0];
      for (Object[] e : all) {
        int tag = (int) e[0];
        ifd.putShort((short) tag);
        if (e[1] == null) {
          ifd.putShort((short) 4).putInt(1).putInt(tag == 273 ? pixelsAt : pixels.length);
          continue;
        }
        if (e[1] instanceof byte[] b) {
          ifd.putShort((short) 7).putInt(b.length);
          if (b.length <= 4) {
            ifd.put(Arrays.copyOf(b, 4));
          } else {
            ifd.putInt(ifdEnd + extra.size());
            extra.writeBytes(b);
          }
          continue;
        }
        short[] s = (short[]) e[1];
        ifd.putShort((short) 3).putInt(s.length);
        if (s.length <= 2) {
          ifd.putShort(s[0]).putShort(s.length > 1 ? s[1] : 0);
        } else {
          ifd.putInt(ifdEnd + extra.size());
          for (short v : s) {
            extra.write(v >> 8);
            extra.write(v);
          }
        }
      }
      ifd.putInt(0);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8});
      out.writeBytes(ifd.array());
      out.writeBytes(extra.toByteArray());
      out.writeBytes(pixels);
      return out.toByteArray();
    }
  }
}
