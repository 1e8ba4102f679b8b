package io.renderlab.thumbnails.internal;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.LinkedHashMap;
import java.util.Map;

/** Bulk conversions between images and packed ARGB arrays, and EXIF orientation. Not public API. */
public final class Pixels {
  private Pixels() {}

  /** A decoded image as packed ARGB (non-premultiplied) with its size. */
  public record Argb(int[] pixels, int width, int height, boolean alpha) {}

  /**
   * The image's samples as they are when it holds 8-bit sRGB or sRGB+alpha (not premultiplied) in a
   * pixel-interleaved byte raster, as ImageIO's TIFF and BMP readers return it; the raster's own
   * array when it is laid out as {@link Interleaved} wants it. Null for any other image (Java2D's
   * generic conversion of such an image costs several times its decoding).
   */
  /**
   * A 1-bit image (a fax page, a bilevel scan: ImageIO packs 8 pixels a byte) expanded straight to
   * RGB bytes through its two colours, 8 pixels per table lookup, where the general path asked
   * Java2D for every pixel's colour. Null for any other kind, or when a colour is transparent.
   */
  public static Interleaved bilevel(BufferedImage image) {
    Raster r = image.getRaster();
    if (r.getNumBands() != 1
        || !(r.getSampleModel() instanceof java.awt.image.MultiPixelPackedSampleModel sm)
        || sm.getPixelBitStride() != 1
        || sm.getDataBitOffset() != 0
        || !(r.getDataBuffer() instanceof DataBufferByte buffer)
        || buffer.getNumBanks() != 1
        || buffer.getOffset() != 0
        || r.getSampleModelTranslateX() != 0
        || r.getSampleModelTranslateY() != 0) {
      return null;
    }
    java.awt.image.ColorModel cm = image.getColorModel();
    int c0 = cm.getRGB(0);
    int c1 = cm.getRGB(1);
    if ((c0 >>> 24) != 0xff || (c1 >>> 24) != 0xff) {
      return null; // a transparent colour: the general path keeps its alpha
    }
    // Each packed byte's 8 pixels as 24 output bytes, looked up once.
    byte[] table = new byte[256 * 24];
    for (int v = 0; v < 256; v++) {
      for (int k = 0; k < 8; k++) {
        int c = ((v >> (7 - k)) & 1) == 0 ? c0 : c1;
        table[v * 24 + 3 * k] = (byte) (c >> 16);
        table[v * 24 + 3 * k + 1] = (byte) (c >> 8);
        table[v * 24 + 3 * k + 2] = (byte) c;
      }
    }
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] data = buffer.getData();
    int scanline = sm.getScanlineStride();
    byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    int whole = w >> 3;
    for (int y = 0, o = 0; y < h; y++) {
      int p = y * scanline;
      for (int i = 0; i < whole; i++, o += 24) {
        System.arraycopy(table, (data[p + i] & 0xff) * 24, out, o, 24);
      }
      for (int x = whole << 3; x < w; x++, o += 3) {
        int bit = (data[p + (x >> 3)] >> (7 - (x & 7))) & 1;
        System.arraycopy(table, (bit == 0 ? 0 : 255) * 24, out, o, 3);
      }
    }
    return new Interleaved(out, w, h, 3, false);
  }

  public static Interleaved interleaved(BufferedImage image) {
    java.awt.image.ColorModel cm = image.getColorModel();
    Raster r = image.getRaster();
    int bands = r.getNumBands();
    if (!(cm instanceof java.awt.image.ComponentColorModel)
        || !cm.getColorSpace().isCS_sRGB()
        || image.isAlphaPremultiplied()
        || (bands != 3 && bands != 4)
        || bands != (cm.hasAlpha() ? 4 : 3)
        || !(r.getDataBuffer() instanceof DataBufferByte buffer)
        || buffer.getNumBanks() != 1
        || !(r.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm)) {
      return null;
    }
    for (int b = 0; b < bands; b++) {
      if (sm.getSampleSize(b) != 8) {
        return null;
      }
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int[] offsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride();
    int scanline = sm.getScanlineStride();
    byte[] data = buffer.getData();
    int base =
        buffer.getOffset()
            - r.getSampleModelTranslateX() * pixelStride
            - r.getSampleModelTranslateY() * scanline;
    boolean natural = pixelStride == bands && scanline == w * bands && base == 0;
    for (int b = 0; b < bands && natural; b++) {
      natural = offsets[b] == b;
    }
    if (natural && data.length == w * h * bands) {
      return new Interleaved(data, w, h, bands, false);
    }
    byte[] out = new byte[w * h * bands];
    for (int y = 0, o = 0; y < h; y++) {
      for (int x = 0, p = base + y * scanline; x < w; x++, p += pixelStride) {
        for (int b = 0; b < bands; b++) {
          out[o++] = data[p + offsets[b]];
        }
      }
    }
    return new Interleaved(out, w, h, bands, false);
  }

  /**
   * A palette image (1-8 bits an index, at most 256 entries) as 8-bit RGB, or RGBA when the palette
   * has alpha: the samples {@link #of} would give, without its full-size ARGB array and the copy
   * {@link Interleaved#ofArgb} then makes of it. Null for any other image.
   */
  public static Interleaved palette(BufferedImage image) {
    if (!(image.getColorModel() instanceof IndexColorModel palette)
        || image.getRaster().getNumBands() != 1
        || palette.getMapSize() > 256) {
      return null;
    }
    int w = image.getWidth();
    int h = image.getHeight();
    boolean alpha = palette.hasAlpha();
    int channels = alpha ? 4 : 3;
    int[] lut = new int[256];
    palette.getRGBs(lut);
    byte[] out = new byte[w * h * channels];
    Raster r = image.getRaster();
    int[] row = new int[w];
    for (int y = 0, o = 0; y < h; y++) {
      r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
      for (int x = 0; x < w; x++, o += channels) {
        int v = lut[row[x] & 0xff];
        out[o] = (byte) (v >> 16);
        out[o + 1] = (byte) (v >> 8);
        out[o + 2] = (byte) v;
        if (alpha) {
          out[o + 3] = (byte) (v >>> 24);
        }
      }
    }
    return new Interleaved(out, w, h, channels, false);
  }

  /** The image's pixels as ARGB, without per-pixel getRGB calls. */
  public static Argb of(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    boolean alpha = image.getColorModel().hasAlpha();
    int[] out = new int[w * h];
    switch (image.getType()) {
      case BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_RGB -> {
        int[] data = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        if (image.getRaster().getDataBuffer().getOffset() == 0
            && data.length >= w * h
            && image.getRaster().getMinX() == 0) {
          System.arraycopy(data, 0, out, 0, w * h);
          if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            for (int i = 0; i < out.length; i++) {
              out[i] |= 0xff000000;
            }
          }
          return new Argb(out, w, h, alpha);
        }
      }
      case BufferedImage.TYPE_3BYTE_BGR -> {
        byte[] d = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        if (d.length == w * h * 3) {
          for (int i = 0, j = 0; i < out.length; i++, j += 3) {
            out[i] =
                0xff000000 | ((d[j + 2] & 0xff) << 16) | ((d[j + 1] & 0xff) << 8) | (d[j] & 0xff);
          }
          return new Argb(out, w, h, false);
        }
      }
      case BufferedImage.TYPE_4BYTE_ABGR -> {
        byte[] d = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        if (d.length == w * h * 4) {
          for (int i = 0, j = 0; i < out.length; i++, j += 4) {
            out[i] =
                ((d[j] & 0xff) << 24)
                    | ((d[j + 3] & 0xff) << 16)
                    | ((d[j + 2] & 0xff) << 8)
                    | (d[j + 1] & 0xff);
          }
          return new Argb(out, w, h, true);
        }
      }
      case BufferedImage.TYPE_BYTE_GRAY -> {
        // Java's grey colour space is linear; drawing it into sRGB would brighten it. Copy values.
        Raster r = image.getRaster();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
          r.getSamples(0, y, w, 1, 0, row);
          for (int x = 0; x < w; x++) {
            int v = row[x];
            out[y * w + x] = 0xff000000 | (v << 16) | (v << 8) | v;
          }
        }
        return new Argb(out, w, h, false);
      }
      default -> {
        // handled below
      }
    }
    if (image.getColorModel() instanceof IndexColorModel palette
        && image.getRaster().getNumBands() == 1
        && palette.getMapSize() <= 256) {
      // GIF, palette BMP/TIFF, 1-8 bits an index: one table lookup a pixel (Java2D's generic
      // drawImage takes several times as long and needs a second full-size image).
      int[] lut = new int[256];
      palette.getRGBs(lut);
      Raster r = image.getRaster();
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
        for (int x = 0, o = y * w; x < w; x++) {
          out[o + x] = lut[row[x] & 0xff];
        }
      }
      return new Argb(out, w, h, alpha);
    }
    if (image.getRaster().getNumBands() <= 2
        && image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
      // 16-bit grey (with or without alpha): scale samples to 8 bits directly.
      Raster r = image.getRaster();
      int bits = image.getColorModel().getComponentSize(0);
      int shift = Math.max(0, bits - 8);
      int[] row = new int[w];
      int[] arow = new int[w];
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, row);
        if (alpha) {
          r.getSamples(0, y, w, 1, 1, arow);
        }
        for (int x = 0; x < w; x++) {
          int v = row[x] >>> shift;
          int a = alpha ? arow[x] >>> shift : 255;
          out[y * w + x] = (a << 24) | (v << 16) | (v << 8) | v;
        }
      }
      return new Argb(out, w, h, alpha);
    }
    Argb tagged = iccRgb(image);
    if (tagged != null) {
      return tagged;
    }
    BufferedImage converted =
        new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = converted.createGraphics();
    g.drawImage(image, 0, 0, null);
    g.dispose();
    return of(converted);
  }

  private static final Map<ColorProfiles.Key, ColorConvertOp> ICC_RGB_OPS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ColorProfiles.Key, ColorConvertOp> eldest) {
          return size() > 4;
        }
      };

  /**
   * 8-bit RGB in an embedded profile's colour space (a BMP's, as ImageIO reads it; a TIFF's profile
   * is converted on the small result instead, see ImageIoRenderer) to sRGB, the very values
   * drawImage gives (ComponentColorModel.getRGB: each sample scaled to 16 bits, LittleCMS from the
   * colour space to sRGB, back to 8 bits rounded) in one LittleCMS call for the whole image rather
   * than one a pixel (~4× faster). Null for any other image.
   */
  private static Argb iccRgb(BufferedImage image) {
    java.awt.image.ColorModel cm = image.getColorModel();
    Raster r = image.getRaster();
    if (!(cm instanceof java.awt.image.ComponentColorModel)
        || !(cm.getColorSpace() instanceof ICC_ColorSpace space)
        || space.isCS_sRGB()
        || space == ColorSpace.getInstance(ColorSpace.CS_LINEAR_RGB) // getRGB uses tables for it
        || space.getType() != ColorSpace.TYPE_RGB
        || cm.hasAlpha()
        || cm.getTransferType() != DataBuffer.TYPE_BYTE
        || r.getNumBands() != 3
        || !(r.getDataBuffer() instanceof DataBufferByte buffer)
        || buffer.getNumBanks() != 1
        || !(r.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm)) {
      return null;
    }
    for (int b = 0; b < 3; b++) {
      if (sm.getSampleSize(b) != 8
          || cm.getComponentSize(b) != 8
          || space.getMinValue(b) != 0f
          || space.getMaxValue(b) != 1f) {
        return null;
      }
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int[] offsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride();
    int scanline = sm.getScanlineStride();
    byte[] data = buffer.getData();
    int base =
        buffer.getOffset()
            - r.getSampleModelTranslateX() * pixelStride
            - r.getSampleModelTranslateY() * scanline;
    ColorConvertOp op;
    ColorProfiles.Key key = new ColorProfiles.Key(space.getProfile().getData());
    synchronized (ICC_RGB_OPS) {
      op = ICC_RGB_OPS.get(key);
    }
    if (op == null) {
      op = new ColorConvertOp(space, ColorSpace.getInstance(ColorSpace.CS_sRGB), null);
      synchronized (ICC_RGB_OPS) {
        ICC_RGB_OPS.put(key, op);
      }
    }
    // In bands of rows, so the 16-bit copies stay small (~0.8 MB) whatever the image's size.
    int band = Math.max(1, Math.min(h, 65_536 / Math.max(1, w)));
    int[] out = new int[w * h];
    WritableRaster src = null;
    WritableRaster dst = null;
    for (int y0 = 0; y0 < h; y0 += band) {
      int rows = Math.min(band, h - y0);
      if (src == null || src.getHeight() != rows) {
        src = Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, w, rows, 3, null);
        dst = Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, w, rows, 3, null);
      }
      short[] in = ((DataBufferUShort) src.getDataBuffer()).getData();
      for (int y = y0, o = 0; y < y0 + rows; y++) {
        for (int x = 0, p = base + y * scanline; x < w; x++, p += pixelStride) {
          for (int b = 0; b < 3; b++) {
            in[o++] = (short) ((data[p + offsets[b]] & 0xff) * 257);
          }
        }
      }
      try {
        synchronized (op) {
          op.filter(src, dst);
        }
      } catch (RuntimeException e) {
        return null; // drawImage then fares as before
      }
      short[] rgb = ((DataBufferUShort) dst.getDataBuffer()).getData();
      for (int i = y0 * w, o = 0; o < rows * w * 3; i++, o += 3) {
        out[i] = 0xff000000 | to8(rgb[o]) << 16 | to8(rgb[o + 1]) << 8 | to8(rgb[o + 2]);
      }
    }
    return new Argb(out, w, h, false);
  }

  /** A 16-bit sample as ComponentColorModel.getRGB rounds it to 8 bits. */
  private static int to8(short v) {
    return (int) (((v & 0xffff) / 65535.0f) * 255.0f + 0.5f);
  }

  /**
   * {@code image}'s own samples labelled sRGB (the same raster, an sRGB colour model): so they come
   * out as stored, for an embedded profile converted later on the small result. Null unless its
   * colour model is a component one of 8 or 16-bit RGB(A) samples.
   */
  public static BufferedImage samplesAsSrgb(BufferedImage image) {
    if (!(image.getColorModel() instanceof java.awt.image.ComponentColorModel cm)
        || cm.getColorSpace().getType() != ColorSpace.TYPE_RGB
        || cm.getNumColorComponents() != 3
        || (cm.getTransferType() != DataBuffer.TYPE_BYTE
            && cm.getTransferType() != DataBuffer.TYPE_USHORT)) {
      return null;
    }
    java.awt.image.ComponentColorModel srgb =
        new java.awt.image.ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_sRGB),
            cm.getComponentSize(),
            cm.hasAlpha(),
            cm.isAlphaPremultiplied(),
            cm.getTransparency(),
            cm.getTransferType());
    return new BufferedImage(srgb, image.getRaster(), image.isAlphaPremultiplied(), null);
  }

  /**
   * An image for the encoder that wraps {@code argb} without copying it. Its {@code getData()}
   * hands out the raster itself rather than a copy (webp-imageio reads the pixels through it and
   * only reads), which saves a full-size copy per encode.
   */
  public static BufferedImage wrap(int[] argb, int w, int h, boolean alpha) {
    java.awt.image.DirectColorModel model =
        alpha
            ? new java.awt.image.DirectColorModel(
                32, 0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000)
            : new java.awt.image.DirectColorModel(24, 0x00ff0000, 0x0000ff00, 0x000000ff, 0);
    java.awt.image.WritableRaster raster =
        java.awt.image.Raster.createPackedRaster(
            new DataBufferInt(argb, w * h),
            w,
            h,
            w,
            alpha
                ? new int[] {0xff0000, 0xff00, 0xff, 0xff000000}
                : new int[] {0xff0000, 0xff00, 0xff},
            null);
    return new BufferedImage(model, raster, false, null) {
      @Override
      public java.awt.image.Raster getData() {
        return getRaster();
      }
    };
  }

  /** Applies EXIF orientation 1-8, returning the upright pixels. */
  public static Argb orient(Argb in, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return in;
    }
    int w = in.width();
    int h = in.height();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    int[] src = in.pixels();
    int[] dst = new int[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int nx;
        int ny;
        switch (orientation) {
          case 2 -> {
            nx = w - 1 - x;
            ny = y;
          }
          case 3 -> {
            nx = w - 1 - x;
            ny = h - 1 - y;
          }
          case 4 -> {
            nx = x;
            ny = h - 1 - y;
          }
          case 5 -> {
            nx = y;
            ny = x;
          }
          case 6 -> {
            nx = h - 1 - y;
            ny = x;
          }
          case 7 -> {
            nx = h - 1 - y;
            ny = w - 1 - x;
          }
          default -> {
            nx = y;
            ny = w - 1 - x;
          } // 8
        }
        dst[ny * ow + nx] = src[y * w + x];
      }
    }
    return new Argb(dst, ow, oh, in.alpha());
  }
}
