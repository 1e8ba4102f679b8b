package io.renderlab.thumbnails.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A PNG decoder for every standard PNG (grey, RGB, palette, grey+alpha, RGBA; 1 to 16 bits;
 * interlaced or not; {@code tRNS} at every depth) that streams: rows are inflated in large batches,
 * unfiltered in place and handed to a {@link RowSink} one by one, so the caller can box-shrink
 * while decoding and the full-size image never exists (except for interlaced files, whose rows
 * arrive out of order: they are held as stored, 1 bit a pixel for a bilevel image, when that is
 * smaller than expanded).
 *
 * <p>Checks what libpng and libspng check by default: every chunk's CRC (a bad CRC on a critical
 * chunk refuses the file; an ancillary chunk with a bad CRC is ignored, as libspng's default {@code
 * SPNG_CRC_DISCARD} does), the zlib header, chunk order, filter types and palette indices. zlib's
 * Adler-32 is not computed: the chunk CRCs already cover every byte it would (libspng offers the
 * same shortcut, {@code SPNG_CTX_IGNORE_ADLER32}); it costs a tenth of the inflate time. Memory
 * comes from the data, not from the header's claims: before a byte is inflated, the decoded size
 * the header promises is compared with what the compressed data could possibly produce (deflate
 * expands at most 1032:1), so a 70-byte file that claims 16000×16000 pixels is refused at once
 * instead of allocating a gigabyte. Samples become 8 bits as libvips does (16-bit: high byte;
 * 1/2/4-bit grey: scaled to 0–255). Not public API.
 */
public final class PngDecoder {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final int IHDR = 0x49484452;
  private static final int PLTE = 0x504c5445;
  private static final int TRNS = 0x74524e53;
  private static final int IDAT = 0x49444154;
  private static final int IEND = 0x49454e44;
  private static final int ICCP = 0x69434350;

  /** Deflate's largest expansion (258-byte matches at about two bits each), with slack. */
  private static final long MAX_INFLATE_RATIO = 1040;

  /** Compressed bytes handed to zlib at a time (IDAT payloads joined). */
  private static final int STAGE_BYTES = 512 * 1024;

  /** Inflate in batches of about this many bytes of rows. */
  private static final int BATCH_BYTES = 256 * 1024;

  /** Largest iCCP profile accepted (sharp / libvips accept profiles up to their chunk limit). */
  private static final int MAX_ICC_BYTES = 4 << 20;

  private static final int[][] ADAM7 = {
    // x0, y0, dx, dy
    {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}
  };

  private PngDecoder() {}

  /** The header: size, depth, colour type, interlace. */
  public record Header(int width, int height, int bitDepth, int colourType, boolean interlaced) {
    /** True when the depth and colour type are a combination the PNG standard allows. */
    public boolean supported() {
      return switch (colourType) {
        case 0 ->
            bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
        case 3 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
        case 2, 4, 6 -> bitDepth == 8 || bitDepth == 16;
        default -> false;
      };
    }

    int samples() {
      return switch (colourType) {
        case 0, 3 -> 1;
        case 2 -> 3;
        case 4 -> 2;
        default -> 4;
      };
    }

    int bitsPerPixel() {
      return samples() * bitDepth;
    }

    long rowBytes(long pixels) {
      return (pixels * bitsPerPixel() + 7) / 8;
    }
  }

  /**
   * Receives decoded rows, top to bottom, as 8-bit RGB (3 channels) or RGBA (4, not premultiplied).
   */
  public interface RowSink {
    /** Called once before the first row with the output's channel count (3 or 4). */
    void start(int channels);

    /**
     * Row {@code y}: {@code width * channels} bytes of {@code row} from {@code offset}; valid only
     * during the call.
     */
    void row(int y, byte[] row, int offset);
  }

