package io.renderlab.thumbnails.internal;

import io.renderlab.thumbnails.Fit;

/**
 * Where the thumbnail's pixels come from, computed as sharp 0.34 does it, so that our output lines
 * up with sharp's to the pixel: one shrink factor for both axes ({@code min} of the two for cover,
 * {@code max} otherwise), the image resized in its stored orientation (the target swapped for EXIF
 * orientations 5-8) to {@code round(size / shrink)}, then rotated, then centre-cropped with sharp's
 * rounding ({@code (resized - target + 1) / 2}). The crop is mapped back into stored coordinates so
 * only the kept pixels are computed. Not public API.
 *
 * @param shrink input pixels per output pixel, both axes
 * @param resizedWidth the whole stored-orientation image's width after the resize
 * @param resizedHeight its height
 * @param cropX first kept column of the resized stored image
 * @param cropY first kept row
 * @param outWidth kept width (stored orientation)
 * @param outHeight kept height (stored orientation)
 */
public record Geometry(
    double shrink,
    int resizedWidth,
    int resizedHeight,
    int cropX,
    int cropY,
    int outWidth,
    int outHeight) {

  /**
   * Plans a {@code targetWidth}×{@code targetHeight} thumbnail (upright) of a stored {@code
   * w}×{@code h} image.
   */
  public static Geometry of(
      int w, int h, int orientation, int targetWidth, int targetHeight, Fit fit) {
    boolean swap = orientation >= 5 && orientation <= 8;
    int tw = swap ? targetHeight : targetWidth;
    int th = swap ? targetWidth : targetHeight;
    double hs = (double) w / tw;
    double vs = (double) h / th;
    double shrink = fit == Fit.COVER ? Math.min(hs, vs) : Math.max(hs, vs);
    shrink = Math.min(shrink, Math.min(w, h)); // never shrink an axis to nothing
    int rw = Math.max(1, (int) Math.floor(w / shrink + 0.5));
    int rh = Math.max(1, (int) Math.floor(h / shrink + 0.5));
    int uprightW = swap ? rh : rw;
    int uprightH = swap ? rw : rh;
    int keepW = fit == Fit.COVER ? Math.min(uprightW, targetWidth) : uprightW;
    int keepH = fit == Fit.COVER ? Math.min(uprightH, targetHeight) : uprightH;
    int cropUX = (uprightW - keepW + 1) / 2;
    int cropUY = (uprightH - keepH + 1) / 2;
    // The stored x axis is the upright y axis when swapped; some orientations also reverse it.
    int cx = swap ? cropUY : cropUX;
    int kx = swap ? keepH : keepW;
    int cy = swap ? cropUX : cropUY;
    int ky = swap ? keepW : keepH;
    boolean reverseX = orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8;
    boolean reverseY = orientation == 3 || orientation == 4 || orientation == 6 || orientation == 7;
    int cropX = reverseX ? rw - cx - kx : cx;
    int cropY = reverseY ? rh - cy - ky : cy;
    return new Geometry(shrink, rw, rh, cropX, cropY, kx, ky);
  }

  /**
   * The shrink both axes share: what a decoder may do on load (libwebp scaling, JPEG DCT scaling).
   */
  public double commonShrink() {
    return shrink;
  }
}
