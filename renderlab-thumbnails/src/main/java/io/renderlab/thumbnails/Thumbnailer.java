package io.renderlab.thumbnails;

import com.luciad.imageio.webp.WebPReadParam;
import com.luciad.imageio.webp.WebPWriteParam;
import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Pixels;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.Resampler;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Renders thumbnails the way the seed's sharp call does: {@code resize(400, 400, {fit: 'cover',
 * position: 'centre', kernel: 'lanczos3'}).webp({quality: 75, effort: 4})}, with EXIF orientation
 * applied and alpha kept.
 *
 * <p>Reads PNG (8/16-bit, palette, grey, alpha), JPEG (baseline, progressive, CMYK/YCCK), WebP
 * (lossy, lossless, alpha), GIF (first frame). The image's dimensions are read from its header
 * before any pixel is decoded; more than {@link Builder#maxPixels} pixels (sharp's 268 402 689 by
 * default) is refused at once. Truncated or non-image input is refused with
 * {@link UnsupportedImageException}; a thumbnail is never half-rendered.
 *
 * <p>Speed comes from shrinking early: JPEGs are decoded subsampled when the reduction allows,
 * large WebPs are decoded at reduced size by libwebp, an integer box pre-shrink brings the image
 * to about twice the target, and the Lanczos3 pass runs on primitive arrays. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Thumbnailer thumbnailer = Thumbnailer.builder().build();            // 400×400 cover, WebP q75 effort 4
 * Thumbnail thumb = thumbnailer.render(Path.of("photo.jpg"));
 * Files.write(Path.of("thumb.webp"), thumb.webp());
 * }</pre>
 */
public final class Thumbnailer {
  /** sharp's default pixel limit. */
  public static final long DEFAULT_MAX_PIXELS = 268_402_689L;

  private final int width;
  private final int height;
  private final Fit fit;
  private final int quality;
  private final int effort;
  private final long maxPixels;
  private final long maxInputBytes;

  private Thumbnailer(Builder b) {
    this.width = b.width;
    this.height = b.height;
    this.fit = b.fit;
    this.quality = b.quality;
    this.effort = b.effort;
    this.maxPixels = b.maxPixels;
    this.maxInputBytes = b.maxInputBytes;
  }

  /** The seed's settings: 400×400 cover, WebP quality 75, effort 4. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this thumbnailer's settings. */
  public Builder toBuilder() {
    return new Builder().size(width, height).fit(fit).quality(quality).effort(effort).maxPixels(maxPixels).maxInputBytes(maxInputBytes);
  }

  /**
   * Renders a thumbnail of an image file.
   *
   * @throws UnsupportedImageException if the file is not a supported image, is truncated or too large
   */
  public Thumbnail render(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      if (Files.size(file) > maxInputBytes) {
        throw new UnsupportedImageException("Refusing " + file.getFileName() + ": larger than the " + maxInputBytes + "-byte input limit.");
      }
      return render(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UnsupportedImageException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Renders a thumbnail of an image read from {@code in} (read to its end, within the input limit).
   *
   * @throws UnsupportedImageException if the bytes are not a supported image, are truncated or too large
   */
  public Thumbnail render(InputStream in) {
    Objects.requireNonNull(in, "in");
    try {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxInputBytes + 1));
      if (bytes.length > maxInputBytes) {
        throw new UnsupportedImageException("Refusing an image larger than the " + maxInputBytes + "-byte input limit.");
      }
      return render(bytes);
    } catch (IOException e) {
      throw new UnsupportedImageException("Cannot read the image: " + e.getMessage(), e);
    }
  }

  /**
   * Renders a thumbnail of an encoded image.
   *
   * @throws UnsupportedImageException if the bytes are not a supported image, are truncated or too large
   * @throws ImageTooLargeException if the image has more pixels than the limit
   */
  public Thumbnail render(byte[] image) {
    Objects.requireNonNull(image, "image");
    Optional<MediaType> type = MediaType.sniff(image, Math.min(image.length, MediaType.SNIFF_LENGTH));
    if (type.isEmpty()) {
      throw new UnsupportedImageException("Not an image: the bytes are not PNG, JPEG, WebP, GIF, BMP or TIFF.");
    }
    Argb decoded = decode(image, type.get());
    int orientation = type.get() == MediaType.JPEG ? Exif.jpegOrientation(image) : 1;
    Argb upright = Pixels.orient(decoded, orientation);
    return encode(resize(upright));
  }