  /** Reads the IHDR chunk only; empty when this is not a well-formed PNG header. */
  public static Optional<Header> header(byte[] png) {
    if (png.length < 33) {
      return Optional.empty();
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (png[i] != SIGNATURE[i]) {
        return Optional.empty();
      }
    }
    if (u32(png, 8) != 13 || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
      return Optional.empty();
    }
    long w = u32(png, 16);
    long h = u32(png, 20);
    if (w <= 0 || h <= 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(new Header((int) w, (int) h, png[24] & 0xff, png[25] & 0xff, png[28] != 0));
  }

  /**
   * Decodes the whole image into interleaved 8-bit RGB or RGBA (not premultiplied).
   *
   * @throws IllegalArgumentException when the data is truncated or corrupt
   */
  public static Interleaved decode(byte[] png, Header header) {
    int[] channels = new int[1];
    byte[][] out = new byte[1][];
    decode(
        png,
        header,
        new RowSink() {
          @Override
          public void start(int ch) {
            channels[0] = ch;
            out[0] =
                new byte
                    [Math.multiplyExact(Math.multiplyExact(header.width(), header.height()), ch)];
          }

          @Override
          public void row(int y, byte[] row, int offset) {
            int n = header.width() * channels[0];
            System.arraycopy(row, offset, out[0], y * n, n);
          }
        });
    return new Interleaved(out[0], header.width(), header.height(), channels[0], false);
  }

  /**
   * The embedded ICC profile ({@code iCCP}), inflated, if the file has one whose CRC and data are
   * sound; empty otherwise (sharp ignores a broken profile too).
   */
  public static Optional<byte[]> iccProfile(byte[] png) {
    int pos = 8;
    while (pos + 12 <= png.length) {
      long length = u32(png, pos);
      int type = (int) u32(png, pos + 4);
      int data = pos + 8;
      if (length > png.length - data - 4L || type == IDAT || type == IEND) {
        return Optional.empty(); // iCCP must come before IDAT
      }
      int len = (int) length;
      if (type == ICCP && crcMatches(png, pos, len)) {
        int nul = data;
        while (nul < data + Math.min(len, 80) && png[nul] != 0) {
          nul++;
        }
        if (nul + 2 > data + len || png[nul + 1] != 0) {
          return Optional.empty();
        }
        Inflater inflater = new Inflater();
        try {
          inflater.setInput(png, nul + 2, data + len - nul - 2);
          byte[] buf = new byte[Math.min(MAX_ICC_BYTES, Math.max(1024, len * 4))];
          int n = 0;
          while (!inflater.finished()) {
            if (n == buf.length) {
              if (buf.length >= MAX_ICC_BYTES) {
                return Optional.empty();
              }
              buf = Arrays.copyOf(buf, Math.min(MAX_ICC_BYTES, buf.length * 2));
            }
            int got = inflater.inflate(buf, n, buf.length - n);
            if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
              return Optional.empty();
            }
            n += got;
          }
          return n >= 128 ? Optional.of(Arrays.copyOf(buf, n)) : Optional.empty();
        } catch (DataFormatException e) {
          return Optional.empty();
        } finally {
          inflater.end();
        }
      }
      pos = data + len + 4;
    }
    return Optional.empty();
  }

  /**
   * Decodes the image, handing each row to {@code sink} (top to bottom).
   *
   * @throws IllegalArgumentException when the data is truncated or corrupt, with a message that
   *     says how
   */
  public static void decode(byte[] png, Header header, RowSink sink) {
    decode(png, header, sink, RenderBudget.UNLIMITED);
  }

