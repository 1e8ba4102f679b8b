package io.renderlab.thumbnails.internal;

import java.util.zip.DataFormatException;

/**
 * Adam7 interlacing: the seven passes decoded into a full-size image (as stored when that is
 * smaller than expanded, see {@link #interlacedImageBytes}), then handed to the sink top to bottom.
 * Not public API.
 */
final class PngInterlace {
  private PngInterlace() {}

  private static final int[][] ADAM7 = {
    // x0, y0, dx, dy
    {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}
  };

  /**
   * What an interlaced image is held in until its last pass: as stored (a 1-bit image 1/24 of its
   * RGB size, 8-bit grey or palette 1/3) when that is smaller than expanded, else expanded.
   */
  private static boolean keepsInterlacedRaw(PngDecoder.Header header, int channels) {
    return header.bitsPerPixel() < 8 * channels;
  }

  static long interlacedImageBytes(PngDecoder.Header header, int channels) {
    return keepsInterlacedRaw(header, channels)
        ? header.rowBytes(header.width()) * header.height()
        : (long) header.width() * header.height() * channels;
  }

  static void decodeInterlaced(
      PngIdatStream stream,
      PngDecoder.Header header,
      PngExpander expander,
      int channels,
      PngDecoder.RowSink sink,
      RenderBudget budget)
      throws DataFormatException {
    if (keepsInterlacedRaw(header, channels)) {
      decodeInterlacedRaw(stream, header, expander, channels, sink, budget);
      return;
    }
    int w = header.width();
    int h = header.height();
    // Every pixel is written by exactly one pass, so a reused buffer needs no clearing.
    PngRows.Buffers buffers = PngRows.BUFFERS.get();
    byte[] image = buffers.image(Math.multiplyExact(Math.multiplyExact(w, h), channels));
    for (int[] pass : ADAM7) {
      int pw = (w - pass[0] + pass[2] - 1) / pass[2];
      int ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw <= 0 || ph <= 0) {
        continue;
      }
      PngRows.decodeRows(
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
      PngIdatStream stream,
      PngDecoder.Header header,
      PngExpander expander,
      int channels,
      PngDecoder.RowSink sink,
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
    PngRows.Buffers buffers = PngRows.BUFFERS.get();
    byte[] image = buffers.image(Math.multiplyExact(rb, h));
    for (int[] pass : ADAM7) {
      int pw = (w - pass[0] + pass[2] - 1) / pass[2];
      int ph = (h - pass[1] + pass[3] - 1) / pass[3];
      if (pw <= 0 || ph <= 0) {
        continue;
      }
      PngRows.decodeRows(
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

  static long interlacedBytes(PngDecoder.Header header) {
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
}
