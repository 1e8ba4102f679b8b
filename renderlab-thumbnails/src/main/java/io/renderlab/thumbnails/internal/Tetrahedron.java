package io.renderlab.thumbnails.internal;

/**
 * Tetrahedral interpolation's choice within one cell of a 3-D table (LittleCMS's
 * TetrahedralInterp): the tetrahedron holding a point whose fractions along the three axes are
 * given, as the table offsets of its two middle corners and their weights. The corners run from the
 * cell's origin to its far corner along the axes in order of decreasing fraction; the value is
 * {@code w0·t[origin] + wa·t[origin + a] + wb·t[origin + b] + w3·t[origin + far]}. A mutable
 * scratch for one loop ({@link RgbLut}, {@link ColorProfiles}' CMYK table), not shared. Not public
 * API.
 */
final class Tetrahedron {
  int a;
  int b;
  float w0;
  float wa;
  float wb;
  float w3;

  /**
   * Locates the point with fractions {@code fx}, {@code fy}, {@code fz} (0..1) in a cell whose axes
   * step by {@code sx}, {@code sy}, {@code sz} in the table.
   */
  void locate(float fx, float fy, float fz, int sx, int sy, int sz) {
    float f1;
    float f2;
    float f3;
    if (fx >= fy) {
      if (fy >= fz) {
        a = sx;
        b = sx + sy;
        f1 = fx;
        f2 = fy;
        f3 = fz;
      } else if (fx >= fz) {
        a = sx;
        b = sx + sz;
        f1 = fx;
        f2 = fz;
        f3 = fy;
      } else {
        a = sz;
        b = sz + sx;
        f1 = fz;
        f2 = fx;
        f3 = fy;
      }
    } else if (fx >= fz) {
      a = sy;
      b = sy + sx;
      f1 = fy;
      f2 = fx;
      f3 = fz;
    } else if (fy >= fz) {
      a = sy;
      b = sy + sz;
      f1 = fy;
      f2 = fz;
      f3 = fx;
    } else {
      a = sz;
      b = sz + sy;
      f1 = fz;
      f2 = fy;
      f3 = fx;
    }
    w0 = 1f - f1;
    wa = f1 - f2;
    wb = f2 - f3;
    w3 = f3;
  }
}