  /**
   * {@link #decode(byte[], Header, RowSink)} within {@code budget}: the row buffers (two filtered
   * rows and an expanded one) and, interlaced, the full-size image at its real cost ({@code w × h ×
   * 3 or 4} bytes, whatever the bit depth) are reserved before anything is inflated; the deadline
   * is checked once per batch of rows.
   *
   * @throws RenderBudget.Exceeded if the image needs more than the budget
   */
  public static void decode(byte[] png, Header header, RowSink sink, RenderBudget budget) {
    if (!header.supported()) {
      throw new IllegalArgumentException(
          "PNG has an invalid bit depth "
              + header.bitDepth()
              + " for colour type "
              + header.colourType());
    }
    int w = header.width();
    int h = header.height();
    int ct = header.colourType();
    int depth = header.bitDepth();
    if (png[26] != 0 || png[27] != 0 || (png[28] & 0xff) > 1) {
      throw new IllegalArgumentException(
          "PNG header names an unknown compression, filter or interlace method");
    }
    byte[] palette = null;
    byte[] paletteAlpha = null;
    int[] key = null;
    List<int[]> idats = new ArrayList<>();
    long idatBytes = 0;
    boolean ended = false;
    int pos = 8;
    boolean first = true;
    while (pos + 12 <= png.length) {
      long length = u32(png, pos);
      int type = (int) u32(png, pos + 4);
      int data = pos + 8;
      if (length > png.length - data - 4L) {
        throw new IllegalArgumentException(
            "PNG chunk " + typeName(type) + " runs past the end of the data (truncated)");
      }
      int len = (int) length;
      boolean critical = (type & 0x20000000) == 0;
      if (!crcMatches(png, pos, len)) {
        if (critical) {
          throw new IllegalArgumentException(
              "PNG chunk " + typeName(type) + " has a bad CRC (corrupt)");
        }
        pos = data + len + 4; // libspng's default for ancillary chunks: discard
        continue;
      }
      if (first != (type == IHDR)) {
        throw new IllegalArgumentException(
            first ? "PNG does not start with IHDR" : "PNG has a second IHDR");
      }
      first = false;
      if (type == PLTE) {
        if (len % 3 != 0 || len == 0 || len > 768 || !idats.isEmpty()) {
          throw new IllegalArgumentException("PNG has an invalid PLTE chunk");
        }
        palette = Arrays.copyOfRange(png, data, data + len);
      } else if (type == TRNS && idats.isEmpty()) {
        if (ct == 3) {
          paletteAlpha = Arrays.copyOfRange(png, data, data + Math.min(len, 256));
        } else if (ct == 0 && len >= 2) {
          key = new int[] {u16(png, data)};
        } else if (ct == 2 && len >= 6) {
          key = new int[] {u16(png, data), u16(png, data + 2), u16(png, data + 4)};
        }
      } else if (type == IDAT) {
        idats.add(new int[] {data, len});
        idatBytes += len;
      } else if (type == IEND) {
        ended = true;
        break;
      } else if (critical && type != IHDR) {
        throw new IllegalArgumentException("PNG has an unknown critical chunk " + typeName(type));
      }
      pos = data + len + 4;
    }
    if (ct == 3 && palette == null) {
      throw new IllegalArgumentException("PNG palette image has no PLTE chunk");
    }
    if (idats.isEmpty()) {
      throw new IllegalArgumentException("PNG has no image data (truncated)");
    }
    long needed =
        header.interlaced() ? interlacedBytes(header) : (header.rowBytes(w) + 1) * (long) h;
    if (needed > idatBytes * MAX_INFLATE_RATIO + 1024) {
      // Allocation follows the data, not the header's claim: this much compressed data cannot hold
      // it.
      throw new IllegalArgumentException(
          "PNG image data is too short for a "
              + w
              + "x"
              + h
              + " image (truncated, or a decompression bomb): "
              + idatBytes
              + " compressed bytes cannot hold "
              + needed);
    }
    if (!ended) {
      throw new IllegalArgumentException("PNG has no IEND chunk (truncated)");
    }
    boolean alpha = ct == 4 || ct == 6 || (ct == 3 && paletteAlpha != null) || key != null;
    int channels = alpha ? 4 : 3;
    long rowBuffers = 2 * (header.rowBytes(w) + 1) + (long) w * channels;
    if (header.interlaced()) {
      budget.reserve(
          rowBuffers + interlacedImageBytes(header, channels),
          "the interlaced PNG's full-size image");
    } else {
      budget.reserve(rowBuffers, "the PNG's row buffers");
    }
    Expander expander = new Expander(header, palette, paletteAlpha, key, channels);
    sink.start(channels);
    Inflater inflater = new Inflater(true);
    try {
      Stream stream = new Stream(png, idats, inflater);
      if (!header.interlaced()) {
        decodeRows(stream, header, w, h, expander, channels, sink::row, budget);
      } else {
        decodeInterlaced(stream, header, expander, channels, sink, budget);
      }
      if (!inflater.finished()) {
        // All rows are there; the deflate stream's end must follow in the data.
        byte[] rest = new byte[64];
        while (!inflater.finished()) {
          if (stream.fill(rest, 0, rest.length) < 0) {
            break;
          }
        }
      }
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("PNG image data is corrupt: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  private interface Rows {
    void row(int y, byte[] row, int offset);
  }

  /**
   * Inflates {@code h} filtered rows of {@code w} pixels in large batches, unfilters in place,
   * expands each.
   */
  private static void decodeRows(
      Stream stream,
      Header header,
      int w,
      int h,
      Expander expander,
      int channels,
      Rows rows,
      RenderBudget budget)
      throws DataFormatException {
    int rowBytes = (int) header.rowBytes(w);
    int rowLength = rowBytes + 1;
    int bpp = Math.max(1, header.bitsPerPixel() / 8);
    int batch = Math.max(1, Math.min(h, BATCH_BYTES / rowLength));
    // Slot 0 holds the previous row (unfiltered) for the next batch's first row.
    Buffers buffers = BUFFERS.get();
    byte[] buf = buffers.batch((batch + 1) * rowLength);
    byte[] out = buffers.row(w * channels);
    boolean direct = expander == null || expander.direct(); // null: the caller wants raw rows
    int y = 0;
    while (y < h) {
      budget.checkDeadline();
      int n = Math.min(batch, h - y);
      int want = n * rowLength;
      int got = 0;
      while (got < want) {
        int r = stream.fill(buf, rowLength + got, want - got);
        if (r < 0) {
          throw new IllegalArgumentException(
              "PNG image data is truncated (row " + (y + got / rowLength) + " of " + h + ")");
        }
        got += r;
      }
      for (int i = 0; i < n; i++, y++) {
        int cur = (i + 1) * rowLength;
        unfilter(buf, cur, cur - rowLength, y == 0, rowBytes, bpp, y);
        if (direct) {
          rows.row(y, buf, cur + 1); // 8-bit RGB or RGBA: the unfiltered bytes already are the row
        } else {
          rows.row(y, expander.expand(buf, cur + 1, w, out), 0);
        }
      }
      System.arraycopy(buf, n * rowLength, buf, 0, rowLength);
    }
    buffers.release();
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /**
   * Row buffers kept per thread between decodes (up to a few MB), so the hot path allocates none.
   */
  private static final class Buffers {
    private static final int RETAIN = 4 << 20;
    private static final int IMAGE_RETAIN = 16 << 20;
    byte[] batch = new byte[0];
    byte[] row = new byte[0];
    byte[] image = new byte[0];
    byte[] stage;

    byte[] stage() {
      if (stage == null) {
        stage = new byte[STAGE_BYTES];
      }
      return stage;
    }

    byte[] image(int n) {
      if (n > IMAGE_RETAIN) {
        return new byte[n];
      }
      if (image.length < n) {
        image = new byte[n];
      }
      return image;
    }

    void releaseImage() {
      if (image.length > IMAGE_RETAIN) {
        image = new byte[0];
      }
    }

    byte[] batch(int n) {
      if (batch.length < n) {
        batch = new byte[n];
      }
      return batch;
    }

    byte[] row(int n) {
      if (row.length < n) {
        row = new byte[n];
      }
      return row;
    }

    void release() {
      if (batch.length > RETAIN) {
        batch = new byte[0];
      }
      if (row.length > RETAIN) {
        row = new byte[0];
      }
    }
  }

  /**
   * What an interlaced image is held in until its last pass: as stored (a 1-bit image 1/24 of its
   * RGB size, 8-bit grey or palette 1/3) when that is smaller than expanded, else expanded.
   */
  private static boolean keepsInterlacedRaw(Header header, int channels) {
    return header.bitsPerPixel() < 8 * channels;
  }

  private static long interlacedImageBytes(Header header, int channels) {
    return keepsInterlacedRaw(header, channels)
        ? header.rowBytes(header.width()) * header.height()
        : (long) header.width() * header.height() * channels;
  }

  private static void decodeInterlaced(
      Stream stream,
      Header header,
      Expander expander,
      int channels,
      RowSink sink,
      RenderBudget budget)
      throws DataFormatException {
    if (keepsInterlacedRaw(header, channels)) {
      decodeInterlacedRaw(stream, header, expander, channels, sink, budget);
      return;
    }
    int w = header.width();
    int h = header.height();
    // Every pixel is written by exactly one pass, so a reused buffer needs no clearing.
    Buffers buffers = BUFFERS.get();
    byte[] image = buffers.image(Math.multiplyExact(Math.multiplyExact(w, h), channels));
    for (int[] pass : ADAM7) {
      int pw = (w - pass[0] + pass[2] - 1) / pass[2];
      int ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw <= 0 || ph <= 0) {
        continue;
      }
      decodeRows(
          stream,
          header,
          pw,
          ph,
          expander,
          channels,
          (py, row, offset) -> {
            int y = pass[1] + py * pass[3];
            int step = pass[2] * channels;
            if (step == channels) {
              System.arraycopy(row, offset, image, (y * w + pass[0]) * channels, pw * channels);
              return;
            }
            for (int px = 0, o = (y * w + pass[0]) * channels, p = offset;
                px < pw;
                px++, o += step, p += channels) {
              for (int c = 0; c < channels; c++) {
                image[o + c] = row[p + c];
              }
            }
          },
          budget);
    }
    for (int y = 0; y < h; y++) {
      sink.row(y, image, y * w * channels);
    }
    buffers.releaseImage();
  }

  /**
   * {@link #decodeInterlaced} keeping the image as stored: each pass's unfiltered pixels are put in
   * place in rows of {@code rowBytes(width)} (bit by bit below 8 bits a pixel), and the rows are
   * expanded only once the last pass is in.
   */
  private static void decodeInterlacedRaw(
      Stream stream,
      Header header,
      Expander expander,
      int channels,
      RowSink sink,
      RenderBudget budget)
      throws DataFormatException {
    int w = header.width();
    int h = header.height();
    int rb = (int) header.rowBytes(w);
    int d = header.bitsPerPixel();
    int bytes = d / 8;
    int mask = (1 << Math.min(d, 8)) - 1;
    // Every pixel is written by exactly one pass (bits below 8 are masked in), so a reused buffer
    // needs no clearing.
    Buffers buffers = BUFFERS.get();
    byte[] image = buffers.image(Math.multiplyExact(rb, h));
    for (int[] pass : ADAM7) {
      int pw = (w - pass[0] + pass[2] - 1) / pass[2];
      int ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw <= 0 || ph <= 0) {
        continue;
      }
      decodeRows(
          stream,
          header,
          pw,
          ph,
          null,
          channels,
          (py, row, offset) -> {
            int base = (pass[1] + py * pass[3]) * rb;
            if (pass[2] == 1) {
              System.arraycopy(row, offset, image, base, rb); // the last pass: whole rows
              return;
            }
            if (bytes > 0) {
              for (int px = 0, x = pass[0], p = offset; px < pw; px++, x += pass[2], p += bytes) {
                System.arraycopy(row, p, image, base + x * bytes, bytes);
              }
              return;
            }
            for (int px = 0, x = pass[0]; px < pw; px++, x += pass[2]) {
              int from = px * d;
              int v = (row[offset + (from >> 3)] >> (8 - d - (from & 7))) & mask;
              int to = x * d;
              int shift = 8 - d - (to & 7);
              int at = base + (to >> 3);
              image[at] = (byte) ((image[at] & ~(mask << shift)) | (v << shift));
            }
          },
          budget);
    }
    byte[] out = buffers.row(w * channels);
    for (int y = 0; y < h; y++) {
      if ((y & 63) == 0) {
        budget.checkDeadline();
      }
      sink.row(y, expander.expand(image, y * rb, w, out), 0);
    }
    buffers.release();
    buffers.releaseImage();
  }

  private static long interlacedBytes(Header header) {
    long total = 0;
    for (int[] pass : ADAM7) {
      long pw = (header.width() - pass[0] + pass[2] - 1) / pass[2];
      long ph = (header.height() - pass[1] + pass[3] - 1) / pass[3];
      if (pw > 0 && ph > 0) {
        total += (header.rowBytes(pw) + 1) * ph;
      }
    }
    return total;
  }

  /**
   * The IDAT chunks as one zlib stream. Their payloads are copied into a per-thread staging buffer
   * of {@link #STAGE_BYTES} at a time, so zlib sees one contiguous input and stays in its fast loop
   * instead of leaving it at every chunk boundary (PNG writers cut IDAT every 8 KB): inflating is
   * ~15% faster that way.
   */
  private static final class Stream {
    final byte[] png;
    final List<int[]> idats;
    final Inflater inflater;
    final byte[] stage;
    int next;
    int used; // bytes of idats.get(next) already staged

    /** Checks the zlib header and starts the (raw) inflater after it. */
    Stream(byte[] png, List<int[]> idats, Inflater inflater) throws DataFormatException {
      this.png = png;
      this.idats = idats;
      this.inflater = inflater;
      this.stage = idats.size() > 1 ? BUFFERS.get().stage() : null;
      int cmf = take();
      int flg = take();
      if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0) {
        throw new DataFormatException("not a zlib stream (bad header)");
      }
      if ((flg & 0x20) != 0) {
        throw new DataFormatException("needs a preset dictionary");
      }
    }

    /** The next byte of the joined IDAT data, before any of it reaches the inflater. */
    private int take() throws DataFormatException {
      while (next < idats.size() && used == idats.get(next)[1]) {
        next++;
        used = 0;
      }
      if (next >= idats.size()) {
        throw new DataFormatException("the data ends inside the zlib header");
      }
      int[] chunk = idats.get(next);
      return png[chunk[0] + used++] & 0xff;
    }

    /** Hands zlib the next input; false when there is none. */
    private boolean feed() {
      if (next >= idats.size()) {
        return false;
      }
      if (stage == null) {
        int[] chunk = idats.get(next++);
        inflater.setInput(png, chunk[0] + used, chunk[1] - used);
        used = 0;
        return true;
      }
      int n = 0;
      while (n < stage.length && next < idats.size()) {
        int[] chunk = idats.get(next);
        int take = Math.min(stage.length - n, chunk[1] - used);
        System.arraycopy(png, chunk[0] + used, stage, n, take);
        n += take;
        used += take;
        if (used == chunk[1]) {
          next++;
          used = 0;
        }
      }
      inflater.setInput(stage, 0, n);
      return true;
    }

    /** Inflates up to {@code n} bytes; -1 when the data ends first. */
    int fill(byte[] b, int off, int n) throws DataFormatException {
      while (true) {
        if (inflater.finished()) {
          return -1;
        }
        if (inflater.needsInput()) {
          if (!feed()) {
            return -1;
          }
          continue;
        }
        int r = inflater.inflate(b, off, n);
        if (r > 0) {
          return r;
        }
        if (inflater.needsDictionary()) {
          throw new DataFormatException("needs a preset dictionary");
        }
      }
    }
  }