  private Argb decode(byte[] image, MediaType type) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new UnsupportedImageException("No decoder for this " + type.mimeType() + " image (" + type + " support: PNG, JPEG, WebP, GIF).");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w <= 0 || h <= 0) {
          throw new UnsupportedImageException("The image header gives no size.");
        }
        if (w * h > maxPixels) {
          throw new ImageTooLargeException(w, h, maxPixels);
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int sub = subsampling(type, w, h);
        if (param instanceof WebPReadParam && sub > 1) {
          WebPReadParam webp = (WebPReadParam) param;
          webp.setUseScaling(true);
          webp.setScaledWidth((int) (w / sub));
          webp.setScaledHeight((int) (h / sub));
        } else if (sub > 1) {
          param.setSourceSubsampling(sub, sub, 0, 0);
        }
        BufferedImage decoded;
        java.util.List<String> warnings = new java.util.ArrayList<>();
        // ImageIO decodes a truncated JPEG into grey filler and only warns: refuse it instead.
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try {
          decoded = reader.read(0, param);
          if (!warnings.isEmpty()) {
            throw new UnsupportedImageException("The " + type.mimeType() + " image is truncated or corrupt: " + warnings.get(0));
          }
        } catch (IIOException e) {
          if (type == MediaType.JPEG && String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
            return cmyk(reader.readRaster(0, param), image);
          }
          throw e;
        }
        return Pixels.of(decoded);
      } finally {
        reader.dispose();
      }
    } catch (UnsupportedImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new UnsupportedImageException(
          "Cannot decode the " + type.mimeType() + " image (truncated or corrupt?): " + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()),
          e);
    }
  }

  /** How much to subsample on decode: keep at least three times the target on the short side. */
  private int subsampling(MediaType type, long w, long h) {
    if (type != MediaType.JPEG && type != MediaType.WEBP) {
      return 1;
    }
    double needW = width * 3.0;
    double needH = height * 3.0;
    double factor;
    if (fit == Fit.COVER) {
      factor = Math.min(w / needW, h / needH);
    } else {
      factor = Math.max(w / needW, h / needH);
    }
    return Math.max(1, (int) Math.floor(factor));
  }

  /** CMYK and YCCK JPEGs, which ImageIO cannot turn into RGB: Adobe's inverted CMYK convention. */
  private static Argb cmyk(Raster raster, byte[] jpeg) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    boolean ycck = adobeTransform(jpeg) == 2;
    int[] out = new int[w * h];
    int[] px = new int[4];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(x + raster.getMinX(), y + raster.getMinY(), px);
        double c = px[0];
        double m = px[1];
        double ye = px[2];
        if (ycck) {
          double yy = px[0];
          double cb = px[1] - 128.0;
          double cr = px[2] - 128.0;
          c = yy + 1.402 * cr;
          m = yy - 0.344136 * cb - 0.714136 * cr;
          ye = yy + 1.772 * cb;
        }
        double k = px[3] / 255.0;
        int r = clamp(c * k);
        int g = clamp(m * k);
        int b = clamp(ye * k);
        out[y * w + x] = 0xff000000 | (r << 16) | (g << 8) | b;
      }
    }
    return new Argb(out, w, h, false);
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  private static int adobeTransform(byte[] jpeg) {
    for (int i = 2; i + 16 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xee
          && jpeg[i + 4] == 'A' && jpeg[i + 5] == 'd' && jpeg[i + 6] == 'o' && jpeg[i + 7] == 'b' && jpeg[i + 8] == 'e') {
        return jpeg[i + 15] & 0xff;
      }
      if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xda) {
        break;
      }
    }
    return -1;
  }

  private Argb resize(Argb in) {
    int w = in.width();
    int h = in.height();
    if (fit == Fit.COVER) {
      double scale = Math.max((double) width / w, (double) height / h);
      double rw = width / scale;
      double rh = height / scale;
      double rx = (w - rw) / 2.0;
      double ry = (h - rh) / 2.0;
      int[] px = Resampler.resize(in.pixels(), w, h, rx, ry, rw, rh, width, height, in.alpha());
      return new Argb(px, width, height, in.alpha());
    }
    double scale = Math.min((double) width / w, (double) height / h);
    int tw = Math.max(1, (int) Math.round(w * scale));
    int th = Math.max(1, (int) Math.round(h * scale));
    int[] px = Resampler.resize(in.pixels(), w, h, 0, 0, w, h, tw, th, in.alpha());
    if (fit == Fit.INSIDE) {
      return new Argb(px, tw, th, in.alpha());
    }
    int[] padded = new int[width * height]; // transparent
    int ox = (width - tw) / 2;
    int oy = (height - th) / 2;
    for (int y = 0; y < th; y++) {
      System.arraycopy(px, y * tw, padded, (oy + y) * width + ox, tw);
    }
    return new Argb(padded, width, height, true);
  }

  private Thumbnail encode(Argb image) {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType("image/webp");
    if (!writers.hasNext()) {
      throw new IllegalStateException("No WebP encoder: webp-imageio is missing from the class path");
    }
    ImageWriter writer = writers.next();
    try {
      WebPWriteParam param = new WebPWriteParam(Locale.ROOT);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType(param.getCompressionTypes()[WebPWriteParam.LOSSY_COMPRESSION]);
      param.setCompressionQuality(quality / 100f);
      param.setMethod(effort);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * 1024);
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        writer.write(null, new javax.imageio.IIOImage(Pixels.toImage(image.pixels(), image.width(), image.height(), image.alpha()), null, null), param);
      }
      return new Thumbnail(bytes.toByteArray(), image.width(), image.height());
    } catch (IOException e) {
      throw new IllegalStateException("WebP encoding failed", e);
    } finally {
      writer.dispose();
    }
  }

  @Override
  public String toString() {
    return "Thumbnailer{" + width + "x" + height + ", fit=" + fit + ", quality=" + quality + ", effort=" + effort + ", maxPixels=" + maxPixels + '}';
  }

  /** Builds a {@link Thumbnailer}. Not thread-safe. */
  public static final class Builder {
    private int width = 400;
    private int height = 400;
    private Fit fit = Fit.COVER;
    private int quality = 75;
    private int effort = 4;
    private long maxPixels = DEFAULT_MAX_PIXELS;
    private long maxInputBytes = 64L * 1024 * 1024;

    private Builder() {}

    /** The target box; default 400×400. Each side 1 to 4096. */
    public Builder size(int width, int height) {
      if (width < 1 || width > 4096 || height < 1 || height > 4096) {
        throw new IllegalArgumentException("size must be between 1 and 4096 on each side, was " + width + "x" + height);
      }
      this.width = width;
      this.height = height;
      return this;
    }

    /** How the image fits the box; default {@link Fit#COVER}. */
    public Builder fit(Fit fit) {
      this.fit = Objects.requireNonNull(fit, "fit");
      return this;
    }

    /** WebP quality 1 to 100; default 75. */
    public Builder quality(int quality) {
      if (quality < 1 || quality > 100) {
        throw new IllegalArgumentException("quality must be between 1 and 100, was " + quality);
      }
      this.quality = quality;
      return this;
    }

    /** WebP effort (libwebp's method) 0 to 6; default 4. */
    public Builder effort(int effort) {
      if (effort < 0 || effort > 6) {
        throw new IllegalArgumentException("effort must be between 0 and 6, was " + effort);
      }
      this.effort = effort;
      return this;
    }

    /** The largest image in pixels, checked from the header; default 268 402 689 (sharp's). */
    public Builder maxPixels(long maxPixels) {
      if (maxPixels < 1) {
        throw new IllegalArgumentException("maxPixels must be positive, was " + maxPixels);
      }
      this.maxPixels = maxPixels;
      return this;
    }

    /** The largest encoded input in bytes; default 64 MiB. */
    public Builder maxInputBytes(long maxInputBytes) {
      if (maxInputBytes < 1) {
        throw new IllegalArgumentException("maxInputBytes must be positive, was " + maxInputBytes);
      }
      this.maxInputBytes = maxInputBytes;
      return this;
    }

    /** Builds the thumbnailer. */
    public Thumbnailer build() {
      return new Thumbnailer(this);
    }
  }
}
