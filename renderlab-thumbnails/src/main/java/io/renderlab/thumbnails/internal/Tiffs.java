package io.renderlab.thumbnails.internal;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.plugins.tiff.TIFFTag;

/**
 * What ImageIO's TIFF reader leaves undone, done the way libtiff (and so sharp) does it.
 *
 * <ul>
 *   <li>CMYK: ImageIO converts separated images with a naive formula and inverts JPEG-in-TIFF inks
 *       as if the JPEG were Adobe's; {@link #cmykInks} gives the inks as stored, and {@link
 *       #iccProfile} the profile to convert them with.
 *   <li>16-bit samples with horizontal differencing (what Photoshop and Lightroom write for 16-bit
 *       LZW or ZIP TIFFs): ImageIO refuses them. {@link #withoutPredictor} hands it a copy whose
 *       Predictor tag says "none", and {@link #undoPredictor} adds the differences back up.
 * </ul>
 *
 * <p>Not public API.
 */
public final class Tiffs {
  private static final int PREDICTOR = 317;
  private static final int TILE_WIDTH = 322;
  private static final int COMPRESSION = 259;
  private static final int PHOTOMETRIC = 262;
  private static final int SAMPLES_PER_PIXEL = 277;
  private static final int ICC_PROFILE = 34675;
  private static final int CIELAB = 8;

  private Tiffs() {}