  /** Turns one unfiltered row of any depth and colour type into 8-bit RGB or RGBA. */
  private static final class Expander {
    final int ct;
    final int depth;
    final int channels;
    final int[] key;
    final byte[] lut; // palette (or low-depth grey) as RGBA, 256 entries; null when unused
    final boolean paletteImage;

    Expander(Header header, byte[] palette, byte[] paletteAlpha, int[] key, int channels) {
      this.ct = header.colourType();
      this.depth = header.bitDepth();
      this.channels = channels;
      this.key = key;
      this.paletteImage = ct == 3;
      if (ct == 3) {
        lut = new byte[256 * 4];
        int entries = palette.length / 3;
        for (int i = 0; i < 256; i++) {
          if (i < entries) {
            lut[i * 4] = palette[i * 3];
            lut[i * 4 + 1] = palette[i * 3 + 1];
            lut[i * 4 + 2] = palette[i * 3 + 2];
            lut[i * 4 + 3] =
                paletteAlpha != null && i < paletteAlpha.length ? paletteAlpha[i] : (byte) 255;
          }
        }
        this.paletteEntries = entries;
      } else {
        lut = null;
        this.paletteEntries = 0;
      }
    }

    final int paletteEntries;

    /** True when unfiltered rows already are 8-bit RGB or RGBA, as the sink wants them. */
    boolean direct() {
      return depth == 8 && ((ct == 2 && key == null) || ct == 6);
    }

