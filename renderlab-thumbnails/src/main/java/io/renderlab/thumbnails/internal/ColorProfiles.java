package io.renderlab.thumbnails.internal;

import io.renderlab.thumbnails.internal.Pixels.Argb;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Colour management as sharp does it: pixels tagged with an embedded ICC profile are converted to
 * sRGB with the perceptual intent (libvips' {@code icc_transform(embedded: true, intent:
 * perceptual)}), CMYK without a profile goes through the CMYK profile libvips ships ("Chemical
 * proof", Graeme W. Gill, ArgyllCMS, public domain; see {@code cmyk.icm.txt} beside it). The
 * destination is libvips' own sRGB profile (ICC v4, CC0), so LittleCMS applies black-point
 * compensation for the perceptual intent exactly where libvips' does, which keeps CMYK shadows as
 * deep as sharp's. The conversions run on the JDK's LittleCMS ({@link ColorConvertOp} over byte
 * rasters). A profile that the CMS cannot use is ignored with a warning and the pixels are taken as
 * sRGB, as sharp does ("Invalid embedded profile").
 *
 * <p>Transforms are cached per profile (a few, least recently used first out), so a batch of photos
 * from one camera builds its transform once. Thread-safe. Not public API.
 *
 * <pre>{@code
 * Argb srgb = ColorProfiles.toSrgb(thumbnail, decoded.iccProfile());   // null profile: unchanged
 * Argb rgb = ColorProfiles.cmykToSrgb(inks, w, h, iccOrNull);          // 4 bytes a pixel, 0 = no ink
 * }</pre>
 */
public final class ColorProfiles {
  private static final Logger LOG = LoggerFactory.getLogger(ColorProfiles.class);
  private static final int CACHE_SIZE = 8;
  private static final Map<Key, ColorConvertOp> CACHE =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ColorConvertOp> eldest) {
          return size() > CACHE_SIZE;
        }
      };
  private static volatile byte[] defaultCmyk;

  private ColorProfiles() {}

  /**
   * {@code image} converted from the colour space of {@code icc} to sRGB; {@code image} itself when
   * {@code icc} is null, is not an RGB or grey profile, or cannot be used. Alpha is kept.
   */
  public static Argb toSrgb(Argb image, byte[] icc) {
    if (icc == null || image.pixels().length == 0) {
      return image;
    }
    ColorConvertOp op = transform(icc, false);
    if (op == null) {
      return image;
    }
    int n = image.width() * image.height();
    int[] px = image.pixels();
    boolean grey = op.getICC_Profiles()[0].getNumComponents() == 1;
    if (grey) {
      // A grey pixel's sRGB value depends on its level alone: 256 conversions once per profile,
      // then a lookup per pixel (LittleCMS evaluates a grey profile's curve per pixel, slowly).
      int[] lut = greyLut(icc, op);
      if (lut == null) {
        return image;
      }
      int[] result = new int[n];
      for (int i = 0; i < n; i++) {
        result[i] = (px[i] & 0xff000000) | lut[(px[i] >> 8) & 0xff]; // grey arrives as r = g = b
      }
      return new Argb(result, image.width(), image.height(), image.alpha());
    }
    RgbLut table = n < LUT_MIN_PIXELS ? null : rgbLut(icc, op);
    int[] result =
        table != null
            ? table.apply(px, n, pixels -> convertRgb(op, pixels, pixels.length, 1))
            : convertRgb(op, px, image.width(), image.height());
    return result == null ? image : new Argb(result, image.width(), image.height(), image.alpha());
  }

  /** The {@code w}×{@code h} pixels {@code px} through {@code op}, alpha kept; null on failure. */
  private static int[] convertRgb(ColorConvertOp op, int[] px, int w, int h) {
    int n = w * h;
    byte[] in = new byte[n * 3];
    for (int i = 0, o = 0; i < n; i++, o += 3) {
      int v = px[i];
      in[o] = (byte) (v >> 16);
      in[o + 1] = (byte) (v >> 8);
      in[o + 2] = (byte) v;
    }
    byte[] out = convert(op, in, w, h, 3);
    if (out == null) {
      return null;
    }
    int[] result = new int[n];
    for (int i = 0, o = 0; i < n; i++, o += 3) {
      result[i] =
          (px[i] & 0xff000000)
              | (out[o] & 0xff) << 16
              | (out[o + 1] & 0xff) << 8
              | (out[o + 2] & 0xff);
    }
    return result;
  }

  /**
   * CMYK to sRGB through LittleCMS costs ~300 ns a pixel (the JDK's transform is not optimised for
   * 8-bit CMYK): images of at least this many pixels go through a {@value #GRID}⁴ table sampled
   * from the same transform once per profile, interpolated as LittleCMS's own optimised 8-bit
   * transforms do.
   */
  private static final int LUT_MIN_PIXELS = 16_384;

  private static final int GRID = 17;

  private static final Map<Key, float[]> CMYK_LUTS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, float[]> eldest) {
          return size() > 4;
        }
      };

  /**
   * sRGB samples at every grid point, {@code ((k * G + y) * G + m) * G + c} × 3; null on failure.
   */
  private static float[] cmykLut(byte[] profile, ColorConvertOp op) {
    Key key = new Key(profile);
    synchronized (CMYK_LUTS) {
      float[] lut = CMYK_LUTS.get(key);
      if (lut != null) {
        return lut;
      }
    }
    int points = GRID * GRID * GRID * GRID;
    byte[] grid = new byte[points * 4];
    int p = 0;
    for (int k = 0; k < GRID; k++) {
      for (int y = 0; y < GRID; y++) {
        for (int m = 0; m < GRID; m++) {
          for (int c = 0; c < GRID; c++) {
            grid[p++] = gridLevel(c);
            grid[p++] = gridLevel(m);
            grid[p++] = gridLevel(y);
            grid[p++] = gridLevel(k);
          }
        }
      }
    }
    byte[] out = convert(op, grid, points, 1, 4);
    if (out == null) {
      return null;
    }
    float[] lut = new float[points * 3]; // floats: no conversion per corner read
    for (int i = 0; i < lut.length; i++) {
      lut[i] = out[i] & 0xff;
    }
    synchronized (CMYK_LUTS) {
      CMYK_LUTS.put(key, lut);
    }
    return lut;
  }

  private static byte gridLevel(int i) {
    return (byte) Math.round(i * 255.0 / (GRID - 1));
  }

  /**
   * {@code lut} at each of the {@code n} CMYK pixels, as LittleCMS evaluates a 4-input table
   * ({@code Eval4Inputs}): tetrahedral interpolation in C, M and Y within the two K slices around
   * the pixel, then linear in K. The tetrahedron and its weights are found once a pixel and serve
   * both slices and all three channels (8 table reads a channel, where trilinear slices took 16).
   */
  private static byte[] interpolate(float[] lut, byte[] cmyk, int n) {
    byte[] out = new byte[n * 3];
    final int sc = 3;
    final int sm = GRID * 3;
    final int sy = GRID * GRID * 3;
    final int sk = GRID * GRID * GRID * 3;
    Tetrahedron t = new Tetrahedron();
    for (int i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
      int tc = (cmyk[p] & 0xff) * (GRID - 1);
      int tm = (cmyk[p + 1] & 0xff) * (GRID - 1);
      int ty = (cmyk[p + 2] & 0xff) * (GRID - 1);
      int tk = (cmyk[p + 3] & 0xff) * (GRID - 1);
      int ic = Math.min(tc / 255, GRID - 2);
      int im = Math.min(tm / 255, GRID - 2);
      int iy = Math.min(ty / 255, GRID - 2);
      int ik = Math.min(tk / 255, GRID - 2);
      float fc = (tc - ic * 255) * (1f / 255f);
      float fm = (tm - im * 255) * (1f / 255f);
      float fy = (ty - iy * 255) * (1f / 255f);
      float fk = (tk - ik * 255) * (1f / 255f);
      t.locate(fc, fm, fy, sc, sm, sy);
      int base = (((ik * GRID + iy) * GRID + im) * GRID + ic) * 3;
      int all = sc + sm + sy;
      for (int ch = 0; ch < 3; ch++) {
        int s0 = base + ch;
        int s1 = s0 + sk;
        float v0 =
            lut[s0] * t.w0 + lut[s0 + t.a] * t.wa + lut[s0 + t.b] * t.wb + lut[s0 + all] * t.w3;
        float v1 =
            lut[s1] * t.w0 + lut[s1 + t.a] * t.wa + lut[s1 + t.b] * t.wb + lut[s1 + all] * t.w3;
        float v = v0 + (v1 - v0) * fk;
        out[o + ch] = (byte) Math.min(255, (int) (v + 0.5f));
      }
    }
    return out;
  }

  /** Tables of LUT-based RGB profiles; null for a profile converted directly. */
  private static final Map<Key, RgbLut> RGB_LUTS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, RgbLut> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  /**
   * The cached table of {@code icc}'s transform {@code op} when the profile is LUT-based (see
   * {@link RgbLut}); null for a matrix-and-curves profile, or when sampling fails.
   */
  private static RgbLut rgbLut(byte[] icc, ColorConvertOp op) {
    Key key = new Key(icc);
    synchronized (RGB_LUTS) {
      if (RGB_LUTS.containsKey(key)) {
        return RGB_LUTS.get(key);
      }
    }
    ICC_Profile[] profiles = op.getICC_Profiles();
    RgbLut table = null;
    if (RgbLut.tableBased(profiles[0])) {
      try {
        table = RgbLut.sample(profiles);
      } catch (RuntimeException e) {
        LOG.debug("Sampling a colour table failed ({}); converting each pixel", e.toString());
      }
    }
    synchronized (RGB_LUTS) {
      RGB_LUTS.put(key, table);
    }
    return table;
  }

  private static final Map<Key, int[]> GREY_LUTS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, int[]> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  /** The sRGB value (0xRRGGBB) of each grey level through {@code op}, cached; null if it fails. */
  private static int[] greyLut(byte[] icc, ColorConvertOp op) {
    Key key = new Key(icc);
    synchronized (GREY_LUTS) {
      int[] lut = GREY_LUTS.get(key);
      if (lut != null) {
        return lut;
      }
    }
    byte[] levels = new byte[256];
    for (int v = 0; v < 256; v++) {
      levels[v] = (byte) v;
    }
    byte[] out = convert(op, levels, 256, 1, 1);
    if (out == null) {
      return null;
    }
    int[] lut = new int[256];
    for (int v = 0, o = 0; v < 256; v++, o += 3) {
      lut[v] = (out[o] & 0xff) << 16 | (out[o + 1] & 0xff) << 8 | (out[o + 2] & 0xff);
    }
    synchronized (GREY_LUTS) {
      GREY_LUTS.put(key, lut);
    }
    return lut;
  }

  /**
   * CMYK ink amounts ({@code 4 * width * height} bytes, 0 = no ink, 255 = full) converted to opaque
   * sRGB through {@code icc}, or through libvips' default CMYK profile when {@code icc} is null or
   * not a usable CMYK profile.
   */
  public static Argb cmykToSrgb(byte[] cmyk, int width, int height, byte[] icc) {
    byte[] profile = icc;
    ColorConvertOp op = icc == null ? null : transform(icc, true);
    if (op == null) {
      profile = defaultCmykProfile();
      op = transform(profile, true);
    }
    int n = width * height;
    float[] table = op == null || n < LUT_MIN_PIXELS ? null : cmykLut(profile, op);
    byte[] out =
        op == null
            ? null
            : table != null ? interpolate(table, cmyk, n) : convert(op, cmyk, width, height, 4);
    int[] result = new int[n];
    if (out == null) { // no CMS at all: the plain formula
      for (int i = 0, p = 0; i < n; i++, p += 4) {
        int k = 255 - (cmyk[p + 3] & 0xff);
        result[i] =
            0xff000000
                | ((255 - (cmyk[p] & 0xff)) * k / 255) << 16
                | ((255 - (cmyk[p + 1] & 0xff)) * k / 255) << 8
                | ((255 - (cmyk[p + 2] & 0xff)) * k / 255);
      }
    } else {
      for (int i = 0, o = 0; i < n; i++, o += 3) {
        result[i] =
            0xff000000 | (out[o] & 0xff) << 16 | (out[o + 1] & 0xff) << 8 | (out[o + 2] & 0xff);
      }
    }
    return new Argb(result, width, height, false);
  }

  /**
   * The ICC profile of a JPEG (its {@code APP2 ICC_PROFILE} segments, joined in sequence order).
   */
  public static Optional<byte[]> jpegIccProfile(byte[] jpeg) {
    byte[][] parts = null;
    int pos = 2;
    while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xff) == 0xff) {
      int marker = jpeg[pos + 1] & 0xff;
      if (marker == 0xff) {
        pos++;
        continue;
      }
      if (marker == 0xda || marker == 0xd9) {
        break;
      }
      int length = ((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff);
      if (length < 2 || pos + 2 + length > jpeg.length) {
        break;
      }
      int data = pos + 4;
      if (marker == 0xe2 && length >= 16 && startsWith(jpeg, data, "ICC_PROFILE\0")) {
        int seq = jpeg[data + 12] & 0xff;
        int count = jpeg[data + 13] & 0xff;
        if (count == 0 || seq == 0 || seq > count) {
          return Optional.empty();
        }
        if (parts == null) {
          parts = new byte[count][];
        }
        if (parts.length != count) {
          return Optional.empty();
        }
        parts[seq - 1] = Arrays.copyOfRange(jpeg, data + 14, pos + 2 + length);
      }
      pos += 2 + length;
    }
    return join(parts);
  }

  /** The ICC profile of a WebP (its {@code ICCP} chunk, present when VP8X says so). */
  public static Optional<byte[]> webpIccProfile(byte[] webp) {
    if (webp.length < 30
        || !startsWith(webp, 0, "RIFF")
        || !startsWith(webp, 8, "WEBPVP8X")
        || (webp[20] & 0x20) == 0) {
      return Optional.empty();
    }
    int pos = 12;
    while (pos + 8 <= webp.length) {
      long size =
          (webp[pos + 4] & 0xffL)
              | (webp[pos + 5] & 0xffL) << 8
              | (webp[pos + 6] & 0xffL) << 16
              | (webp[pos + 7] & 0xffL) << 24;
      if (size > webp.length - pos - 8L) {
        return Optional.empty();
      }
      if (startsWith(webp, pos, "ICCP")) {
        return size >= 128
            ? Optional.of(Arrays.copyOfRange(webp, pos + 8, pos + 8 + (int) size))
            : Optional.empty();
      }
      pos += 8 + (int) ((size + 1) & ~1L);
    }
    return Optional.empty();
  }

  private static Optional<byte[]> join(byte[][] parts) {
    if (parts == null) {
      return Optional.empty();
    }
    int total = 0;
    for (byte[] p : parts) {
      if (p == null) {
        return Optional.empty();
      }
      total += p.length;
    }
    byte[] out = new byte[total];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return total >= 128 ? Optional.of(out) : Optional.empty();
  }

  private static boolean startsWith(byte[] b, int pos, String s) {
    if (pos + s.length() > b.length) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[pos + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static byte[] convert(ColorConvertOp op, byte[] in, int w, int h, int bands) {
    int[] offsets = new int[bands];
    for (int i = 0; i < bands; i++) {
      offsets[i] = i;
    }
    Raster src =
        Raster.createInterleavedRaster(
            new DataBufferByte(in, in.length), w, h, w * bands, bands, offsets, null);
    byte[] out = new byte[w * h * 3];
    WritableRaster dst =
        Raster.createInterleavedRaster(
            new DataBufferByte(out, out.length), w, h, w * 3, 3, new int[] {0, 1, 2}, null);
    try {
      synchronized (op) { // ColorConvertOp keeps its LittleCMS transform in unsynchronised fields
        op.filter(src, dst);
      }
      return out;
    } catch (RuntimeException e) {
      LOG.warn("Colour conversion failed ({}); keeping the pixels as they are", e.toString());
      return null;
    }
  }

  /**
   * A cached transform from {@code icc} to sRGB, or null when the profile is unusable or of the
   * wrong kind.
   */
  private static ColorConvertOp transform(byte[] icc, boolean cmyk) {
    Key key = new Key(icc);
    synchronized (CACHE) {
      if (CACHE.containsKey(key)) {
        return CACHE.get(key);
      }
    }
    ColorConvertOp op = null;
    try {
      byte[] data = icc.clone();
      if (data.length >= 68) {
        data[64] = 0; // rendering intent: perceptual, as sharp asks
        data[65] = 0;
        data[66] = 0;
        data[67] = 0;
        if (data[12] == 'p' && data[13] == 'r' && data[14] == 't' && data[15] == 'r') {
          // ColorConvertOp renders from an output-class ("prtr") profile, which every CMYK profile
          // is, with the relative colorimetric intent whatever the header says: it would clip out
          // of gamut colours and take the wrong tables. As an input-class profile LittleCMS takes
          // its perceptual tables (A2B0), as libvips does.
          data[12] = 's';
          data[13] = 'c';
          data[14] = 'n';
          data[15] = 'r';
        }
      }
      ICC_Profile profile = ICC_Profile.getInstance(data);
      int type = profile.getColorSpaceType();
      boolean fits =
          cmyk
              ? type == ColorSpace.TYPE_CMYK
              : (type == ColorSpace.TYPE_RGB || type == ColorSpace.TYPE_GRAY);
      if (fits) {
        ICC_Profile srgb = ICC_Profile.getInstance(resource("srgb.icm"));
        op = new ColorConvertOp(new ICC_Profile[] {profile, srgb}, null);
        // Build the LittleCMS transform now, so a broken profile is found once, not per image.
        byte[] probe = new byte[profile.getNumComponents()];
        convertOrThrow(op, probe, profile.getNumComponents());
      } else {
        LOG.debug("Ignoring an embedded ICC profile of colour space type {}", type);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Ignoring an embedded ICC profile that cannot be used ({}); the pixels are taken as sRGB",
          e.toString());
      op = null;
    }
    synchronized (CACHE) {
      CACHE.put(key, op);
    }
    return op;
  }

  private static void convertOrThrow(ColorConvertOp op, byte[] in, int bands) {
    int[] offsets = new int[bands];
    for (int i = 0; i < bands; i++) {
      offsets[i] = i;
    }
    Raster src =
        Raster.createInterleavedRaster(
            new DataBufferByte(in, in.length), 1, 1, bands, bands, offsets, null);
    WritableRaster dst = Raster.createInterleavedRaster(DataBufferByte.TYPE_BYTE, 1, 1, 3, null);
    synchronized (op) {
      op.filter(src, dst);
    }
  }

  /** libvips' default CMYK profile, from this package's resources. */
  static byte[] defaultCmykProfile() {
    byte[] p = defaultCmyk;
    if (p == null) {
      p = resource("cmyk.icm");
      defaultCmyk = p;
    }
    return p;
  }

  private static byte[] resource(String name) {
    try (InputStream in = ColorProfiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the renderlab-thumbnails jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Profile bytes as a map key (hash computed once, 8 bytes at a time): the key of every cache of
   * this package keyed by an ICC profile.
   */
  static final class Key {
    final byte[] bytes;
    final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      this.hash = hash(bytes);
    }

    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * A hash of the profile read 8 bytes at a time in four independent lanes: Arrays.hashCode's one
     * serial multiply a byte took 1.5 ms a render for a 1.2 MB profile (equal keys are still
     * compared byte for byte).
     */
    static int hash(byte[] b) {
      final long m = 0x9E3779B97F4A7C15L;
      long h0 = b.length;
      long h1 = 0;
      long h2 = 0;
      long h3 = 0;
      int i = 0;
      for (; i <= b.length - 32; i += 32) {
        h0 = h0 * m + (long) LONGS.get(b, i);
        h1 = h1 * m + (long) LONGS.get(b, i + 8);
        h2 = h2 * m + (long) LONGS.get(b, i + 16);
        h3 = h3 * m + (long) LONGS.get(b, i + 24);
      }
      for (; i < b.length; i++) {
        h0 = h0 * 31 + b[i];
      }
      long h = h0 ^ Long.rotateLeft(h1, 16) ^ Long.rotateLeft(h2, 32) ^ Long.rotateLeft(h3, 48);
      h *= m;
      return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
