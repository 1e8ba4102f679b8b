package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.core.UnsupportedImageException;

/** {@link JpegDecoder}'s buffers, kept per thread between decodes. Not public API. */
final class JpegScratch {
  /** Largest output buffer kept per thread between decodes (bytes). */
  static final int OUT_RETAIN = 48 << 20;

  /**
   * Largest progressive coefficient buffer kept per thread (shorts, a block's mask counting 4; a
   * 12-megapixel 4:4:4 file needs 39 M at full size, 17 M at 1/4), softly held so memory pressure
   * can take it back.
   */
  static final int COEF_RETAIN = 40 << 20;

  static final ThreadLocal<JpegScratch> SCRATCH = ThreadLocal.withInitial(JpegScratch::new);

  static JpegScratch get() {
    return SCRATCH.get();
  }

  final short[] block = new short[JpegDecoder.SPARE + 1];
  final short[] zeroBlock = new short[64];
  final int[] ws = new int[64];
  final byte[][] planes = new byte[4][];
  byte[] out = new byte[0];
  java.lang.ref.SoftReference<short[]> coef = new java.lang.ref.SoftReference<>(new short[0]);
  short[] coefInUse;
  long coefWanted;
  java.lang.ref.SoftReference<long[]> masks = new java.lang.ref.SoftReference<>(new long[0]);
  long[] masksInUse;
  long masksWanted;

  /** The pooled coefficient buffer, pinned for the current decode. */
  short[] coef() {
    if (coefInUse == null) {
      short[] c = coef.get();
      coefInUse = c == null ? new short[0] : c;
    }
    return coefInUse;
  }

  /** The pooled nonzero-mask buffer, pinned for the current decode. */
  long[] masks() {
    if (masksInUse == null) {
      long[] m = masks.get();
      masksInUse = m == null ? new long[0] : m;
    }
    return masksInUse;
  }

  byte[] plane(int c, int n) {
    if (planes[c] == null || planes[c].length < n) {
      planes[c] = new byte[n];
    }
    return planes[c];
  }

  byte[] out(long n) {
    if (n > Integer.MAX_VALUE - 8) {
      throw new UnsupportedImageException(
          "The image/jpeg window is too large to decode in one piece.");
    }
    if (out.length < n) {
      out = new byte[(int) n];
    }
    return out;
  }

  /** After a successful progressive decode: keep a coefficient buffer its size for the next one. */
  void keepCoefficients() {
    if (coefWanted + 4 * masksWanted > COEF_RETAIN) {
      return;
    }
    if (coef().length < coefWanted) {
      coef = new java.lang.ref.SoftReference<>(new short[(int) coefWanted]);
    }
    if (masks().length < masksWanted) {
      masks = new java.lang.ref.SoftReference<>(new long[(int) masksWanted]);
    }
  }

  void release() {
    if (out.length > OUT_RETAIN) {
      out = new byte[0];
    }
    coefInUse = null;
    masksInUse = null;
    for (int c = 0; c < planes.length; c++) {
      if (planes[c] != null && planes[c].length > (4 << 20)) {
        planes[c] = null;
      }
    }
  }
}