    byte[] expand(byte[] in, int p, int w, byte[] out) {
      switch (ct) {
        case 0 -> grey(in, p, w, out);
        case 3 -> indexed(in, p, w, out);
        case 2 -> {
          if (depth == 8 && key == null) {
            System.arraycopy(in, p, out, 0, w * 3);
          } else {
            rgb(in, p, w, out);
          }
        }
        case 4 -> {
          int step = depth == 16 ? 4 : 2;
          for (int x = 0, o = 0; x < w; x++, o += 4, p += step) {
            byte v = in[p];
            out[o] = v;
            out[o + 1] = v;
            out[o + 2] = v;
            out[o + 3] = in[p + step / 2];
          }
        }
        default -> {
          if (depth == 8) {
            System.arraycopy(in, p, out, 0, w * 4);
          } else {
            for (int x = 0, o = 0; x < w; x++, o += 4, p += 8) {
              out[o] = in[p];
              out[o + 1] = in[p + 2];
              out[o + 2] = in[p + 4];
              out[o + 3] = in[p + 6];
            }
          }
        }
      }
      return out;
    }

    private void grey(byte[] in, int p, int w, byte[] out) {
      int ch = channels;
      if (depth == 16) {
        for (int x = 0, o = 0; x < w; x++, o += ch, p += 2) {
          byte v = in[p];
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
          if (ch == 4) {
            out[o + 3] = ((in[p] & 0xff) << 8 | (in[p + 1] & 0xff)) == key[0] ? 0 : (byte) 255;
          }
        }
        return;
      }
      int mask = (1 << depth) - 1;
      int scale = 255 / mask;
      int perByte = 8 / depth;
      for (int x = 0, o = 0; x < w; x++, o += ch) {
        int raw =
            depth == 8
                ? in[p + x] & 0xff
                : ((in[p + x / perByte] & 0xff) >>> (8 - depth - (x % perByte) * depth)) & mask;
        byte v = (byte) (raw * scale);
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
        if (ch == 4) {
          out[o + 3] = raw == key[0] ? 0 : (byte) 255;
        }
      }
    }

