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
 *
 * <p>This class reads the chunks (IHDR, PLTE, tRNS, IDAT, IEND, iCCP; CRCs, order, the bomb check)
 * and drives the parts, split as image-rs' image-png splits them: {@link PngIdatStream} joins the
 * IDAT payloads and inflates them, {@link PngRows} runs the batched row loop, {@link PngUnfilter}
 * undoes the row filters, {@link PngInterlace} reassembles Adam7's passes and {@link PngExpander}
 * turns each row into 8-bit RGB or RGBA.
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

  /** Largest iCCP profile accepted (sharp / libvips accept profiles up to their chunk limit). */
  private static final int MAX_ICC_BYTES = 4 << 20;

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
        header.interlaced()
            ? PngInterlace.interlacedBytes(header)
            : (header.rowBytes(w) + 1) * (long) h;
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
    // A missing IEND loses nothing when every row is in the data (checked as the rows are
    // inflated): the file is read, as libpng and sharp read it (README, Truncation).
    boolean alpha = ct == 4 || ct == 6 || (ct == 3 && paletteAlpha != null) || key != null;
    int channels = alpha ? 4 : 3;
    long rowBuffers = 2 * (header.rowBytes(w) + 1) + (long) w * channels;
    if (header.interlaced()) {
      budget.reserve(
          rowBuffers + PngInterlace.interlacedImageBytes(header, channels),
          "the interlaced PNG's full-size image");
    } else {
      budget.reserve(rowBuffers, "the PNG's row buffers");
    }
    PngExpander expander = new PngExpander(header, palette, paletteAlpha, key, channels);
    sink.start(channels);
    Inflater inflater = new Inflater(true);
    try {
      PngIdatStream stream = new PngIdatStream(png, idats, inflater);
      if (!header.interlaced()) {
        PngRows.decodeRows(stream, header, w, h, expander, channels, sink::row, budget);
      } else {
        PngInterlace.decodeInterlaced(stream, header, expander, channels, sink, budget);
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

  static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
