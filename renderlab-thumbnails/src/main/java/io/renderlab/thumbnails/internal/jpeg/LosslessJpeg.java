package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.PngDecoder;
import io.renderlab.thumbnails.internal.RenderBudget;

/**
 * Lossless JPEG (SOF3, ITU T.81 Annex H) as libjpeg-turbo 3 decodes it: Huffman-coded differences
 * from one of the seven predictors, undone row by row (the first row of the image and of every
 * restart interval predicted from the left, the first column from above), point transform shifted
 * back. 2–16 bit samples, 1 or 3 components at full resolution (what libjpeg-turbo writes and
 * reads), interleaved or one scan per component. Samples above 8 bits keep their top 8 bits.
 *
 * <p>Hostile input: the output is allocated only once the data is known to be large enough to hold
 * the image (each sample costs at least one bit), every table and index is checked, and data that
 * ends early or runs into a marker is refused rather than filled in. Not public API.
 */
public final class LosslessJpeg {
  private final byte[] data;
  private final RenderBudget budget;

  /** Where rows go as they are finished, or null to keep the whole image ({@link #output}). */
  private final PngDecoder.RowSink sink;

  /**
   * True when {@link #planes} hold two rows each, a ring: the first scan codes every component, so
   * each row is final once decoded and goes to the sink at once.
   */
  private boolean streaming;

  private byte[] outRow;
  private int width;
  private int height;
  private int precision;
  private int components;
  private final int[] ids = new int[3];
  private final HuffmanTable[] dc = new HuffmanTable[4];
  private int restartInterval;
  private boolean jfif;
  private int adobeTransform = -1;

  /** Reconstructed samples per component, {@code width * height}, 16 bits each. */
  private short[][] planes;

  private int pos;
  private long buf;
  private int bits;
  private boolean hitMarker;
  private int padBytes;

  private LosslessJpeg(byte[] data, RenderBudget budget, PngDecoder.RowSink sink) {
    this.data = data;
    this.budget = budget;
    this.sink = sink;
  }

  /** True when the first frame header of {@code jpeg} is SOF3 (lossless, Huffman-coded). */
  public static boolean isLossless(byte[] jpeg) {
    int p = 2;
    while (p + 4 <= jpeg.length && (jpeg[p] & 0xff) == 0xff) {
      int marker = jpeg[p + 1] & 0xff;
      if (marker == 0xff) {
        p++;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
        return marker == 0xc3;
      }
      if (marker == 0xda || marker == 0xd9) {
        return false;
      }
      p += 2 + (((jpeg[p + 2] & 0xff) << 8) | (jpeg[p + 3] & 0xff));
    }
    return false;
  }

  /**
   * Decodes a lossless JPEG into 8-bit RGB (or YCbCr when the file says its components are)
   * samples.
   *
   * @throws io.renderlab.core.UnsupportedImageException if the data is truncated, corrupt or uses
   *     what libjpeg-turbo does not read (subsampling, 2 or 4 components)
   */
  public static Interleaved decode(byte[] jpeg) {
    return decode(jpeg, RenderBudget.UNLIMITED);
  }

  /**
   * {@link #decode(byte[])} within {@code budget}: the full-size planes and output (no
   * shrink-on-load: {@code 2 × components + 3} bytes a pixel) are reserved before they are
   * allocated, scans are counted and the deadline checked once per row.
   *
   * @throws RenderBudget.Exceeded if the image needs more than the budget
   */
  public static Interleaved decode(byte[] jpeg, RenderBudget budget) {
    LosslessJpeg d = new LosslessJpeg(jpeg, budget, null);
    d.decode();
    return d.output();
  }

  /**
   * Decodes a lossless JPEG row by row into {@code sink} (3 bytes a pixel, as {@link
   * #decode(byte[], RenderBudget)} gives them). When its first scan codes every component (what
   * libjpeg-turbo writes), each row goes to the sink as soon as it is decoded and only two rows a
   * component are held, so an image of any size costs a few rows; otherwise (one scan per
   * component) the whole image is decoded first, budgeted at its full size, then handed over.
   *
   * @return whether the samples are YCbCr (else RGB or grey)
   * @throws RenderBudget.Exceeded if the image needs more than the budget
   */
  public static boolean decode(byte[] jpeg, PngDecoder.RowSink sink, RenderBudget budget) {
    LosslessJpeg d = new LosslessJpeg(jpeg, budget, sink);
    d.decode();
    if (!d.streaming) {
      for (int y = 0; y < d.height; y++) {
        d.emit(y, y * d.width, 0);
      }
    }
    return d.ycc();
  }