    private IllegalArgumentException badIndex(int idx) {
      return new IllegalArgumentException(
          "PNG palette index " + idx + " is out of range (" + paletteEntries + " entries)");
    }

    private void rgb(byte[] in, int p, int w, byte[] out) {
      int ch = channels;
      int step = depth == 16 ? 6 : 3;
      int half = depth == 16 ? 2 : 1;
      for (int x = 0, o = 0; x < w; x++, o += ch, p += step) {
        out[o] = in[p];
        out[o + 1] = in[p + half];
        out[o + 2] = in[p + 2 * half];
        if (ch == 4) {
          boolean transparent =
              depth == 16
                  ? u16(in, p) == key[0] && u16(in, p + 2) == key[1] && u16(in, p + 4) == key[2]
                  : (in[p] & 0xff) == key[0]
                      && (in[p + 1] & 0xff) == key[1]
                      && (in[p + 2] & 0xff) == key[2];
          out[o + 3] = transparent ? 0 : (byte) 255;
        }
      }
    }

    private void indexed(byte[] in, int p, int w, byte[] out) {
      int ch = channels;
      if (depth == 8) {
        byte[] lut = this.lut;
        int entries = paletteEntries;
        if (ch == 3) {
          for (int x = 0, o = 0; x < w; x++, o += 3) {
            int idx = in[p + x] & 0xff;
            if (idx >= entries) {
              throw badIndex(idx);
            }
            int l = idx << 2;
            out[o] = lut[l];
            out[o + 1] = lut[l + 1];
            out[o + 2] = lut[l + 2];
          }
        } else {
          for (int x = 0, o = 0; x < w; x++, o += 4) {
            int idx = in[p + x] & 0xff;
            if (idx >= entries) {
              throw badIndex(idx);
            }
            int l = idx << 2;
            out[o] = lut[l];
            out[o + 1] = lut[l + 1];
            out[o + 2] = lut[l + 2];
            out[o + 3] = lut[l + 3];
          }
        }
        return;
      }
      int mask = (1 << depth) - 1;
      int perByte = 8 / depth;
      for (int x = 0, o = 0; x < w; x++, o += ch) {
        int idx =
            depth == 8
                ? in[p + x] & 0xff
                : ((in[p + x / perByte] & 0xff) >>> (8 - depth - (x % perByte) * depth)) & mask;
        if (idx >= paletteEntries) {
          throw badIndex(idx);
        }
        int l = idx * 4;
        out[o] = lut[l];
        out[o + 1] = lut[l + 1];
        out[o + 2] = lut[l + 2];
        if (ch == 4) {
          out[o + 3] = lut[l + 3];
        }
      }
    }
  }

