package io.renderlab.thumbnails;

import com.luciad.imageio.webp.WebPWriteParam;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Small files made to cost a decoder memory or time out of all proportion to their size, as the red
 * team's payloads did (issue 22): each is made here, in a few milliseconds, from the committed test
 * images or from scratch. Every one claims at most {@link Thumbnailer#DEFAULT_MAX_PIXELS}.
 */
final class HostileImages {
  private HostileImages() {}

  /** The largest side WebP and JPEG allow, the red team's favourite. */
  static final int SIDE = 16383;

  /** Every memory bomb, by name: each must end in a thumbnail or a typed refusal, never an OOM. */
  static Map<String, byte[]> all() {
    Map<String, byte[]> bombs = new LinkedHashMap<>();
    bombs.put("animated WebP, 1×1 frame on a 16383² canvas", animatedWebp(SIDE, SIDE));
    bombs.put("lossless WebP claiming 16383²", losslessWebpClaiming(SIDE, SIDE));
    bombs.put("8-bit grey interlaced PNG, 16383²", interlacedGreyPng(SIDE, SIDE));
    bombs.put("RGB PNG, 89000000×3 rows", widePng(89_000_000, 3));
    bombs.put("BMP claiming 16383²", bmp(SIDE, SIDE));
    bombs.put("GIF claiming 16383²", gif(SIDE, SIDE));
    bombs.put("TIFF claiming 16383²", tiff(SIDE, SIDE));
    bombs.put("arithmetic progressive JPEG claiming 16383²", arithmeticJpegClaiming(SIDE, SIDE));
    bombs.put(
        "lossless JPEG, 6000² RGB a scan per component, 13.5 MB", losslessJpeg(6000, 6000, 3));
    bombs.put("Huffman progressive JPEG, 1000 scans", manyScans(1000));
    bombs.put(
        "arithmetic progressive JPEG, 4000², 1000 scans", emptyArithmeticScans(4000, 4000, 1000));
    return bombs;
  }

  // ------------------------------------------------------------------ WebP

  /** A still lossless WebP of one pixel, as libwebp writes it. */
  static byte[] tinyLosslessWebp() {
    return losslessWebp(new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB));
  }

  /** A still lossless WebP of {@code image}, as libwebp writes it. */
  static byte[] losslessWebp(BufferedImage image) {
    byte[] webp;
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByMIMEType("image/webp").next();
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      WebPWriteParam param = new WebPWriteParam(Locale.ROOT);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType(param.getCompressionTypes()[WebPWriteParam.LOSSLESS_COMPRESSION]);
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
      out.flush();
      webp = bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    if (!new String(webp, 12, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("VP8L")) {
      throw new IllegalStateException("expected a simple-format VP8L file");
    }
    return webp;
  }

  /** An animation whose first frame is one lossless pixel at (0, 0) of a {@code w×h} canvas. */
  static byte[] animatedWebp(int w, int h) {
    return animatedWebp(w, h, new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB), 0, 0);
  }

  /** An animation whose first frame is {@code frame} at ({@code x}, {@code y}), both even. */
  static byte[] animatedWebp(int w, int h, BufferedImage frame, int x, int y) {
    byte[] still = losslessWebp(frame);
    byte[] vp8l = java.util.Arrays.copyOfRange(still, 12, still.length); // the VP8L chunk
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(ascii("WEBP"));
    body.writeBytes(ascii("VP8X"));
    body.writeBytes(le32(10));
    body.writeBytes(new byte[] {0x12, 0, 0, 0}); // animation + alpha
    body.writeBytes(le24(w - 1));
    body.writeBytes(le24(h - 1));
    body.writeBytes(ascii("ANIM"));
    body.writeBytes(le32(6));
    body.writeBytes(new byte[] {0, 0, 0, 0, 0, 0}); // background, loop count
    body.writeBytes(ascii("ANMF"));
    body.writeBytes(le32(16 + vp8l.length));
    body.writeBytes(le24(x / 2));
    body.writeBytes(le24(y / 2));
    body.writeBytes(le24(frame.getWidth() - 1));
    body.writeBytes(le24(frame.getHeight() - 1));
    body.writeBytes(le24(100)); // duration
    body.write(0); // flags
    body.writeBytes(vp8l);
    return riff(body.toByteArray());
  }

  /** A lossless WebP whose VP8L header claims {@code w×h} over a one-pixel bitstream. */
  static byte[] losslessWebpClaiming(int w, int h) {
    byte[] webp = tinyLosslessWebp();
    // VP8L header at 20: signature 0x2f, then 14 bits width - 1, 14 bits height - 1, alpha,
    // version.
    int bits = ByteBuffer.wrap(webp, 21, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    bits = (bits & ~((1 << 28) - 1)) | (w - 1) | ((h - 1) << 14);
    ByteBuffer.wrap(webp, 21, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(bits);
    return webp;
  }

  private static byte[] riff(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii("RIFF"));
    out.writeBytes(le32(body.length));
    out.writeBytes(body);
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ PNG

  /**
   * A valid 1-bit grey interlaced PNG of {@code w×h} white pixels: about 33 KB at 16383², since its
   * zeros deflate about 1000:1, yet a full-size RGB buffer of it is 800 MB.
   */
  static byte[] interlacedBilevelPng(int w, int h) {
    long raw = 0;
    int[][] adam7 = {
      {0, 0, 8, 8},
      {4, 0, 8, 8},
      {0, 4, 4, 8},
      {2, 0, 4, 4},
      {0, 2, 2, 4},
      {1, 0, 2, 2},
      {0, 1, 1, 2}
    };
    for (int[] pass : adam7) {
      long pw = (w - pass[0] + pass[2] - 1) / pass[2];
      long ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw > 0 && ph > 0) {
        raw += ((pw + 7) / 8 + 1) * ph;
      }
    }
    return png(w, h, 1, 0, true, raw);
  }

  /**
   * A valid 8-bit grey interlaced PNG of {@code w×h} black pixels: about 260 KB at 16383², held as
   * stored until its last pass, 268 MB.
   */
  static byte[] interlacedGreyPng(int w, int h) {
    long raw = 0;
    int[][] adam7 = {
      {0, 0, 8, 8},
      {4, 0, 8, 8},
      {0, 4, 4, 8},
      {2, 0, 4, 4},
      {0, 2, 2, 4},
      {1, 0, 2, 2},
      {0, 1, 1, 2}
    };
    for (int[] pass : adam7) {
      long pw = (w - pass[0] + pass[2] - 1) / pass[2];
      long ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw > 0 && ph > 0) {
        raw += (pw + 1) * ph;
      }
    }
    return png(w, h, 8, 0, true, raw);
  }

  /**
   * A valid 1-bit grey PNG, not interlaced, of {@code w×h} black pixels (about 33 KB at 16383²).
   */
  static byte[] bilevelPng(int w, int h) {
    return png(w, h, 1, 0, false, ((w + 7L) / 8 + 1) * h);
  }

  /** A valid RGB PNG of a few very wide rows: its row buffers alone are hundreds of MB. */
  static byte[] widePng(int w, int h) {
    return png(w, h, 8, 2, false, ((long) w * 3 + 1) * h);
  }

  /** A PNG whose image data is {@code rawBytes} zero bytes (filter None, black or white). */
  private static byte[] png(int w, int h, int depth, int colourType, boolean interlaced, long raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(w).putInt(h).put((byte) depth).put((byte) colourType).put((byte) 0);
    ihdr.put((byte) 0).put((byte) (interlaced ? 1 : 0));
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater(9);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 16];
    byte[] buf = new byte[1 << 16];
    for (long left = raw; left > 0; ) {
      int n = (int) Math.min(zeros.length, left);
      deflater.setInput(zeros, 0, n);
      left -= n;
      while (!deflater.needsInput()) {
        idat.write(buf, 0, deflater.deflate(buf));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      idat.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] typed = new byte[4 + data.length];
    System.arraycopy(ascii(type), 0, typed, 0, 4);
    System.arraycopy(data, 0, typed, 4, data.length);
    out.writeBytes(typed);
    CRC32 crc = new CRC32();
    crc.update(typed);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  // ------------------------------------------------------------------ BMP, GIF, TIFF

  /** Filler that makes a file about 70 KB, the size that passes the data-against-claim check. */
  private static final int FILLER = 70_000;

  /** An 8-bit RLE BMP claiming {@code w×h}: 70 KB of runs (a row each), then end of bitmap. */
  static byte[] bmp(int w, int h) {
    ByteArrayOutputStream rle = new ByteArrayOutputStream();
    while (rle.size() < FILLER) {
      rle.writeBytes(new byte[] {(byte) 255, 1, 0, 0}); // 255 pixels of colour 1, end of line
    }
    rle.writeBytes(new byte[] {0, 1}); // end of bitmap
    int offset = 14 + 40 + 256 * 4;
    ByteBuffer b = ByteBuffer.allocate(offset + rle.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(offset + rle.size()).putInt(0).putInt(offset);
    b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 8);
    b.putInt(1).putInt(rle.size()).putInt(2835).putInt(2835).putInt(256).putInt(0); // BI_RLE8
    for (int i = 0; i < 256; i++) {
      b.putInt(i * 0x010101);
    }
    b.put(rle.toByteArray());
    return b.array();
  }

  /** A GIF claiming {@code w×h}: 70 KB of LZW sub-blocks, then the trailer. */
  static byte[] gif(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii("GIF89a"));
    out.writeBytes(le16(w));
    out.writeBytes(le16(h));
    out.writeBytes(new byte[] {(byte) 0x80, 0, 0}); // a 2-colour global table
    out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    out.write(0x2c);
    out.writeBytes(le16(0));
    out.writeBytes(le16(0));
    out.writeBytes(le16(w));
    out.writeBytes(le16(h));
    out.write(0);
    out.write(2); // LZW minimum code size
    for (int i = 0; i < FILLER / 255; i++) {
      out.write(255);
      out.writeBytes(new byte[255]); // code 0 (black) over and over, in 3-bit codes at first
    }
    out.write(0);
    out.write(0x3b);
    return out.toByteArray();
  }

  /** An 8-bit grey PackBits TIFF claiming {@code w×h}: one strip of 70 KB of runs. */
  static byte[] tiff(int w, int h) {
    byte[] strip = new byte[FILLER];
    for (int i = 0; i < strip.length; i += 2) {
      strip[i] = (byte) -127; // 128 copies of the next byte
      strip[i + 1] = (byte) 200;
    }
    int entries = 10;
    int ifd = 8;
    int data = ifd + 2 + entries * 12 + 4;
    ByteBuffer b = ByteBuffer.allocate(data + strip.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
    b.putShort((short) entries);
    tag(b, 256, 4, w); // ImageWidth
    tag(b, 257, 4, h); // ImageLength
    tag(b, 258, 3, 8); // BitsPerSample
    tag(b, 259, 3, 32773); // PackBits
    tag(b, 262, 3, 1); // BlackIsZero
    tag(b, 273, 4, data); // StripOffsets
    tag(b, 277, 3, 1); // SamplesPerPixel
    tag(b, 278, 4, h); // RowsPerStrip
    tag(b, 279, 4, strip.length); // StripByteCounts
    tag(b, 284, 3, 1); // PlanarConfiguration
    b.putInt(0);
    b.put(strip);
    return b.array();
  }

  private static void tag(ByteBuffer b, int tag, int type, int value) {
    b.putShort((short) tag).putShort((short) type).putInt(1);
    if (type == 3) {
      b.putShort((short) value).putShort((short) 0);
    } else {
      b.putInt(value);
    }
  }

  // ------------------------------------------------------------------ JPEG

  /** One marker segment (or a scan: its SOS segment and its entropy-coded data). */
  record Segment(int marker, byte[] bytes) {}

  /** The segments of a JPEG after SOI, up to (not including) EOI. */
  static List<Segment> segments(byte[] jpeg) {
    List<Segment> out = new ArrayList<>();
    int p = 2;
    while (p + 4 <= jpeg.length) {
      int marker = jpeg[p + 1] & 0xff;
      if (marker == 0xd9) {
        break;
      }
      int end = p + 2 + (((jpeg[p + 2] & 0xff) << 8) | (jpeg[p + 3] & 0xff));
      if (marker == 0xda) {
        while (end + 1 < jpeg.length
            && !((jpeg[end] & 0xff) == 0xff
                && jpeg[end + 1] != 0
                && ((jpeg[end + 1] & 0xff) < 0xd0 || (jpeg[end + 1] & 0xff) > 0xd7))) {
          end++;
        }
      }
      out.add(new Segment(marker, java.util.Arrays.copyOfRange(jpeg, p, end)));
      p = end;
    }
    return out;
  }

  /** SOI, the segments, EOI. */
  static byte[] jpeg(List<Segment> segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xff);
    out.write(0xd8);
    for (Segment s : segments) {
      out.writeBytes(s.bytes());
    }
    out.write(0xff);
    out.write(0xd9);
    return out.toByteArray();
  }

  /** The segments with the frame header's size set to {@code w×h}. */
  static List<Segment> withSize(List<Segment> segments, int w, int h) {
    List<Segment> out = new ArrayList<>();
    for (Segment s : segments) {
      int m = s.marker();
      if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
        byte[] b = s.bytes().clone();
        b[5] = (byte) (h >> 8);
        b[6] = (byte) h;
        b[7] = (byte) (w >> 8);
        b[8] = (byte) w;
        s = new Segment(m, b);
      }
      out.add(s);
    }
    return out;
  }

  /** COM segments of {@code bytes} in all, inserted after SOI (so the file is that much larger). */
  static List<Segment> padded(List<Segment> segments, int bytes) {
    List<Segment> out = new ArrayList<>();
    for (int left = bytes; left > 0; ) {
      int n = Math.min(65_000, left);
      byte[] com = new byte[n + 4];
      com[0] = (byte) 0xff;
      com[1] = (byte) 0xfe;
      com[2] = (byte) ((n + 2) >> 8);
      com[3] = (byte) (n + 2);
      out.add(new Segment(0xfe, com));
      left -= n;
    }
    out.addAll(segments);
    return out;
  }

  /**
   * The red team's 67 KB arithmetic-coded progressive JPEG: the committed 4:2:0 one, its frame
   * claiming {@code w×h} (its scans read zeros past their data, as arithmetic decoding does),
   * padded to about 67 KB so the data-against-claim check lets it through.
   */
  static byte[] arithmeticJpegClaiming(int w, int h) {
    byte[] real = TestImages.resource("jpeg/arithmetic/ap420.jpg");
    return jpeg(padded(withSize(segments(real), w, h), 67_000 - real.length));
  }

  /**
   * A valid 8-bit grey lossless JPEG of {@code w×h} flat grey, one bit a sample (the least the
   * format allows, as the red team's): its Huffman table gives a difference of 0 the code 0, so the
   * data is {@code w × h / 8} zero bytes, 18 MB at 12000².
   */
  static byte[] losslessJpeg(int w, int h) {
    return losslessJpeg(w, h, 1);
  }

  /**
   * As {@link #losslessJpeg(int, int)} with {@code components} (1 or 3) coded one scan each, which
   * a decoder can only reassemble from the whole image.
   */
  static byte[] losslessJpeg(int w, int h, int components) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd8});
    // SOF3: 8 bits, h × w, the components (ids 1, 2, 3; 1×1).
    out.writeBytes(
        new byte[] {
          (byte) 0xff,
          (byte) 0xc3,
          0,
          (byte) (8 + 3 * components),
          8,
          (byte) (h >> 8),
          (byte) h,
          (byte) (w >> 8),
          (byte) w,
          (byte) components
        });
    for (int c = 1; c <= components; c++) {
      out.writeBytes(new byte[] {(byte) c, 0x11, 0});
    }
    // DHT, DC table 0: categories 0 to 8 with codes of 1 to 9 bits (0 → "0").
    byte[] dht = new byte[2 + 2 + 1 + 16 + 9];
    dht[0] = (byte) 0xff;
    dht[1] = (byte) 0xc4;
    dht[3] = (byte) (dht.length - 2);
    for (int i = 0; i < 9; i++) {
      dht[5 + i] = 1;
      dht[21 + i] = (byte) i;
    }
    out.writeBytes(dht);
    for (int c = 1; c <= components; c++) {
      // SOS: component c, table 0, predictor 1, no point transform.
      out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xda, 0, 8, 1, (byte) c, 0, 1, 0, 0});
      out.writeBytes(new byte[(int) (((long) w * h + 7) / 8)]);
    }
    out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd9});
    return out.toByteArray();
  }

  /**
   * A progressive JPEG of {@code scans} scans under 1 MB: the committed progressive file (Huffman
   * or arithmetic-coded), its first scans, then its DC refinement scan over and over. Arithmetic
   * coded, it claims 4000×4000 (each scan then costs a pass over 375 000 blocks in a few bytes).
   */
  /**
   * A Huffman-coded progressive JPEG of {@code scans} scans, about 100 KB: the committed 4:2:0
   * file, then its first chroma AC scan over and over (a sixth of a pass each, so the scan count,
   * not the passes, is what refuses it).
   */
  static byte[] manyScans(int scans) {
    List<Segment> segments = segments(TestImages.resource("jpeg/p420.jpg"));
    List<Segment> out = new ArrayList<>(segments);
    List<Segment> sos = segments.stream().filter(s -> s.marker() == 0xda).toList();
    Segment chroma = sos.get(2); // Ss 1, Se 63, Al 1 of the second component
    for (int i = sos.size(); i < scans; i++) {
      out.add(chroma);
    }
    return jpeg(out);
  }

  /**
   * The cheapest scans: the committed arithmetic-coded progressive 4:2:0 file claiming
   * {@code w×h}, then empty AC scans of its luma (an SOS header each, 12 bytes: arithmetic decoding
   * reads zeros to the end of each) up to {@code scans}, padded to pass the data-against-claim
   * check.
   */
  static byte[] emptyArithmeticScans(int w, int h, int scans) {
    List<Segment> segments =
        withSize(segments(TestImages.resource("jpeg/arithmetic/ap420.jpg")), w, h);
    List<Segment> out = new ArrayList<>();
    for (Segment s : segments) {
      if (s.marker() != 0xda) {
        out.add(s); // the tables and the frame, not the scans
      }
    }
    // A DC scan of the three components with two bytes of data, then empty AC scans of the first.
    out.add(
        new Segment(
            0xda,
            new byte[] {(byte) 0xff, (byte) 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0}));
    byte[] sos = {(byte) 0xff, (byte) 0xda, 0, 8, 1, 1, 0, 1, 63, 0};
    for (int i = 1; i < scans; i++) {
      out.add(new Segment(0xda, sos));
    }
    int size = jpeg(out).length;
    long floor = (long) w * h / 4000;
    return jpeg(size >= floor ? out : padded(out, (int) (floor - size)));
  }

  // ------------------------------------------------------------------ bytes

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] le16(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8)};
  }

  private static byte[] le24(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16)};
  }

  private static byte[] le32(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }
}