  /** The image's TIFF tags, or null when its metadata is not TIFF's. */
  public static TIFFDirectory directory(ImageReader reader) throws IOException {
    IIOMetadata metadata = reader.getImageMetadata(0);
    try {
      return metadata == null ? null : TIFFDirectory.createFromMetadata(metadata);
    } catch (IIOInvalidTreeException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The embedded ICC profile (tag 34675), or null. */
  public static byte[] iccProfile(TIFFDirectory tiff) {
    TIFFField profile = tiff == null ? null : tiff.getTIFFField(ICC_PROFILE);
    return profile != null && profile.getType() == TIFFTag.TIFF_UNDEFINED
        ? profile.getAsBytes()
        : null;
  }

  /**
   * The ink amounts (4 bytes a pixel, 0 = no ink) of a separated image ImageIO decoded, 8 or 16
   * bits a sample; further samples (alpha) are dropped.
   */
  public static byte[] cmykInks(Raster raster, TIFFDirectory tiff) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    if (bands < 4) {
      throw new UnsupportedImageException("A CMYK TIFF with " + bands + " samples a pixel.");
    }
    // ImageIO's JPEG reader inverts CMYK as if it were an Adobe JPEG; JPEG-in-TIFF stores inks as
    // they are (libtiff, and so libvips, reads them unchanged).
    int compression = intTag(tiff, COMPRESSION, 1);
    boolean inverted = compression == 6 || compression == 7;
    int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
    byte[] inks = new byte[Math.multiplyExact(w * h, 4)];
    int[] row = new int[w * bands];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0; i < row.length; i += bands, o += 4) {
        for (int c = 0; c < 4; c++) {
          int v = row[i + c] >> shift;
          inks[o + c] = (byte) (inverted ? 255 - v : v);
        }
      }
    }
    return inks;
  }

  /**
   * A copy of the TIFF whose first image's Predictor tag (317) says 1, none; null when the file is
   * not a classic TIFF or its first image has no horizontal differencing. A CIELab image is also
   * relabelled RGB, so that ImageIO hands its samples over as stored rather than converted (see
   * {@link #isCieLab} and {@link #cieLab16ToSrgb}).
   */
  public static byte[] withoutPredictor(byte[] tiff) {
    int predictor = shortEntry(tiff, PREDICTOR);
    if (predictor < 0 || value(tiff, predictor) != 2) {
      return null;
    }
    byte[] copy = tiff.clone();
    put(copy, predictor, 1);
    int photometric = shortEntry(tiff, PHOTOMETRIC);
    if (photometric >= 0 && value(tiff, photometric) == CIELAB) {
      put(copy, photometric, 2);
    }
    return copy;
  }

  /** True when the TIFF's first image is CIELab (photometric interpretation 8). */
  public static boolean isCieLab(byte[] tiff) {
    int photometric = shortEntry(tiff, PHOTOMETRIC);
    return photometric >= 0 && value(tiff, photometric) == CIELAB;
  }

  /**
   * 16-bit CIELab samples as TIFF stores them (L* 0..65535 for 0..100, whether the samples are
   * marked signed or not; a*, b* signed, 256 a unit) to sRGB, as libvips converts them: Lab with a
   * D65 white to XYZ, then sRGB.
   */
  public static Interleaved cieLab16ToSrgb(Raster raster) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    if (bands < 3 || raster.getSampleModel().getSampleSize(0) != 16) {
      throw new UnsupportedImageException("Only 16-bit CIELab TIFFs with differencing are read.");
    }
    byte[] out = new byte[Math.multiplyExact(w * h, 3)];
    int[] row = new int[w * bands];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0; i < row.length; i += bands, o += 3) {
        double l = (row[i] & 0xffff) * 100.0 / 65535;
        double a = (short) row[i + 1] / 256.0;
        double bb = (short) row[i + 2] / 256.0;
        double fy = (l + 16) / 116;
        double fx = fy + a / 500;
        double fz = fy - bb / 200;
        double x = 0.95047 * labInverse(fx);
        double yy = labInverse(fy);
        double z = 1.08883 * labInverse(fz);
        out[o] = srgb(3.2404542 * x - 1.5371385 * yy - 0.4985314 * z);
        out[o + 1] = srgb(-0.9692660 * x + 1.8760108 * yy + 0.0415560 * z);
        out[o + 2] = srgb(0.0556434 * x - 0.2040259 * yy + 1.0572252 * z);
      }
    }
    return new Interleaved(out, w, h, 3, false);
  }

  private static double labInverse(double f) {
    double cube = f * f * f;
    return cube > 216.0 / 24389 ? cube : (116 * f - 16) * 27 / 24389;
  }

  private static byte srgb(double linear) {
    double c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
    return (byte) Math.max(0, Math.min(255, Math.round(c * 255)));
  }

  /**
   * Where in the file IFD0's entry for {@code tag} is, when it is one SHORT (its value then sits in
   * the entry); -1 when there is none or the file is not a classic TIFF.
   */
  private static int shortEntry(byte[] tiff, int tag) {
    if (tiff.length < 8 || tiff[0] != tiff[1] || (tiff[0] != 'I' && tiff[0] != 'M')) {
      return -1;
    }
    ByteBuffer b = buffer(tiff);
    if (b.getShort(2) != 42) {
      return -1; // BigTIFF or not TIFF
    }
    long ifd = b.getInt(4) & 0xffffffffL;
    if (ifd + 2 > tiff.length) {
      return -1;
    }
    int entries = b.getShort((int) ifd) & 0xffff;
    for (int i = 0; i < entries; i++) {
      long e = ifd + 2 + 12L * i;
      if (e + 12 > tiff.length) {
        return -1;
      }
      int at = (int) e;
      if ((b.getShort(at) & 0xffff) == tag
          && b.getShort(at + 2) == TIFFTag.TIFF_SHORT
          && b.getInt(at + 4) == 1) {
        return at;
      }
    }
    return -1;
  }

  private static int value(byte[] tiff, int entry) {
    return buffer(tiff).getShort(entry + 8) & 0xffff;
  }

  private static void put(byte[] tiff, int entry, int value) {
    buffer(tiff).putShort(entry + 8, (short) value);
  }

  private static ByteBuffer buffer(byte[] tiff) {
    return ByteBuffer.wrap(tiff)
        .order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
  }

  /**
   * Adds horizontal differences back up in a raster ImageIO decoded from {@link
   * #withoutPredictor}'s copy: each sample is the difference from the same sample of the pixel to
   * its left, modulo the sample size, restarting at each tile's left edge. Only where the samples
   * are as stored (grey, RGB, CMYK); a colour converted by the reader cannot be undone afterwards.
   */
  public static void undoPredictor(WritableRaster raster, TIFFDirectory tiff) {
    int photometric = intTag(tiff, PHOTOMETRIC, -1);
    if (photometric < 0 || photometric > 5 || photometric == 3 || photometric == 4) {
      throw new UnsupportedImageException(
          "16-bit TIFF with horizontal differencing in photometric interpretation "
              + photometric
              + " is not supported (grey, RGB and CMYK are).");
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    int mask = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
    int tile = intTag(tiff, TILE_WIDTH, w);
    if (tile <= 0) {
      tile = w;
    }
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int x = 1; x < w; x++) {
        if (x % tile == 0) {
          continue; // a tile's first pixel is stored as is
        }
        for (int i = x * bands, end = i + bands; i < end; i++) {
          row[i] = (row[i] + row[i - bands]) & mask;
        }
      }
      raster.setPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
    }
  }

  /**
   * Why ImageIO's reading of this TIFF would be garbage, or null when it reads it right: a palette
   * image with an extra (alpha) sample, whose index ImageIO takes as grey. Read from the tags,
   * before the pixels are decoded.
   */
  public static String wrongReading(TIFFDirectory tiff) {
    if (intTag(tiff, PHOTOMETRIC, -1) == 3 && intTag(tiff, SAMPLES_PER_PIXEL, 1) > 1) {
      return "a palette image with an alpha sample (ImageIO would read its index as grey)";
    }
    return null;
  }

  /** True for a separated (CMYK) TIFF: its inks go through the CMYK route whatever the depth. */
  public static boolean isCmyk(TIFFDirectory tiff) {
    return intTag(tiff, PHOTOMETRIC, -1) == 5 && intTag(tiff, SAMPLES_PER_PIXEL, 1) >= 4;
  }

  /**
   * Clips negative floating-point samples to 0 in place (below black is black, as libvips casts
   * them), where ImageIO's colour model would wrap them into bright colours.
   */
  public static void clipNegativeFloats(java.awt.image.WritableRaster raster) {
    if (raster.getDataBuffer() instanceof java.awt.image.DataBufferFloat floats) {
      for (int b = 0; b < floats.getNumBanks(); b++) {
        float[] data = floats.getData(b);
        for (int i = 0; i < data.length; i++) {
          if (data[i] < 0 || Float.isNaN(data[i])) {
            data[i] = 0;
          }
        }
      }
    } else if (raster.getDataBuffer() instanceof java.awt.image.DataBufferDouble doubles) {
      for (int b = 0; b < doubles.getNumBanks(); b++) {
        double[] data = doubles.getData(b);
        for (int i = 0; i < data.length; i++) {
          if (data[i] < 0 || Double.isNaN(data[i])) {
            data[i] = 0;
          }
        }
      }
    }
  }

  private static int intTag(TIFFDirectory tiff, int tag, int absent) {
    TIFFField f = tiff == null ? null : tiff.getTIFFField(tag);
    return f == null || f.getCount() < 1 ? absent : f.getAsInt(0);
  }
}