  /**
   * Unfilters the row at {@code cur} (filter byte first) in place against the row at {@code prev}.
   */
  private static void unfilter(
      byte[] b, int row, int prevRow, boolean firstRow, int n, int bpp, int y) {
    int filter = b[row];
    int cur = row + 1;
    int prev = prevRow + 1;
    if (!firstRow && bpp <= 4 && bpp != 2 && n % bpp == 0 && filter >= 1 && filter <= 4) {
      if (bpp == 1) {
        unfilter1(b, cur, prev, n, filter);
      } else if (bpp == 3) {
        unfilter3(b, cur, prev, n, filter);
      } else {
        unfilter4(b, cur, prev, n, filter);
      }
      return;
    }
    switch (filter) {
      case 0 -> {}
      case 1 -> {
        for (int i = bpp; i < n; i++) {
          b[cur + i] += b[cur + i - bpp];
        }
      }
      case 2 -> {
        if (!firstRow) {
          addUp(b, cur, prev, n);
        }
      }
      case 3 -> {
        if (firstRow) {
          for (int i = bpp; i < n; i++) {
            b[cur + i] += (byte) ((b[cur + i - bpp] & 0xff) >>> 1);
          }
        } else {
          for (int i = 0; i < bpp && i < n; i++) {
            b[cur + i] += (byte) ((b[prev + i] & 0xff) >>> 1);
          }
          for (int i = bpp; i < n; i++) {
            b[cur + i] += (byte) (((b[cur + i - bpp] & 0xff) + (b[prev + i] & 0xff)) >>> 1);
          }
        }
      }
      case 4 -> {
        if (firstRow) {
          for (int i = bpp; i < n; i++) { // Paeth with no row above is Sub
            b[cur + i] += b[cur + i - bpp];
          }
        } else {
          for (int i = 0; i < bpp && i < n; i++) {
            b[cur + i] += b[prev + i];
          }
          for (int i = bpp; i < n; i++) {
            int a = b[cur + i - bpp] & 0xff;
            int up = b[prev + i] & 0xff;
            int c = b[prev + i - bpp] & 0xff;
            int pa = Math.abs(up - c);
            int pb = Math.abs(a - c);
            int pc = Math.abs(a + up - 2 * c);
            int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? up : c);
            b[cur + i] += (byte) pred;
          }
        }
      }
      default ->
          throw new IllegalArgumentException(
              "PNG row " + y + " has unknown filter type " + filter + " (corrupt)");
    }
  }

  // Sub, Average and Paeth for 8-bit RGB, RGBA and one-byte pixels (grey, palette), the common
  // cases, with the pixel to the left (and above-left) carried in locals: the generic loops read
  // back the byte they stored bpp steps earlier, a store-to-load chain that made unfiltering
  // slower than inflating.

  private static void unfilter1(byte[] b, int cur, int prev, int n, int filter) {
    int a = 0;
    switch (filter) {
      case 1 -> {
        for (int i = 0; i < n; i++) {
          a = (b[cur + i] + a) & 0xff;
          b[cur + i] = (byte) a;
        }
      }
      case 2 -> {
        addUp(b, cur, prev, n);
      }
      case 3 -> {
        for (int i = 0; i < n; i++) {
          a = (b[cur + i] + ((a + (b[prev + i] & 0xff)) >>> 1)) & 0xff;
          b[cur + i] = (byte) a;
        }
      }
      default -> {
        int c = 0;
        for (int i = 0; i < n; i++) {
          int u = b[prev + i] & 0xff;
          a = (b[cur + i] + paeth(a, u, c)) & 0xff;
          b[cur + i] = (byte) a;
          c = u;
        }
      }
    }
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  /**
   * The Up filter, {@code b[cur + i] += b[prev + i]} for {@code i < n}, eight bytes at a time as
   * lane-wise additions in a long (C2 does not vectorise the byte loop: both rows sit at variable
   * offsets in one array). The rows must not overlap.
   */
  static void addUp(byte[] b, int cur, int prev, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long x = (long) LONGS.get(b, cur + i);
      long y = (long) LONGS.get(b, prev + i);
      LONGS.set(b, cur + i, ((x & ~HIGH_BITS) + (y & ~HIGH_BITS)) ^ ((x ^ y) & HIGH_BITS));
    }
    for (; i < n; i++) {
      b[cur + i] += b[prev + i];
    }
  }

  private static void unfilter3(byte[] b, int cur, int prev, int n, int filter) {
    int a0 = 0;
    int a1 = 0;
    int a2 = 0;
    switch (filter) {
      case 1 -> {
        for (int i = 0; i < n; i += 3) {
          a0 = (b[cur + i] + a0) & 0xff;
          a1 = (b[cur + i + 1] + a1) & 0xff;
          a2 = (b[cur + i + 2] + a2) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
        }
      }
      case 2 -> {
        addUp(b, cur, prev, n);
      }
      case 3 -> {
        for (int i = 0; i < n; i += 3) {
          a0 = (b[cur + i] + ((a0 + (b[prev + i] & 0xff)) >>> 1)) & 0xff;
          a1 = (b[cur + i + 1] + ((a1 + (b[prev + i + 1] & 0xff)) >>> 1)) & 0xff;
          a2 = (b[cur + i + 2] + ((a2 + (b[prev + i + 2] & 0xff)) >>> 1)) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
        }
      }
      default -> {
        int c0 = 0;
        int c1 = 0;
        int c2 = 0;
        for (int i = 0; i < n; i += 3) {
          int u0 = b[prev + i] & 0xff;
          int u1 = b[prev + i + 1] & 0xff;
          int u2 = b[prev + i + 2] & 0xff;
          a0 = (b[cur + i] + paeth(a0, u0, c0)) & 0xff;
          a1 = (b[cur + i + 1] + paeth(a1, u1, c1)) & 0xff;
          a2 = (b[cur + i + 2] + paeth(a2, u2, c2)) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
          c0 = u0;
          c1 = u1;
          c2 = u2;
        }
      }
    }
  }

  private static void unfilter4(byte[] b, int cur, int prev, int n, int filter) {
    int a0 = 0;
    int a1 = 0;
    int a2 = 0;
    int a3 = 0;
    switch (filter) {
      case 1 -> {
        for (int i = 0; i < n; i += 4) {
          a0 = (b[cur + i] + a0) & 0xff;
          a1 = (b[cur + i + 1] + a1) & 0xff;
          a2 = (b[cur + i + 2] + a2) & 0xff;
          a3 = (b[cur + i + 3] + a3) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
          b[cur + i + 3] = (byte) a3;
        }
      }
      case 2 -> {
        addUp(b, cur, prev, n);
      }
      case 3 -> {
        for (int i = 0; i < n; i += 4) {
          a0 = (b[cur + i] + ((a0 + (b[prev + i] & 0xff)) >>> 1)) & 0xff;
          a1 = (b[cur + i + 1] + ((a1 + (b[prev + i + 1] & 0xff)) >>> 1)) & 0xff;
          a2 = (b[cur + i + 2] + ((a2 + (b[prev + i + 2] & 0xff)) >>> 1)) & 0xff;
          a3 = (b[cur + i + 3] + ((a3 + (b[prev + i + 3] & 0xff)) >>> 1)) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
          b[cur + i + 3] = (byte) a3;
        }
      }
      default -> {
        int c0 = 0;
        int c1 = 0;
        int c2 = 0;
        int c3 = 0;
        for (int i = 0; i < n; i += 4) {
          int u0 = b[prev + i] & 0xff;
          int u1 = b[prev + i + 1] & 0xff;
          int u2 = b[prev + i + 2] & 0xff;
          int u3 = b[prev + i + 3] & 0xff;
          a0 = (b[cur + i] + paeth(a0, u0, c0)) & 0xff;
          a1 = (b[cur + i + 1] + paeth(a1, u1, c1)) & 0xff;
          a2 = (b[cur + i + 2] + paeth(a2, u2, c2)) & 0xff;
          a3 = (b[cur + i + 3] + paeth(a3, u3, c3)) & 0xff;
          b[cur + i] = (byte) a0;
          b[cur + i + 1] = (byte) a1;
          b[cur + i + 2] = (byte) a2;
          b[cur + i + 3] = (byte) a3;
          c0 = u0;
          c1 = u1;
          c2 = u2;
          c3 = u3;
        }
      }
    }
  }

  /** The Paeth predictor of left {@code a}, above {@code b} and above-left {@code c}. */
  private static int paeth(int a, int b, int c) {
    int pa = Math.abs(b - c);
    int pb = Math.abs(a - c);
    int pc = Math.abs(a + b - 2 * c);
    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
  }

  private static boolean crcMatches(byte[] png, int pos, int len) {
    CRC32 crc = new CRC32();
    crc.update(png, pos + 4, len + 4);
    return crc.getValue() == u32(png, pos + 8 + len);
  }

  private static String typeName(int type) {
    char[] c = new char[4];
    for (int i = 0; i < 4; i++) {
      int v = (type >>> (24 - 8 * i)) & 0xff;
      c[i] = v >= 0x20 && v < 0x7f ? (char) v : '?';
    }
    return new String(c);
  }

  private static long u32(byte[] b, int p) {
    return ((b[p] & 0xffL) << 24)
        | ((b[p + 1] & 0xffL) << 16)
        | ((b[p + 2] & 0xffL) << 8)
        | (b[p + 3] & 0xffL);
  }

  private static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
