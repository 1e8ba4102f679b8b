package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.core.UnsupportedImageException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A JPEG's headers up to its first scan: frame size, components and sampling, quantisation and
 * Huffman tables, restart interval, colour transform and the embedded ICC profile. Parsing touches
 * no pixel and allocates nothing in proportion to the claimed size. Not public API.
 */
public final class JpegFrame {
  final byte[] data;
  int width;
  int height;
  int precision;
  boolean progressive;

  /** Arithmetic-coded (SOF9, SOF10) rather than Huffman-coded. */
  boolean arithmetic;

  /** Why {@link JpegDecoder} cannot decode this frame (ImageIO should), or null. */
  String unsupported;

  int components;
  final int[] ids = new int[4];
  final int[] h = new int[4];
  final int[] v = new int[4];
  final int[] tq = new int[4];
  int hmax;
  int vmax;

  /** Quantisation tables in natural (row-major) order. */
  final int[][] quant = new int[4][];

  final HuffmanTable[] dc = new HuffmanTable[4];
  final HuffmanTable[] ac = new HuffmanTable[4];
  int restartInterval;

  /**
   * Arithmetic-coding conditioning from DAC segments, by table number (libjpeg accepts 16): the DC
   * tables' L and U, the AC tables' Kx, at T.81's defaults (0, 1, 5) until a DAC sets them.
   */
  final int[] arithDcL = new int[16];

  final int[] arithDcU = new int[16];
  final int[] arithAcK = new int[16];

  {
    Arrays.fill(arithDcU, 1);
    Arrays.fill(arithAcK, 5);
  }

  int adobeTransform = -1;
  boolean jfif;

  /** Position of the first SOS marker. */
  int scanStart;

  byte[] icc;

  private JpegFrame(byte[] data) {
    this.data = data;
  }

  /** Width in pixels. */
  public int width() {
    return width;
  }

  /** Height in pixels. */
  public int height() {
    return height;
  }

  /**
   * True when {@link JpegDecoder} decodes it; otherwise use ImageIO (12-bit, lossless,
   * hierarchical, CMYK).
   */
  public boolean supported() {
    return unsupported == null;
  }

  /** The number of components: 1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK. */
  public int components() {
    return components;
  }

  /** The transform byte of the Adobe APP14 segment (0 none, 1 YCbCr, 2 YCCK), or -1 without one. */
  public int adobeTransform() {
    return adobeTransform;
  }

  /** True when three components are named 'R', 'G', 'B'. */
  public boolean rgbIds() {
    return components == 3 && ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B';
  }

  /** True for four components stored as YCCK (Adobe transform 2), as libjpeg tells them apart. */
  public boolean ycck() {
    return components == 4 && adobeTransform == 2;
  }

  /** Why it is not {@link #supported()}, or null. */
  public String unsupportedReason() {
    return unsupported;
  }

  /** The embedded ICC profile (APP2 chunks assembled in order), or null. */
  public byte[] iccProfile() {
    return icc == null ? null : icc.clone();
  }

  /**
   * True when the three components hold RGB rather than YCbCr (Adobe transform 0 or ids
   * 'R','G','B'), as libjpeg guesses.
   */
  boolean rgb() {
    if (components != 3) {
      return false;
    }
    if (adobeTransform >= 0) {
      return adobeTransform == 0;
    }
    if (jfif) {
      return false;
    }
    return ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B';
  }

  /**
   * The position of the next marker's code byte at or after {@code pos} (past anything between
   * segments and the 0xFF fill bytes before it), or {@code jpeg.length} if there is none.
   */
  static int markerCode(byte[] jpeg, int pos) {
    while (pos < jpeg.length && (jpeg[pos] & 0xff) != 0xff) {
      pos++;
    }
    while (pos < jpeg.length && (jpeg[pos] & 0xff) == 0xff) {
      pos++;
    }
    return pos;
  }

