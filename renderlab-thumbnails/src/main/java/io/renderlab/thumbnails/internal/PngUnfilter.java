package io.renderlab.thumbnails.internal;

/**
 * PNG's five row filters undone in place (None, Sub, Up, Average, Paeth), with the Paeth predictor.
 * Not public API.
 */
final class PngUnfilter {
  private PngUnfilter() {}

  /**
   * Unfilters the row at {@code cur} (filter byte first) in place against the row at {@code prev}.
   */
  static void unfilter(byte[] b, int row, int prevRow, boolean firstRow, int n, int bpp, int y) {
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
            b[cur + i] +=
                (byte) paeth(b[cur + i - bpp] & 0xff, b[prev + i] & 0xff, b[prev + i - bpp] & 0xff);
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

  // Speed copy of the generic loops for one-byte pixels (grey, palette): left pixel in a local.
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

  // Speed copy for 8-bit RGB: three left pixels in locals, no store-to-load chain.
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

  // Speed copy for 8-bit RGBA: four left pixels in locals, no store-to-load chain.
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

  /**
   * The Paeth predictor of left {@code a}, above {@code b} and above-left {@code c}, in stb_image's
   * form: the same choice as the specification's three distances (ties included, checked for all
   * 2²⁴ inputs by a test) in a third of the operations and without {@code abs}, which made a
   * Paeth-filtered RGB image's unfiltering 1.7× faster.
   */
  static int paeth(int a, int b, int c) {
    int threshold = c * 3 - (a + b);
    int lo = Math.min(a, b);
    int hi = Math.max(a, b);
    int notA = hi <= threshold ? lo : c;
    return threshold <= lo ? hi : notA;
  }
}
