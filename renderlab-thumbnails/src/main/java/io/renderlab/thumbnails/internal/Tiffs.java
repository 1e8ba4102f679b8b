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
  private static final int ICC_PROFILE = 34675;

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
   * not a classic TIFF or its first image has no horizontal differencing.
   */
  public static byte[] withoutPredictor(byte[] tiff) {
    if (tiff.length < 8 || tiff[0] != tiff[1] || (tiff[0] != 'I' && tiff[0] != 'M')) {
      return null;
    }
    ByteBuffer b =
        ByteBuffer.wrap(tiff)
            .order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    if (b.getShort(2) != 42) {
      return null; // BigTIFF or not TIFF
    }
    long ifd = b.getInt(4) & 0xffffffffL;
    if (ifd + 2 > tiff.length) {
      return null;
    }
    int entries = b.getShort((int) ifd) & 0xffff;
    for (int i = 0; i < entries; i++) {
      long e = ifd + 2 + 12L * i;
      if (e + 12 > tiff.length) {
        return null;
      }
      int at = (int) e;
      if ((b.getShort(at) & 0xffff) == PREDICTOR
          && b.getShort(at + 2) == TIFFTag.TIFF_SHORT
          && b.getInt(at + 4) == 1
          && b.getShort(at + 8) == 2) {
        byte[] copy = tiff.clone();
        ByteBuffer.wrap(copy).order(b.order()).putShort(at + 8, (short) 1);
        return copy;
      }
    }
    return null;
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

  private static int intTag(TIFFDirectory tiff, int tag, int absent) {
    TIFFField f = tiff == null ? null : tiff.getTIFFField(tag);
    return f == null || f.getCount() < 1 ? absent : f.getAsInt(0);
  }
}