  private void decode() {
    try {
      run();
    } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
      throw JpegFrame.corrupt("the lossless data is corrupt");
    }
  }

  private void run() {
    if (data.length < 4 || (data[0] & 0xff) != 0xff || (data[1] & 0xff) != 0xd8) {
      throw JpegFrame.corrupt("no start-of-image marker");
    }
    pos = 2;
    boolean frame = false;
    int scans = 0;
    while (true) {
      pos = JpegFrame.markerCode(data, pos);
      if (pos >= data.length) {
        break;
      }
      int marker = data[pos++] & 0xff;
      if (marker == 0xd9) {
        break;
      }
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
        continue;
      }
      if (pos + 2 > data.length) {
        throw JpegFrame.corrupt("a segment header is cut off");
      }
      int length = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
      if (length < 2 || pos + length > data.length) {
        throw JpegFrame.corrupt("a segment runs past the end of the data");
      }
      int start = pos + 2;
      int end = pos + length;
      pos = end;
      switch (marker) {
        case 0xc3 -> {
          if (frame) {
            throw JpegFrame.corrupt("two frame headers");
          }
          readFrame(start, end);
          frame = true;
        }
        case 0xc4 -> JpegFrame.readDht(data, start, end, dc, new HuffmanTable[4]);
        case 0xdd -> {
          if (length != 4) {
            throw JpegFrame.corrupt("a restart interval segment of the wrong length");
          }
          restartInterval = ((data[start] & 0xff) << 8) | (data[start + 1] & 0xff);
        }
        case 0xe0 ->
            jfif |=
                end - start >= 5
                    && data[start] == 'J'
                    && data[start + 1] == 'F'
                    && data[start + 2] == 'I'
                    && data[start + 3] == 'F'
                    && data[start + 4] == 0;
        case 0xee -> {
          if (end - start >= 12
              && data[start] == 'A'
              && data[start + 1] == 'd'
              && data[start + 2] == 'o'
              && data[start + 3] == 'b'
              && data[start + 4] == 'e') {
            adobeTransform = data[start + 11] & 0xff;
          }
        }
        case 0xda -> {
          if (!frame) {
            throw JpegFrame.corrupt("a scan before the frame header");
          }
          budget.scan(++scans);
          scan(start, end);
          // Past the scan's entropy-coded data (stuffed bytes and restart markers) to the next
          // marker.
          while (pos + 1 < data.length
              && !((data[pos] & 0xff) == 0xff
                  && data[pos + 1] != 0
                  && ((data[pos + 1] & 0xff) < 0xd0 || (data[pos + 1] & 0xff) > 0xd7))) {
            pos++;
          }
        }
        default -> {
          if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc8 && marker != 0xcc) {
            throw JpegFrame.corrupt("a second frame header of another kind");
          }
        }
      }
    }
    if (scans == 0) {
      throw JpegFrame.corrupt("no scan");
    }
  }

  private void readFrame(int p, int end) {
    if (end - p < 6) {
      throw JpegFrame.corrupt("a frame header is cut off");
    }
    precision = data[p] & 0xff;
    height = ((data[p + 1] & 0xff) << 8) | (data[p + 2] & 0xff);
    width = ((data[p + 3] & 0xff) << 8) | (data[p + 4] & 0xff);
    components = data[p + 5] & 0xff;
    if (precision < 2 || precision > 16) {
      throw JpegFrame.corrupt("a lossless precision of " + precision + " bits");
    }
    if (width == 0 || height == 0) {
      throw JpegFrame.corrupt("no size in the frame header");
    }
    if (components != 1 && components != 3) {
      throw new io.renderlab.core.UnsupportedImageException(
          "Cannot decode this lossless JPEG: it has " + components + " colour components.");
    }
    if (end - p < 6 + 3 * components) {
      throw JpegFrame.corrupt("a frame header is cut off");
    }
    for (int c = 0; c < components; c++) {
      ids[c] = data[p + 6 + 3 * c] & 0xff;
      if ((data[p + 7 + 3 * c] & 0xff) != 0x11) {
        throw new io.renderlab.core.UnsupportedImageException(
            "Cannot decode this lossless JPEG: its components are subsampled.");
      }
    }
    // Every sample costs at least one bit of entropy-coded data: a header claiming more samples
    // than the data could hold is refused before anything is allocated for it.
    long samples = (long) width * height * components;
    if (samples > 8L * data.length) {
      throw JpegFrame.corrupt("the data is too short for the claimed size");
    }
  }

  /**
   * Allocates the samples at the first scan: two rows a component when it codes every component and
   * rows go to a sink, else the full size (16 bits a sample, then 3 bytes a pixel of output).
   */
  private void allocate(int ns) {
    streaming = sink != null && ns == components;
    if (streaming) {
      budget.reserve((long) width * (4L * components + 3), "the lossless JPEG's rows");
      planes = new short[components][2 * width];
    } else {
      budget.reserve(
          (long) width * height * (2L * components + 3), "the lossless JPEG's full-size samples");
      planes = new short[components][width * height];
    }
    if (sink != null) {
      outRow = new byte[width * 3];
      sink.start(3);
    }
  }

  /** Row {@code y}, whose samples start at {@code start} of the planes, to the sink. */
  private void emit(int y, int start, int pt) {
    int shift = Math.max(0, precision - 8);
    byte[] out = outRow;
    for (int c = 0; c < 3; c++) {
      short[] plane = planes[components == 1 ? 0 : c];
      for (int i = 0, o = c; i < width; i++, o += 3) {
        out[o] = (byte) ((((plane[start + i] & 0xffff) << pt) & 0xffff) >> shift);
      }
    }
    sink.row(y, out, 0);
  }

  private void scan(int p, int end) {
    int ns = data[p] & 0xff;
    if (ns < 1 || ns > components || end - p != 4 + 2 * ns) {
      throw JpegFrame.corrupt("a bad scan header");
    }
    int[] comp = new int[ns];
    HuffmanTable[] tables = new HuffmanTable[ns];
    for (int i = 0; i < ns; i++) {
      int id = data[p + 1 + 2 * i] & 0xff;
      comp[i] = -1;
      for (int c = 0; c < components; c++) {
        if (ids[c] == id) {
          comp[i] = c;
        }
      }
      int td = (data[p + 2 + 2 * i] & 0xff) >> 4;
      if (comp[i] < 0 || dc[td] == null) {
        throw JpegFrame.corrupt("a scan names an unknown component or table");
      }
      tables[i] = dc[td];
    }
    if (planes == null) {
      allocate(ns);
    } else if (streaming) {
      throw JpegFrame.corrupt("a second scan after every component was coded");
    }
    int predictor = data[p + 1 + 2 * ns] & 0xff;
    int pt = data[p + 3 + 2 * ns] & 15;
    if (predictor < 1 || predictor > 7 || pt >= precision) {
      throw JpegFrame.corrupt("a bad predictor or point transform");
    }
    if (restartInterval != 0 && restartInterval % width != 0) {
      throw new io.renderlab.core.UnsupportedImageException(
          "Cannot decode this lossless JPEG: its restart interval is not a whole number of rows.");
    }
    int rowsPerInterval = restartInterval == 0 ? Integer.MAX_VALUE : restartInterval / width;
    resetBits();
    int initial = 1 << (precision - pt - 1);
    int rowsLeft = rowsPerInterval;
    boolean firstRow = true;
    for (int y = 0; y < height; y++) {
      budget.checkDeadline();
      if (rowsLeft == 0) {
        restart();
        rowsLeft = rowsPerInterval;
        firstRow = true;
      }
      int row = streaming ? (y & 1) * width : y * width;
      int above = streaming ? ((y + 1) & 1) * width : row - width;
      for (int x = 0; x < width; x++) {
        for (int i = 0; i < ns; i++) {
          short[] plane = planes[comp[i]];
          int prediction;
          if (firstRow) {
            prediction = x == 0 ? initial : plane[row + x - 1] & 0xffff;
          } else if (x == 0) {
            prediction = plane[above] & 0xffff;
          } else {
            int ra = plane[row + x - 1] & 0xffff;
            int rb = plane[above + x] & 0xffff;
            int rc = plane[above + x - 1] & 0xffff;
            prediction =
                switch (predictor) {
                  case 1 -> ra;
                  case 2 -> rb;
                  case 3 -> rc;
                  case 4 -> ra + rb - rc;
                  case 5 -> ra + ((rb - rc) >> 1);
                  case 6 -> rb + ((ra - rc) >> 1);
                  default -> (ra + rb) >> 1;
                };
          }
          plane[row + x] = (short) (prediction + difference(tables[i]));
        }
      }
      firstRow = false;
      rowsLeft--;
      checkData();
      if (streaming) {
        emit(y, row, pt);
      }
    }
    // Shift the point transform back now; later scans of other components do not read these.
    if (pt > 0 && !streaming) {
      for (int i = 0; i < ns; i++) {
        short[] plane = planes[comp[i]];
        for (int k = 0; k < plane.length; k++) {
          plane[k] = (short) (plane[k] << pt);
        }
      }
    }
  }

  private int difference(HuffmanTable t) {
    if (bits < 32) {
      fill();
    }
    int e =
        t.fast[
            (int) (buf >>> (bits - HuffmanTable.LOOKAHEAD)) & ((1 << HuffmanTable.LOOKAHEAD) - 1)];
    int s;
    if (e != 0) {
      bits -= e >> 8;
      s = e & 0xff;
    } else {
      int code = (int) (buf >>> (bits - 16)) & 0xffff;
      s = -1;
      for (int len = HuffmanTable.LOOKAHEAD + 1; len <= 16; len++) {
        int c = code >>> (16 - len);
        if (c <= t.maxcode[len]) {
          bits -= len;
          s = t.symbols[c + t.valoffset[len]];
          break;
        }
      }
      if (s < 0) {
        throw JpegFrame.corrupt("an invalid Huffman code");
      }
    }
    if (s == 0) {
      return 0;
    }
    if (s == 16) {
      return 32768;
    }
    if (s > 16) {
      throw JpegFrame.corrupt("a bad difference category");
    }
    bits -= s;
    int v = (int) (buf >>> bits) & ((1 << s) - 1);
    return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
  }

  private void resetBits() {
    buf = 0;
    bits = 0;
    hitMarker = false;
    padBytes = 0;
  }

  /**
   * Tops the bit buffer up to more than 56 bits. Past a marker or the end of the data it feeds zero
   * bytes, as libjpeg does, and counts them: {@link #checkData} refuses the image once any of them
   * has been consumed.
   */
  private void fill() {
    while (bits <= 56) {
      int b = 0;
      if (!hitMarker && pos < data.length) {
        b = data[pos] & 0xff;
        if (b != 0xff) {
          pos++;
        } else if (pos + 1 < data.length && data[pos + 1] == 0) {
          pos += 2;
        } else {
          hitMarker = true;
          b = 0;
        }
      } else {
        hitMarker = true;
      }
      if (hitMarker) {
        padBytes++;
      }
      buf = (buf << 8) | b;
      bits += 8;
    }
  }

  /** Refuses data that ran into a marker or the end of the file mid-image. */
  private void checkData() {
    if (hitMarker && bits < padBytes << 3) {
      throw JpegFrame.corrupt("the data ends before the image does");
    }
  }

  private void restart() {
    checkData();
    resetBits();
    pos = JpegDecoder.afterRestartMarker(data, pos);
  }

  private Interleaved output() {
    int n = width * height;
    byte[] out = new byte[n * 3];
    int shift = Math.max(0, precision - 8);
    for (int c = 0; c < 3; c++) {
      short[] plane = planes[components == 1 ? 0 : c];
      for (int i = 0, o = c; i < n; i++, o += 3) {
        out[o] = (byte) ((plane[i] & 0xffff) >> shift);
      }
    }
    return new Interleaved(out, width, height, 3, ycc());
  }

  /**
   * libjpeg's rule for three components: JFIF or Adobe transform 1 means YCbCr, Adobe transform 0
   * or the ids 'R', 'G', 'B' mean RGB, anything else YCbCr.
   */
  private boolean ycc() {
    return components == 3
        && (jfif
            || adobeTransform == 1
            || (adobeTransform != 0 && !(ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B')));
  }
}