  /**
   * An APPn or COM segment whose length is below 2 (a zero-length comment): libjpeg skips only its
   * length bytes and looks for the next marker, so the picture is whole and it is read.
   */
  private static boolean skipsAsLibjpeg(int marker) {
    return marker == 0xfe || (marker >= 0xe0 && marker <= 0xef);
  }

  static UnsupportedImageException corrupt(String why) {
    return new UnsupportedImageException(
        "The image/jpeg image is truncated or corrupt: " + why + ".");
  }

  /**
   * Reads the headers of {@code jpeg} up to its first scan.
   *
   * @throws UnsupportedImageException if the headers are truncated or inconsistent
   */
  public static JpegFrame parse(byte[] jpeg) {
    if (jpeg.length < 4 || (jpeg[0] & 0xff) != 0xff || (jpeg[1] & 0xff) != 0xd8) {
      throw corrupt("no start-of-image marker");
    }
    JpegFrame f = new JpegFrame(jpeg);
    byte[][] iccChunks = null;
    boolean iccBad = false;
    int pos = 2;
    boolean sof = false;
    while (true) {
      pos = markerCode(jpeg, pos);
      if (pos >= jpeg.length) {
        throw corrupt("no image data");
      }
      int marker = jpeg[pos] & 0xff;
      int segment = pos - 1;
      pos++;
      if (marker == 0xd9) {
        throw corrupt("no image data before the end-of-image marker");
      }
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0xd8) {
        continue; // markers without a length
      }
      if (pos + 2 > jpeg.length) {
        throw corrupt("a segment header is cut off");
      }
      int length = ((jpeg[pos] & 0xff) << 8) | (jpeg[pos + 1] & 0xff);
      if (length < 2 && skipsAsLibjpeg(marker)) {
        pos += 2;
        continue;
      }
      if (length < 2 || pos + length > jpeg.length) {
        throw corrupt("a segment runs past the end of the data");
      }
      int start = pos + 2;
      int end = pos + length;
      switch (marker) {
        case 0xc0, 0xc1, 0xc2, 0xc9, 0xca -> {
          if (sof) {
            throw corrupt("two frame headers");
          }
          sof = true;
          f.progressive = marker == 0xc2 || marker == 0xca;
          f.arithmetic = marker >= 0xc9;
          f.readSof(start, end);
        }
        case 0xc3, 0xc5, 0xc6, 0xc7, 0xcb, 0xcd, 0xce, 0xcf -> {
          f.unsupported = "SOF" + (marker - 0xc0) + " (lossless, hierarchical or arithmetic-coded)";
          if (!sof) {
            // Still read the size, so the pixel limit applies to what ImageIO will decode.
            f.readSofSize(start, end);
          }
          return f;
        }
        case 0xc4 -> f.readDht(start, end);
        case 0xcc -> f.readDac(start, end);
        case 0xdb -> f.readDqt(start, end);
        case 0xdd -> {
          if (length != 4) {
            throw corrupt("a restart interval segment of the wrong length");
          }
          f.restartInterval = ((jpeg[start] & 0xff) << 8) | (jpeg[start + 1] & 0xff);
        }
        case 0xe0 -> {
          if (end - start >= 5
              && jpeg[start] == 'J'
              && jpeg[start + 1] == 'F'
              && jpeg[start + 2] == 'I'
              && jpeg[start + 3] == 'F'
              && jpeg[start + 4] == 0) {
            f.jfif = true;
          }
        }
        case 0xe2 -> {
          if (end - start >= 14 && startsWith(jpeg, start, "ICC_PROFILE\0")) {
            int seq = jpeg[start + 12] & 0xff;
            int count = jpeg[start + 13] & 0xff;
            if (iccChunks == null) {
              iccChunks = new byte[Math.max(1, count)][];
            }
            if (count == 0
                || count != iccChunks.length
                || seq < 1
                || seq > count
                || iccChunks[seq - 1] != null) {
              iccBad = true;
            } else {
              iccChunks[seq - 1] = java.util.Arrays.copyOfRange(jpeg, start + 14, end);
            }
          }
        }
        case 0xee -> {
          if (end - start >= 12 && startsWith(jpeg, start, "Adobe")) {
            f.adobeTransform = jpeg[start + 11] & 0xff;
          }
        }
        case 0xda -> {
          if (!sof) {
            throw corrupt("a scan before the frame header");
          }
          f.scanStart = segment;
          f.icc = iccBad ? null : assemble(iccChunks);
          return f;
        }
        default -> {
          // APPn, COM and others: skipped.
        }
      }
      pos = end;
    }
  }

  private static boolean startsWith(byte[] d, int p, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (d[p + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static byte[] assemble(byte[][] chunks) {
    if (chunks == null) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] c : chunks) {
      if (c == null) {
        return null; // a missing chunk: no usable profile, as libjpeg's read_icc_profile
      }
      out.writeBytes(c);
    }
    return out.size() == 0 ? null : out.toByteArray();
  }

  private void readSofSize(int p, int end) {
    if (end - p >= 5) {
      precision = data[p] & 0xff;
      height = ((data[p + 1] & 0xff) << 8) | (data[p + 2] & 0xff);
      width = ((data[p + 3] & 0xff) << 8) | (data[p + 4] & 0xff);
    }
  }

  private void readSof(int p, int end) {
    if (end - p < 6) {
      throw corrupt("a frame header is cut off");
    }
    readSofSize(p, end);
    components = data[p + 5] & 0xff;
    if (width == 0 || height == 0) {
      unsupported = "no height in the frame header (DNL)";
    }
    if (precision != 8) {
      unsupported = precision + "-bit samples";
    }
    if (components != 1 && components != 3 && components != 4) {
      unsupported = components + " colour components";
      return;
    }
    if (end - p < 6 + 3 * components) {
      throw corrupt("a frame header is cut off");
    }
    for (int i = 0; i < components; i++) {
      int q = p + 6 + 3 * i;
      ids[i] = data[q] & 0xff;
      h[i] = (data[q + 1] & 0xff) >> 4;
      v[i] = data[q + 1] & 0x0f;
      tq[i] = data[q + 2] & 0xff;
      if (h[i] < 1 || h[i] > 4 || v[i] < 1 || v[i] > 4 || tq[i] > 3) {
        throw corrupt("bad sampling factors or table number in the frame header");
      }
    }
    if (components == 1) {
      h[0] = 1; // one component: its sampling factors do not matter, as in libjpeg
      v[0] = 1;
    }
    for (int i = 0; i < components; i++) {
      hmax = Math.max(hmax, h[i]);
      vmax = Math.max(vmax, v[i]);
    }
    for (int i = 0; i < components; i++) {
      if (hmax % h[i] != 0 || vmax % v[i] != 0) {
        unsupported = "fractional sampling factors";
      }
    }
  }

  private void readDqt(int p, int end) {
    while (p < end) {
      int pq = (data[p] & 0xff) >> 4;
      int t = data[p] & 0x0f;
      if (t > 3 || pq > 1) {
        throw corrupt("a bad quantisation table");
      }
      int size = pq == 0 ? 64 : 128;
      if (p + 1 + size > end) {
        throw corrupt("a quantisation table is cut off");
      }
      int[] table = new int[64];
      for (int k = 0; k < 64; k++) {
        int value =
            pq == 0
                ? data[p + 1 + k] & 0xff
                : ((data[p + 1 + 2 * k] & 0xff) << 8) | (data[p + 2 + 2 * k] & 0xff);
        table[JpegDecoder.NATURAL[k]] = value;
      }
      quant[t] = table;
      p += 1 + size;
    }
  }

  /**
   * Reads a DAC segment (jdmarker.c get_dac): pairs of a table number (0–15 DC, 16–31 AC) and its
   * conditioning, L in the low and U in the high nibble for DC, Kx for AC.
   */
  private void readDac(int p, int end) {
    if ((end - p) % 2 != 0) {
      throw corrupt("an arithmetic conditioning segment of the wrong length");
    }
    for (; p < end; p += 2) {
      int index = data[p] & 0xff;
      int value = data[p + 1] & 0xff;
      if (index >= 32) {
        throw corrupt("an arithmetic conditioning table number above 31");
      }
      if (index >= 16) {
        arithAcK[index - 16] = value;
      } else {
        arithDcL[index] = value & 0x0f;
        arithDcU[index] = value >> 4;
        if (arithDcL[index] > arithDcU[index]) {
          throw corrupt("arithmetic DC conditioning with L above U");
        }
      }
    }
  }

  private void readDht(int p, int end) {
    readDht(data, p, end, dc, ac);
  }

  /**
   * Reads a DHT segment's tables ({@code data[p..end)}) into {@code dc} and {@code ac} by their
   * numbers.
   */
  static void readDht(byte[] data, int p, int end, HuffmanTable[] dc, HuffmanTable[] ac) {
    while (p < end) {
      if (p + 17 > end) {
        throw corrupt("a Huffman table is cut off");
      }
      int tc = (data[p] & 0xff) >> 4;
      int th = data[p] & 0x0f;
      if (tc > 1 || th > 3) {
        throw corrupt("a bad Huffman table class or number");
      }
      int[] counts = new int[17];
      int total = 0;
      for (int i = 1; i <= 16; i++) {
        counts[i] = data[p + i] & 0xff;
        total += counts[i];
      }
      if (total > 256 || p + 17 + total > end) {
        throw corrupt("a Huffman table is cut off");
      }
      int[] symbols = new int[total];
      for (int i = 0; i < total; i++) {
        symbols[i] = data[p + 17 + i] & 0xff;
      }
      HuffmanTable table = HuffmanTable.of(counts, symbols, tc == 0);
      if (tc == 0) {
        dc[th] = table;
      } else {
        ac[th] = table;
      }
      p += 17 + total;
    }
  }

  /**
   * Reads more tables between scans (progressive files may redefine them). Returns the SOS position
   * or -1 at EOI.
   */
  /** True once {@link #tablesUntilScan} has met the end-of-image marker. */
  boolean endOfImage;

  int tablesUntilScan(int pos) {
    while (true) {
      while (pos < data.length && (data[pos] & 0xff) != 0xff) {
        pos++;
      }
      while (pos < data.length && (data[pos] & 0xff) == 0xff) {
        pos++;
      }
      if (pos >= data.length) {
        return -1;
      }
      int marker = data[pos] & 0xff;
      int segment = pos - 1;
      pos++;
      if (marker == 0xd9) {
        endOfImage = true;
        return -1;
      }
      if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        continue;
      }
      if (pos + 2 > data.length) {
        return -1;
      }
      int length = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
      if (length < 2 && skipsAsLibjpeg(marker)) {
        pos += 2;
        continue;
      }
      if (length < 2 || pos + length > data.length) {
        throw corrupt("a segment runs past the end of the data");
      }
      int start = pos + 2;
      int end = pos + length;
      switch (marker) {
        case 0xc4 -> readDht(start, end);
        case 0xcc -> readDac(start, end);
        case 0xdb -> readDqt(start, end);
        case 0xdd -> {
          if (length != 4) {
            throw corrupt("a restart interval segment of the wrong length");
          }
          restartInterval = ((data[start] & 0xff) << 8) | (data[start + 1] & 0xff);
        }
        case 0xda -> {
          return segment;
        }
        default -> {
          if (marker >= 0xc0
              && marker <= 0xcf
              && marker != 0xc4
              && marker != 0xc8
              && marker != 0xcc) {
            throw corrupt("a second frame header");
          }
        }
      }
      pos = end;
    }
  }
}
