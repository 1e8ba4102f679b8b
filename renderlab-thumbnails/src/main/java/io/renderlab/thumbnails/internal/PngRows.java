package io.renderlab.thumbnails.internal;

import java.util.zip.DataFormatException;

/**
 * The PNG decoder's row loop: filtered rows inflated in large batches from the joined IDAT data,
 * unfiltered in place and expanded to 8-bit RGB or RGBA, plus the per-thread buffers that keep the
 * hot path allocation-free. Interlaced images go through {@link PngInterlace}. Not public API.
 */
final class PngRows {
  private PngRows() {}

  /** Inflate in batches of about this many bytes of rows. */
  private static final int BATCH_BYTES = 256 * 1024;

  interface Rows {
    void row(int y, byte[] row, int offset);
  }

  /**
   * Inflates {@code h} filtered rows of {@code w} pixels in large batches, unfilters in place,
   * expands each.
   */
  static void decodeRows(
      PngIdatStream stream,
      PngDecoder.Header header,
      int w,
      int h,
      PngExpander expander,
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
        PngUnfilter.unfilter(buf, cur, cur - rowLength, y == 0, rowBytes, bpp, y);
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

  static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /**
   * Row buffers kept per thread between decodes (up to a few MB), so the hot path allocates none.
   */
  static final class Buffers {
    private static final int RETAIN = 4 << 20;
    private static final int IMAGE_RETAIN = 16 << 20;
    byte[] batch = new byte[0];
    byte[] row = new byte[0];
    byte[] image = new byte[0];
    byte[] stage;

    byte[] stage() {
      if (stage == null) {
        stage = new byte[PngIdatStream.STAGE_BYTES];
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
}
