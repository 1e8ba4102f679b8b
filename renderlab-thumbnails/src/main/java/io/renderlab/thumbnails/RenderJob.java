package io.renderlab.thumbnails;

import com.luciad.imageio.webp.WebPWriteParam;
import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Geometry;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.RenderBudget;
import io.renderlab.thumbnails.internal.Resampler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * One render: what it decodes, its budget, the image's size once the header is read, and the steps
 * every format ends with (resize as sharp does, orient the small result, convert its colours, pad,
 * encode WebP). The per-format classes ({@link PngRenderer}, {@link JpegRenderer}, {@link
 * WebpRenderer}, {@link ImageIoRenderer}) decode into it.
 */
final class RenderJob {
  final MediaType type;
  final RenderBudget budget;

  /** The image's size, once its header is read (0 before). */
  long width;

  long height;

  private final int boxWidth;
  private final int boxHeight;
  private final Fit fit;
  private final int quality;
  private final int effort;
  private final long maxPixels;

  RenderJob(
      MediaType type,
      RenderBudget budget,
      int boxWidth,
      int boxHeight,
      Fit fit,
      int quality,
      int effort,
      long maxPixels) {
    this.type = type;
    this.budget = budget;
    this.boxWidth = boxWidth;
    this.boxHeight = boxHeight;
    this.fit = fit;
    this.quality = quality;
    this.effort = effort;
    this.maxPixels = maxPixels;
  }

  /**
   * sharp's geometry for a {@code w}×{@code h} image stored in {@code orientation}, into the box.
   */
  Geometry geometry(int w, int h, int orientation) {
    return Geometry.of(w, h, orientation, boxWidth, boxHeight, fit);
  }

  /** Records the header size (the first time) and refuses it past the pixel limit. */
  void checkPixels(long w, long h) {
    if (width == 0) {
      width = w;
      height = h;
    }
    if (w <= 0 || h <= 0) {
      throw new UnsupportedImageException("The image header gives no size.");
    }
    if (w * h > maxPixels) {
      throw new ImageTooLargeException(w, h, maxPixels);
    }
  }

  /** Resizes as sharp does (in stored orientation), orients the small result, pads, encodes. */
  Thumbnail finish(Interleaved src, int orientation) {
    return finish(src, 0, 0, src.width(), src.height(), orientation);
  }

  Thumbnail finish(Interleaved src, int orientation, byte[] icc) {
    return finish(src, 0, 0, src.width(), src.height(), orientation, icc);
  }

  /**
   * As above, when {@code src} is the window at ({@code left}, {@code top}) of a {@code w}×{@code
   * h} image.
   */
  Thumbnail finish(Interleaved src, int left, int top, int w, int h, int orientation) {
    return finish(src, left, top, w, h, orientation, null);
  }

  /** As above, then the embedded ICC profile {@code icc} (or null) converted to sRGB. */
  Thumbnail finish(Interleaved src, int left, int top, int w, int h, int orientation, byte[] icc) {
    Geometry g = geometry(w, h, orientation);
    Resampler.Axis ax = Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
    Resampler.Axis ay =
        Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
    return finish(src, left, top, w, h, g, ax, ay, orientation, icc);
  }

  /**
   * As above with the axes planned, then the embedded ICC profile {@code icc} (or null) converted
   * to sRGB.
   */
  Thumbnail finish(
      Interleaved src,
      int left,
      int top,
      int w,
      int h,
      Geometry g,
      Resampler.Axis ax,
      Resampler.Axis ay,
      int orientation,
      byte[] icc) {
    float[] resized = Resampler.resize(src, left, top, w, h, ax, ay);
    return finish(resized, src.channels(), src.ycc(), g, orientation, icc);
  }

  /** As above from the resized floats {@code resized} (see {@link Resampler#resize}). */
  Thumbnail finish(
      float[] resized, int channels, boolean ycc, Geometry g, int orientation, byte[] icc) {
    int[] argb = Resampler.pack(resized, g.outWidth() * g.outHeight(), channels, ycc);
    Argb upright =
        Pixels.orient(new Argb(argb, g.outWidth(), g.outHeight(), channels == 4), orientation);
    upright =
        ColorProfiles.toSrgb(
            upright, icc); // on the small result: as sharp's, to within ~1 level (README)
    if (fit != Fit.CONTAIN || (upright.width() == boxWidth && upright.height() == boxHeight)) {
      return encode(upright);
    }
    int[] padded = new int[boxWidth * boxHeight]; // transparent
    int ox = (boxWidth - upright.width()) / 2;
    int oy = (boxHeight - upright.height()) / 2;
    for (int y = 0; y < upright.height(); y++) {
      System.arraycopy(
          upright.pixels(), y * upright.width(), padded, (oy + y) * boxWidth + ox, upright.width());
    }
    return encode(new Argb(padded, boxWidth, boxHeight, true));
  }

  private Thumbnail encode(Argb image) {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType("image/webp");
    if (!writers.hasNext()) {
      throw new IllegalStateException(
          "No WebP encoder: webp-imageio is missing from the class path");
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
        writer.write(
            null,
            new javax.imageio.IIOImage(
                Pixels.wrap(image.pixels(), image.width(), image.height(), image.alpha()),
                null,
                null),
            param);
      }
      return new Thumbnail(bytes.toByteArray(), image.width(), image.height());
    } catch (IOException e) {
      throw new IllegalStateException("WebP encoding failed", e);
    } finally {
      writer.dispose();
    }
  }
}
