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
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.plugins.tiff.TIFFTag;
import javax.imageio.plugins.tiff.TIFFTagSet;

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
  private static final int COLOR_MAP = 320;
  private static final int SAMPLE_FORMAT = 339;
  private static final int EXTRA_SAMPLES = 338;

  private Tiffs() {}

  /**
   * The image's TIFF tags that these methods read, parsed from IFD0 of {@code image} (the file the
   * reader reads) when every one of them is plain (classic TIFF, in bounds, not repeated, of the
   * types the tags allow); otherwise ImageIO's. ImageIO hands out its metadata only as a deep copy
   * made through its DOM tree, every byte of every tag a token of a string: for a megabyte-sized
   * ICC profile that copy costs more than the decoding.
   */
  public static TIFFDirectory directory(byte[] image, ImageReader reader) throws IOException {
    TIFFDirectory own = ownDirectory(image);
    return own != null ? own : directory(reader);
  }

  private static final int[] READ_TAGS = {
    PREDICTOR,
    TILE_WIDTH,
    COMPRESSION,
    PHOTOMETRIC,
    SAMPLES_PER_PIXEL,
    ICC_PROFILE,
    COLOR_MAP,
    SAMPLE_FORMAT,
    EXTRA_SAMPLES
  };

  private static TIFFDirectory ownDirectory(byte[] tiff) {
    TiffIfd own = TiffIfd.of(tiff);
    if (own == null || own.at() < 8) {
      return null;
    }
    ByteBuffer b = own.b();
    long ifd = own.at();
    int entries = own.entries();
    BaselineTIFFTagSet baseline = BaselineTIFFTagSet.getInstance();
    TIFFDirectory dir = new TIFFDirectory(new TIFFTagSet[] {baseline}, null);
    try {
      for (int i = 0; i < entries; i++) {
        int at = (int) (ifd + 2 + 12L * i);
        int number = b.getShort(at) & 0xffff;
        boolean read = false;
        for (int t : READ_TAGS) {
          read |= t == number;
        }
        if (!read) {
          continue;
        }
        int type = b.getShort(at + 2) & 0xffff;
        long count = b.getInt(at + 4) & 0xffffffffL;
        int size =
            type == TIFFTag.TIFF_SHORT
                ? 2
                : type == TIFFTag.TIFF_LONG ? 4 : type == 1 || type == 7 ? 1 : 0;
        boolean typeOk =
            number == ICC_PROFILE
                ? type == TIFFTag.TIFF_UNDEFINED
                : type == TIFFTag.TIFF_SHORT
                    || type == TIFFTag.TIFF_LONG
                    || type == TIFFTag.TIFF_BYTE;
        if (!typeOk || count < 1 || dir.containsTIFFField(number)) {
          return null;
        }
        long bytes = count * size;
        long data = bytes <= 4 ? at + 8 : b.getInt(at + 8) & 0xffffffffL;
        if (data + bytes > tiff.length) {
          return null;
        }
        int n = (int) count;
        int from = (int) data;
        Object values;
        if (size == 1) {
          byte[] v = new byte[n];
          System.arraycopy(tiff, from, v, 0, n);
          values = v;
        } else if (size == 2) {
          char[] v = new char[n];
          for (int k = 0; k < n; k++) {
            v[k] = b.getChar(from + 2 * k);
          }
          values = v;
        } else {
          long[] v = new long[n];
          for (int k = 0; k < n; k++) {
            v[k] = b.getInt(from + 4 * k) & 0xffffffffL;
          }
          values = v;
        }
        TIFFTag tag = baseline.getTag(number);
        if (tag == null) {
          return null;
        }
        dir.addTIFFField(new TIFFField(tag, type, n, values));
      }
    } catch (IllegalArgumentException e) {
      return null; // a type the tag does not allow: as ImageIO reads it
    }
    return dir;
  }

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
    TiffIfd ifd = TiffIfd.of(tiff); // null for BigTIFF or not TIFF
    int at = ifd == null ? -1 : ifd.entry(tag);
    return at >= 0 && ifd.b().getShort(at + 2) == TIFFTag.TIFF_SHORT && ifd.b().getInt(at + 4) == 1
        ? at
        : -1;
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
   * True for a palette image with an extra (alpha) sample: ImageIO decodes its samples as stored
   * but colours the index as grey; {@link #paletteWithAlpha} colours it through the ColorMap.
   */
  public static boolean isPaletteWithAlpha(TIFFDirectory tiff) {
    return intTag(tiff, PHOTOMETRIC, -1) == 3 && intTag(tiff, SAMPLES_PER_PIXEL, 1) > 1;
  }

  /**
   * A palette image with an alpha sample as RGBA, as libtiff (so libvips) reads it: band 0 the
   * index into the ColorMap (tag 320: all reds, then greens, then blues, 16 bits each), band 1 the
   * alpha (unassociated as stored; associated, ExtraSamples 1, un-premultiplied). An index past the
   * map is refused: there is no colour to give it.
   */
  public static Interleaved paletteWithAlpha(Raster raster, TIFFDirectory tiff) {
    TIFFField map = tiff.getTIFFField(COLOR_MAP);
    int bits = raster.getSampleModel().getSampleSize(0);
    int entries = map == null ? 0 : map.getCount() / 3;
    if (map == null || bits > 16 || entries < 1) {
      throw new UnsupportedImageException(
          "Cannot decode this image/tiff image: a palette image without a usable ColorMap.");
    }
    int[] rgb = new int[entries];
    for (int i = 0; i < entries; i++) {
      rgb[i] =
          (map.getAsInt(i) >> 8) << 16
              | (map.getAsInt(entries + i) >> 8) << 8
              | map.getAsInt(2 * entries + i) >> 8;
    }
    boolean associated = intTag(tiff, EXTRA_SAMPLES, 2) == 1;
    int alphaShift = Math.max(0, raster.getSampleModel().getSampleSize(1) - 8);
    int w = raster.getWidth();
    int h = raster.getHeight();
    byte[] out = new byte[Math.multiplyExact(w * h, 4)];
    int[] index = new int[w];
    int[] alpha = new int[w];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, index);
      raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 1, alpha);
      for (int x = 0; x < w; x++, o += 4) {
        int i = index[x];
        if (i < 0 || i >= entries) {
          throw new UnsupportedImageException(
              "Cannot decode this image/tiff image: palette index "
                  + i
                  + " lies past its "
                  + entries
                  + "-entry ColorMap (corrupt).");
        }
        int a = alpha[x] >> alphaShift;
        int c = rgb[i];
        int r = c >> 16 & 0xff;
        int g = c >> 8 & 0xff;
        int b = c & 0xff;
        if (associated && a > 0 && a < 255) {
          r = Math.min(255, r * 255 / a);
          g = Math.min(255, g * 255 / a);
          b = Math.min(255, b * 255 / a);
        }
        out[o] = (byte) r;
        out[o + 1] = (byte) g;
        out[o + 2] = (byte) b;
        out[o + 3] = (byte) a;
      }
    }
    return new Interleaved(out, w, h, 4, false);
  }

  /**
   * A BigTIFF (64-bit offsets, which ImageIO's TIFF plugin does not read) as a classic TIFF that
   * reads the same: the file's bytes stay where they are, so every strip and tile offset still
   * points at its data, and its first image directory is appended rewritten with 32-bit counts and
   * offsets (LONG8 and IFD8 values become LONG), the header pointing at it. A byte array never
   * holds an offset past 4 GB, so nothing is lost; a value that does not fit is refused.
   */
  public static byte[] classicFromBigTiff(byte[] big) {
    ByteBuffer b = buffer(big);
    if (big.length < 16 || b.getShort(2) != 43 || b.getShort(4) != 8) {
      throw new UnsupportedImageException(
          "Cannot read this BigTIFF image: its header is damaged (offset size not 8).");
    }
    long ifd = b.getLong(8);
    if (ifd < 16 || ifd + 8 > big.length) {
      throw new UnsupportedImageException(
          "Cannot read this BigTIFF image: it is truncated (its first directory lies past its end).");
    }
    long count = b.getLong((int) ifd);
    if (count <= 0 || count > 4096 || ifd + 8 + 20 * count > big.length) {
      throw new UnsupportedImageException(
          "Cannot read this BigTIFF image: its first directory is truncated or damaged.");
    }
    int n = (int) count;
    // The new directory, then the values that no longer fit in an entry, word-aligned.
    int dirAt = (big.length + 1) & ~1;
    int dirSize = 2 + 12 * n + 4;
    java.io.ByteArrayOutputStream values = new java.io.ByteArrayOutputStream();
    ByteBuffer dir = ByteBuffer.allocate(dirSize).order(b.order());
    dir.putShort((short) n);
    for (int i = 0; i < n; i++) {
      int e = (int) (ifd + 8 + 20L * i);
      int tag = b.getShort(e) & 0xffff;
      int type = b.getShort(e + 2) & 0xffff;
      long items = b.getLong(e + 4);
      boolean wide = type == 16 || type == 17 || type == 18; // LONG8, SLONG8, IFD8
      int size = wide ? 8 : typeSize(type);
      if (size == 0 || items < 0 || items > big.length) {
        throw new UnsupportedImageException(
            "Cannot read this BigTIFF image: tag " + tag + " has a damaged type or count.");
      }
      long bytes = items * size;
      long at = bytes <= 8 ? e + 12 : b.getLong(e + 12);
      if (at < 0 || at + bytes > big.length) {
        throw new UnsupportedImageException(
            "Cannot read this BigTIFF image: it is truncated (tag " + tag + " lies past its end).");
      }
      byte[] value;
      if (wide) {
        ByteBuffer narrow = ByteBuffer.allocate((int) items * 4).order(b.order());
        for (long k = 0; k < items; k++) {
          long v = b.getLong((int) (at + 8 * k));
          if (v < 0 || v > 0xffffffffL) {
            throw new UnsupportedImageException(
                "Cannot read this BigTIFF image: tag " + tag + " holds a value past 4 GB.");
          }
          narrow.putInt((int) v);
        }
        value = narrow.array();
        type = type == 17 ? 9 : 4; // SLONG, else LONG
      } else {
        value = java.util.Arrays.copyOfRange(big, (int) at, (int) (at + bytes));
      }
      dir.putShort((short) tag).putShort((short) type).putInt((int) items);
      if (value.length <= 4) {
        dir.put(java.util.Arrays.copyOf(value, 4));
      } else {
        dir.putInt(dirAt + dirSize + values.size());
        values.writeBytes(value);
        if ((values.size() & 1) != 0) {
          values.write(0);
        }
      }
    }
    dir.putInt(0); // the first image only
    byte[] classic = java.util.Arrays.copyOf(big, dirAt + dirSize + values.size());
    System.arraycopy(dir.array(), 0, classic, dirAt, dirSize);
    System.arraycopy(values.toByteArray(), 0, classic, dirAt + dirSize, values.size());
    ByteBuffer header = buffer(classic);
    header.putShort(2, (short) 42);
    header.putInt(4, dirAt);
    return classic;
  }

  private static int typeSize(int type) {
    return switch (type) {
      case 1, 2, 6, 7 -> 1; // BYTE, ASCII, SBYTE, UNDEFINED
      case 3, 8 -> 2; // SHORT, SSHORT
      case 4, 9, 11, 13 -> 4; // LONG, SLONG, FLOAT, IFD
      case 5, 10, 12 -> 8; // RATIONAL, SRATIONAL, DOUBLE
      default -> 0;
    };
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

  /**
   * Floating-point RGB samples are linear light (libvips reads such a TIFF as scRGB and sharp
   * converts it to sRGB): encodes the colour samples in place with the sRGB transfer curve, clipped
   * to 0..1, so that ImageIO's colour model, which takes them as sRGB, shows them right.
   */
  public static void linearFloatsToSrgb(WritableRaster raster, TIFFDirectory tiff) {
    if (!(raster.getDataBuffer() instanceof java.awt.image.DataBufferFloat)
        || intTag(tiff, PHOTOMETRIC, -1) != 2
        || raster.getNumBands() < 3) {
      return;
    }
    int w = raster.getWidth();
    int bands = raster.getNumBands();
    float[] row = new float[w * bands];
    for (int y = 0; y < raster.getHeight(); y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0; i < row.length; i += bands) {
        for (int c = 0; c < 3; c++) {
          double v = Math.max(0, Math.min(1, row[i + c]));
          row[i + c] = (float) (v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055);
        }
      }
      raster.setPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
    }
  }

  /**
   * Signed 8- or 32-bit grey or RGB samples (SampleFormat 2) as libvips casts them to 8 bits for
   * sharp: the value as signed, clipped to 0..255 (negative is black); ImageIO read a signed byte
   * as unsigned, so -1 came out white. Null for any other kind.
   */
  public static Interleaved signedToUchar(Raster raster, TIFFDirectory tiff) {
    int bits = raster.getSampleModel().getSampleSize(0);
    int bands = raster.getNumBands();
    if (intTag(tiff, SAMPLE_FORMAT, 1) != 2
        || (bits != 8 && bits != 32)
        || (bands != 1 && bands != 3)) {
      return null;
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    byte[] out = new byte[Math.multiplyExact(w * h, 3)];
    int[] row = new int[w * bands];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0; i < row.length; i += bands, o += 3) {
        for (int c = 0; c < 3; c++) {
          int v = row[i + (bands == 1 ? 0 : c)];
          if (bits == 8) {
            v = (byte) v;
          }
          out[o + c] = (byte) Math.max(0, Math.min(255, v));
        }
      }
    }
    return new Interleaved(out, w, h, 3, false);
  }

  private static int intTag(TIFFDirectory tiff, int tag, int absent) {
    TIFFField f = tiff == null ? null : tiff.getTIFFField(tag);
    return f == null || f.getCount() < 1 ? absent : f.getAsInt(0);
  }
}
