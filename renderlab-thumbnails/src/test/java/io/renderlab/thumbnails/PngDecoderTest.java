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
  @ValueSource(
      ints = {
        BufferedImage.TYPE_INT_RGB,
        BufferedImage.TYPE_INT_ARGB,
        BufferedImage.TYPE_BYTE_GRAY,
        BufferedImage.TYPE_BYTE_INDEXED
      })
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
        int argb =
            (ours.alpha() ? (ours.data()[p + 3] & 0xff) << 24 : 0xff000000)
                | (ours.data()[p] & 0xff) << 16
                | (ours.data()[p + 1] & 0xff) << 8
                | (ours.data()[p + 2] & 0xff);
        // Java treats 8-bit grey as linear and brightens it in getRGB; PNG grey (and sharp) is
        // sRGB.
        int want =
            type == BufferedImage.TYPE_BYTE_GRAY
                ? 0xff000000 | expected.getRaster().getSample(x, y, 0) * 0x010101
                : expected.getRGB(x, y);
        assertThat(Integer.toHexString(argb))
            .as("pixel %d,%d", x, y)
            .isEqualTo(Integer.toHexString(want));
      }
    }
  }

  /**
   * Every filter type on 8-bit grey, RGB and RGBA rows (the decoder's fast unfilter paths), with
   * the compressed data cut into many small IDAT chunks and longer than the decoder's 512 KB
   * staging buffer, must give back exactly the pixels that were written.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4})
  void unfiltersEveryFilterTypeAcrossManySmallIdatChunks(int channels) {
    int w = 421;
    int h = channels == 1 ? 1300 : 433;
    int bpp = channels;
    int stride = w * bpp;
    Random random = new Random(7);
    byte[] pixels = new byte[stride * h];
    random.nextBytes(pixels);
    byte[] filtered = new byte[(stride + 1) * h];
    for (int y = 0; y < h; y++) {
      int filter = y == 0 ? 4 : (y * 7 + y / 5) % 5;
      filtered[y * (stride + 1)] = (byte) filter;
      for (int i = 0; i < stride; i++) {
        int x = pixels[y * stride + i] & 0xff;
        int a = i >= bpp ? pixels[y * stride + i - bpp] & 0xff : 0;
        int b = y > 0 ? pixels[(y - 1) * stride + i] & 0xff : 0;
        int c = y > 0 && i >= bpp ? pixels[(y - 1) * stride + i - bpp] & 0xff : 0;
        int pa = Math.abs(b - c);
        int pb = Math.abs(a - c);
        int pc = Math.abs(a + b - 2 * c);
        int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        int predicted =
            switch (filter) {
              case 1 -> a;
              case 2 -> b;
              case 3 -> (a + b) >>> 1;
              case 4 -> paeth;
              default -> 0;
            };
        filtered[y * (stride + 1) + 1 + i] = (byte) (x - predicted);
      }
    }
    byte[] single = png(w, h, 8, channels == 1 ? 0 : channels == 3 ? 2 : 6, filtered);
    // Re-cut the one IDAT into 1000-byte chunks.
    int idat = 8 + 25;
    int length = java.nio.ByteBuffer.wrap(single, idat, 4).getInt();
    java.io.ByteArrayOutputStream cut = new java.io.ByteArrayOutputStream();
    cut.write(single, 0, idat);
    for (int o = 0; o < length; o += 1000) {
      chunk(
          cut,
          "IDAT",
          Arrays.copyOfRange(single, idat + 8 + o, idat + 8 + Math.min(length, o + 1000)));
    }
    chunk(cut, "IEND", new byte[0]);
    byte[] file = cut.toByteArray();
    assertThat(length).isGreaterThan(512 * 1024);

    Interleaved ours = PngDecoder.decode(file, PngDecoder.header(file).orElseThrow());

    byte[] expected = pixels;
    if (channels == 1) { // grey comes out as RGB
      expected = new byte[pixels.length * 3];
      for (int i = 0; i < pixels.length; i++) {
        Arrays.fill(expected, i * 3, i * 3 + 3, pixels[i]);
      }
    }
    assertThat(ours.channels()).isEqualTo(Math.max(3, channels));
    assertThat(Arrays.mismatch(ours.data(), expected)).isEqualTo(-1);
  }

  /** A PNG made chunk by chunk, with right CRCs unless a test breaks them. */
  static byte[] png(
      int w, int h, int depth, int colourType, byte[] filteredRows, byte[]... chunksBeforeIdat) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    java.nio.ByteBuffer ihdr =
        java.nio.ByteBuffer.allocate(13)
            .putInt(w)
            .putInt(h)
            .put((byte) depth)
            .put((byte) colourType);
    chunk(out, "IHDR", ihdr.put((byte) 0).put((byte) 0).put((byte) 0).array());
    for (byte[] c : chunksBeforeIdat) {
      out.writeBytes(c);
    }
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(9);
    deflater.setInput(filteredRows);
    deflater.finish();
    byte[] z = new byte[filteredRows.length * 2 + 64];
    int n = deflater.deflate(z);
    chunk(out, "IDAT", Arrays.copyOf(z, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(chunkBytes(type, data));
  }

  static byte[] chunkBytes(String type, byte[] data) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + data.length).putInt(data.length);
    b.put(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(b.array(), 4, 4 + data.length);
    return b.putInt((int) crc.getValue()).array();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 8, 16})
  void greyTransparencyKeyWorksAtEveryBitDepth(int depth) {
    int max = (1 << depth) - 1;
    int key = depth == 1 ? 0 : max / 3;
    // Four pixels: white, white, key, key -> opaque white twice, then transparent twice.
    int[] samples = {max, max, key, key};
    byte[] row;
    if (depth == 16) {
      row = new byte[1 + 8];
      for (int i = 0; i < 4; i++) {
        row[1 + 2 * i] = (byte) (samples[i] >> 8);
        row[2 + 2 * i] = (byte) samples[i];
      }
    } else {
      row = new byte[1 + (4 * depth + 7) / 8];
      for (int i = 0; i < 4; i++) {
        int bit = i * depth;
        row[1 + bit / 8] |= (byte) (samples[i] << (8 - depth - bit % 8));
      }
    }
    byte[] file =
        png(4, 1, depth, 0, row, chunkBytes("tRNS", new byte[] {(byte) (key >> 8), (byte) key}));

    Interleaved ours = PngDecoder.decode(file, PngDecoder.header(file).orElseThrow());

    assertThat(ours.channels()).isEqualTo(4);
    byte[] d = ours.data();
    assertThat(
            new int[] {
              d[0] & 0xff, d[3] & 0xff, d[4] & 0xff, d[7] & 0xff, d[11] & 0xff, d[15] & 0xff
            })
        .containsExactly(255, 255, 255, 255, 0, 0);
  }

  @Test
  void aGreyKeyWiderThanTheBitDepthIsTakenModuloIt() {
    // A 1-bit grey PNG whose tRNS says 0x00ff (as PIL writes "white is transparent"): libspng, so
    // sharp, keeps the key's low bit, 1, and white turns transparent.
    byte[] row = {0, (byte) 0b1010_0000};
    byte[] file = png(4, 1, 1, 0, row, chunkBytes("tRNS", new byte[] {0, (byte) 0xff}));

    Interleaved ours = PngDecoder.decode(file, PngDecoder.header(file).orElseThrow());

    byte[] d = ours.data();
    assertThat(ours.channels()).isEqualTo(4);
    assertThat(new int[] {d[3] & 0xff, d[7] & 0xff, d[11] & 0xff, d[15] & 0xff})
        .containsExactly(0, 255, 0, 255);
  }

  @Test
  void refusesABadCrcOnACriticalChunkAndIgnoresAnAncillaryChunkWithOne() {
    byte[] good =
        png(
            2,
            2,
            8,
            2,
            new byte[14],
            chunkBytes(
                "tEXt", "Comment\0hello".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
    byte[] badIhdr = good.clone();
    badIhdr[29] ^= 1; // IHDR's CRC
    byte[] badText = good.clone();
    badText[33 + 8 + 13] ^= 1; // a byte of the tEXt data

    assertThatThrownBy(() -> PngDecoder.decode(badIhdr, PngDecoder.header(badIhdr).orElseThrow()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IHDR has a bad CRC");
    assertThat(PngDecoder.decode(badText, PngDecoder.header(badText).orElseThrow()).width())
        .isEqualTo(2);
    assertThat(PngDecoder.decode(good, PngDecoder.header(good).orElseThrow()).width()).isEqualTo(2);
  }

  @Test
  void refusesAHeaderBombBeforeAllocatingForIt() {
    // ~70 bytes whose header claims 16000x16000 RGBA (1 GB decoded): refused from the data's size.
    byte[] bomb = png(16000, 16000, 8, 6, new byte[] {0, 1, 2, 3, 4});
    assertThat(bomb.length).isLessThan(80);
    long before = allocatedBytes();

    assertThatThrownBy(() -> PngDecoder.decode(bomb, PngDecoder.header(bomb).orElseThrow()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decompression bomb");
    assertThat(allocatedBytes() - before).isLessThan(16L << 20);
  }

  static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean)
            java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void decodesEveryValidPngSuiteImageAsImageIoDoesAndRefusesTheCorruptOnes() throws Exception {
    for (String name : TestImages.pngSuite()) {
      byte[] file = TestImages.resource("pngsuite/" + name);
      if (name.startsWith("x")) {
        assertThatThrownBy(
                () ->
                    PngDecoder.decode(
                        file,
                        PngDecoder.header(file)
                            .filter(PngDecoder.Header::supported)
                            .orElseThrow(() -> new IllegalArgumentException("bad header"))))
            .as(name)
            .isInstanceOf(IllegalArgumentException.class);
        continue;
      }
      PngDecoder.Header header = PngDecoder.header(file).orElseThrow();
      Interleaved ours = PngDecoder.decode(file, header);
      BufferedImage expected = TestImages.decode(file);
      boolean greyKey =
          header.colourType() == 0 && ours.alpha(); // ImageIO drops grey tRNS below 16 bits
      for (int y = 0; y < ours.height(); y++) {
        for (int x = 0; x < ours.width(); x++) {
          int p = (y * ours.width() + x) * ours.channels();
          int a = ours.alpha() ? ours.data()[p + 3] & 0xff : 255;
          int[] want = new int[4];
          expected.getRaster().getPixel(x, y, new int[expected.getRaster().getNumBands()]);
          int[] px = expected.getRaster().getPixel(x, y, (int[]) null);
          int bits = expected.getColorModel().getComponentSize(0);
          boolean greyImage =
              expected.getColorModel().getColorSpace().getType()
                  == java.awt.color.ColorSpace.TYPE_GRAY;
          if (expected.getColorModel() instanceof java.awt.image.IndexColorModel) {
            int rgb = expected.getRGB(x, y);
            want = new int[] {rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff, rgb >>> 24};
          } else if (greyImage) {
            int v = bits == 16 ? px[0] >> 8 : px[0] * 255 / ((1 << bits) - 1);
            want = new int[] {v, v, v, px.length > 1 ? (bits == 16 ? px[1] >> 8 : px[1]) : 255};
          } else {
            int shift = bits == 16 ? 8 : 0;
            want =
                new int[] {
                  px[0] >> shift,
                  px[1] >> shift,
                  px[2] >> shift,
                  px.length > 3 ? px[3] >> shift : 255
                };
          }
          int[] got = {
            ours.data()[p] & 0xff, ours.data()[p + 1] & 0xff, ours.data()[p + 2] & 0xff, a
          };
          if (greyKey || (header.colourType() == 2 && ours.alpha() && want[3] == 255)) {
            want[3] = got[3]; // tRNS keys ImageIO does not apply; checked by their own test
          }
          assertThat(got).as("%s pixel %d,%d", name, x, y).containsExactly(want);
        }
      }
    }
  }

  @Test
  void refusesTruncatedData() {
    byte[] png = TestImages.encode(busy(64, 64, BufferedImage.TYPE_INT_RGB), "png");
    byte[] truncated = Arrays.copyOf(png, png.length / 2);

    assertThatThrownBy(
            () -> PngDecoder.decode(truncated, PngDecoder.header(truncated).orElseThrow()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
  }

  /** The same PNG with its IDAT data re-cut: first {@code firstCut} bytes, then the rest. */
  static byte[] recut(byte[] single, int firstCut, java.util.function.UnaryOperator<byte[]> edit) {
    int idat = 8 + 25;
    int length = java.nio.ByteBuffer.wrap(single, idat, 4).getInt();
    byte[] data = edit.apply(Arrays.copyOfRange(single, idat + 8, idat + 8 + length));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(single, 0, idat);
    chunk(out, "IDAT", Arrays.copyOf(data, firstCut));
    chunk(out, "IDAT", Arrays.copyOfRange(data, firstCut, data.length));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  @Test
  void readsAZlibHeaderSplitAcrossChunksAndRefusesABadOne() {
    byte[] png = TestImages.encode(busy(64, 48, BufferedImage.TYPE_INT_RGB), "png");
    byte[] expected = PngDecoder.decode(png, PngDecoder.header(png).orElseThrow()).data();
    for (int cut : new int[] {0, 1, 2, 3}) {
      byte[] split = recut(png, cut, d -> d);
      assertThat(PngDecoder.decode(split, PngDecoder.header(split).orElseThrow()).data())
          .as("zlib header cut after %d bytes", cut)
          .isEqualTo(expected);
    }
    // Compression method 7 instead of deflate (8), with a valid check value.
    byte[] badMethod = recut(png, 1, d -> withHeader(d, 0x77));
    assertThatThrownBy(() -> PngDecoder.decode(badMethod, PngDecoder.header(badMethod).get()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zlib");
    // FDICT set: the stream would need a preset dictionary PNG never has.
    byte[] dictionary = recut(png, 2, d -> withHeader(d, 0x78, 0x20));
    assertThatThrownBy(() -> PngDecoder.decode(dictionary, PngDecoder.header(dictionary).get()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dictionary");
  }

  /** The zlib data with its header replaced by {@code cmf} and flags whose check value fits. */
  private static byte[] withHeader(byte[] zlib, int cmf, int... flagBits) {
    int flg = flagBits.length > 0 ? flagBits[0] : 0;
    flg += 31 - ((cmf << 8) | flg) % 31;
    byte[] copy = zlib.clone();
    copy[0] = (byte) cmf;
    copy[1] = (byte) flg;
    return copy;
  }
}
