package io.renderlab.thumbnails.internal;

import java.awt.color.ICC_Profile;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferUShort;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * An RGB to sRGB transform sampled once at {@value #GRID}³ points with 16-bit precision and
 * interpolated tetrahedrally per pixel, as LittleCMS optimises an 8-bit transform itself. The JDK's
 * LittleCMS runs a LUT-based ({@code A2B0}) profile's pipeline in full for every pixel, ~350 ns a
 * pixel for a scanner's 16-bit table or jpegli's XYB profile; the table costs that for its 35,937
 * points once per profile and then ~10 ns a pixel. Immutable, thread-safe. Not public API.
 */
final class RgbLut {
  /** Points per axis: LittleCMS's grid for 8-bit RGB input. */
  static final int GRID = 33;

  private static final int SB = 3;
  private static final int SG = GRID * SB;
  private static final int SR = GRID * GRID * SB;

  /** Grid cell below each 8-bit level, and the level's position in that cell (0..1). */
  private static final int[] CELL = new int[256];

  private static final float[] FRACTION = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      int t = v * (GRID - 1);
      int cell = Math.min(t / 255, GRID - 2);
      CELL[v] = cell;
      FRACTION[v] = (t - cell * 255) / 255f;
    }
  }

  /** 16-bit sRGB samples at each grid point, {@code ((r * GRID + g) * GRID + b) * 3}. */
  private final float[] table;

  /**
   * Per cell, {@code (r * GRID + g) * GRID + b} by its lowest corner: true when a corner is clipped
   * (a channel at 0 or full scale), where interpolating would blend a clipped and an unclipped
   * colour.
   */
  private final boolean[] clipped;

  private RgbLut(float[] table, boolean[] clipped) {
    this.table = table;
    this.clipped = clipped;
  }

  /**
   * True when {@code profile} maps RGB through tables ({@code A2Bx}) rather than a matrix and
   * curves, which LittleCMS already runs fast and exactly at 8 bits.
   */
  static boolean tableBased(ICC_Profile profile) {
    return profile.getData(ICC_Profile.icSigAToB0Tag) != null
        || profile.getData(ICC_Profile.icSigAToB1Tag) != null
        || profile.getData(ICC_Profile.icSigAToB2Tag) != null;
  }

  /**
   * The table of the transform through {@code profiles} (an RGB source, an RGB destination), run on
   * 16-bit samples by a transform of its own (so the shared 8-bit one keeps its LittleCMS state).
   *
   * @throws RuntimeException as {@link ColorConvertOp#filter} does, for a profile it cannot use
   */
  static RgbLut sample(ICC_Profile[] profiles) {
    int points = GRID * GRID * GRID;
    short[] grid = new short[points * 3];
    int p = 0;
    for (int r = 0; r < GRID; r++) {
      for (int g = 0; g < GRID; g++) {
        for (int b = 0; b < GRID; b++) {
          grid[p++] = node(r);
          grid[p++] = node(g);
          grid[p++] = node(b);
        }
      }
    }
    short[] out = new short[points * 3];
    int[] offsets = {0, 1, 2};
    Raster src =
        Raster.createInterleavedRaster(
            new DataBufferUShort(grid, grid.length), points, 1, points * 3, 3, offsets, null);
    WritableRaster dst =
        Raster.createInterleavedRaster(
            new DataBufferUShort(out, out.length), points, 1, points * 3, 3, offsets, null);
    new ColorConvertOp(profiles, null).filter(src, dst);
    float[] table = new float[out.length];
    boolean[] clippedNode = new boolean[points];
    for (int i = 0; i < out.length; i++) {
      int v = out[i] & 0xffff;
      table[i] = v * (255f / 65535f);
      clippedNode[i / 3] |= v == 0 || v == 0xffff;
    }
    boolean[] clipped = new boolean[points];
    for (int r = 0; r < GRID - 1; r++) {
      for (int g = 0; g < GRID - 1; g++) {
        for (int b = 0; b < GRID - 1; b++) {
          int cell = (r * GRID + g) * GRID + b;
          boolean any = false;
          for (int corner = 0; corner < 8; corner++) {
            any |=
                clippedNode[
                    cell
                        + ((corner & 4) != 0 ? GRID * GRID : 0)
                        + ((corner & 2) != 0 ? GRID : 0)
                        + (corner & 1)];
          }
          clipped[cell] = any;
        }
      }
    }
    return new RgbLut(table, clipped);
  }

  /** The 16-bit sample at grid point {@code i}, LittleCMS's {@code _cmsQuantizeVal}. */
  private static short node(int i) {
    return (short) Math.floor(i * 65535.0 / (GRID - 1) + 0.5);
  }

  /**
   * The {@code n} pixels of {@code argb} (0xAARRGGBB) through the table, alpha kept; rounded to 8
   * bits. Pixels in a cell with a clipped corner go through {@code exact} instead (given those
   * pixels, it returns them converted, or null to keep the table's values).
   */
  int[] apply(int[] argb, int n, UnaryOperator<int[]> exact) {
    float[] t = table;
    Tetrahedron tet = new Tetrahedron();
    int[] result = new int[n];
    int[] edge = new int[64];
    int edges = 0;
    for (int i = 0; i < n; i++) {
      int v = argb[i];
      int r = (v >> 16) & 0xff;
      int g = (v >> 8) & 0xff;
      int b = v & 0xff;
      float fr = FRACTION[r];
      float fg = FRACTION[g];
      float fb = FRACTION[b];
      int cell = (CELL[r] * GRID + CELL[g]) * GRID + CELL[b];
      if (clipped[cell]) {
        if (edges == edge.length) {
          edge = Arrays.copyOf(edge, edges * 2);
        }
        edge[edges++] = i;
      }
      int x0 = cell * SB;
      tet.locate(fr, fg, fb, SR, SG, SB);
      int x3 = x0 + SR + SG + SB;
      int xa = x0 + tet.a;
      int xc = x0 + tet.b;
      int out = v & 0xff000000;
      for (int ch = 0; ch < 3; ch++) {
        float s =
            t[x0 + ch] * tet.w0 + t[xa + ch] * tet.wa + t[xc + ch] * tet.wb + t[x3 + ch] * tet.w3;
        out |= Math.min(255, (int) (s + 0.5f)) << (16 - 8 * ch);
      }
      result[i] = out;
    }
    if (edges > 0) {
      int[] pixels = new int[edges];
      for (int k = 0; k < edges; k++) {
        pixels[k] = argb[edge[k]];
      }
      int[] converted = exact.apply(pixels);
      if (converted != null) {
        for (int k = 0; k < edges; k++) {
          result[edge[k]] = converted[k];
        }
      }
    }
    return result;
  }
}
