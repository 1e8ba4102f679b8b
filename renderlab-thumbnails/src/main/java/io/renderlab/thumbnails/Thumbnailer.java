package io.renderlab.thumbnails;

import com.luciad.imageio.webp.WebPReadParam;
import com.luciad.imageio.webp.WebPWriteParam;
import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.BoxShrink;
import io.renderlab.thumbnails.internal.BytesImageInputStream;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Geometry;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.PngDecoder;
import io.renderlab.thumbnails.internal.RenderBudget;
import io.renderlab.thumbnails.internal.Resampler;
import io.renderlab.thumbnails.internal.Tiffs;
import io.renderlab.thumbnails.internal.WebpFrames;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import io.renderlab.thumbnails.internal.jpeg.JpegImage;
import io.renderlab.thumbnails.internal.jpeg.LosslessJpeg;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Renders thumbnails the way this sharp call does: {@code resize(400, 400, {fit: 'cover', position:
 * 'centre', kernel: 'lanczos3'}).webp({quality: 75, effort: 4})}, with EXIF orientation applied and
 * alpha kept.
 *
 * <p>Reads PNG (8/16-bit, palette, grey, alpha), JPEG (baseline, progressive, grey, CMYK/YCCK),
 * WebP (lossy, lossless, alpha; first frame if animated), GIF (first frame). The image's dimensions
 * are read from its header before any pixel is decoded; more than {@link Builder#maxPixels} pixels
 * (sharp's 268 402 689 by default) is refused at once with {@link ImageTooLargeException}, and so
 * is an image whose decode, at the size it is decoded at, needs more memory than one render's share
 * of the heap ({@link Builder#concurrency}); a JPEG of too many scans, or a render past its
 * deadline ({@link Builder#renderDeadline}), is refused with {@link ImageTooComplexException}.
 * Truncated or non-image input is refused with {@link UnsupportedImageException}; a thumbnail is
 * never half-rendered.
 *
 * <p>Geometry and resampling follow sharp 0.34 and libvips (same shrink, rounding and crop; integer
 * box shrink then Lanczos3), so the output matches sharp's to within WebP noise. Speed comes from
 * shrinking early and touching little: libwebp decodes WebP straight to the resize size, JPEGs are
 * read as raw YCbCr and only through the window the resize uses, 8-bit PNGs go through a lean
 * decoder, only the kept pixels are resampled, orientation is applied to the small result, and
 * every pass runs over primitive arrays with per-thread scratch. Immutable and thread-safe.
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

  /** The default render deadline: 4 seconds, from the start of the decode to the encoded result. */
  public static final Duration DEFAULT_RENDER_DEADLINE = Duration.ofSeconds(4);

  private final int width;
  private final int height;
  private final Fit fit;
  private final int quality;
  private final int effort;
  private final long maxPixels;
  private final long maxInputBytes;
  private final int concurrency;
  private final long maxDecodeMemory;
  private final Duration renderDeadline;

  private Thumbnailer(Builder b) {
    this.width = b.width;
    this.height = b.height;
    this.fit = b.fit;
    this.quality = b.quality;
    this.effort = b.effort;
    this.maxPixels = b.maxPixels;
    this.maxInputBytes = b.maxInputBytes;
    this.concurrency = b.concurrency;
    this.maxDecodeMemory = b.maxDecodeMemory;
    this.renderDeadline = b.renderDeadline;
  }

  /** The default settings: 400×400 cover, WebP quality 75, effort 4. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this thumbnailer's settings. */
  public Builder toBuilder() {
    return new Builder()
        .size(width, height)
        .fit(fit)
        .quality(quality)
        .effort(effort)
        .maxPixels(maxPixels)
        .maxInputBytes(maxInputBytes)
        .concurrency(concurrency)
        .maxDecodeMemory(maxDecodeMemory)
        .renderDeadline(renderDeadline);
  }

  /**
   * The bytes one render may hold in its large buffers: {@link Builder#maxDecodeMemory} if set,
   * else half the heap ({@code Runtime.maxMemory()}) shared by {@link Builder#concurrency} renders
   * (the other half is left to the rest of the application, per-thread scratch and the garbage
   * collector's headroom).
   */
  public long decodeMemoryBudget() {
    if (maxDecodeMemory > 0) {
      return maxDecodeMemory;
    }
    return Runtime.getRuntime().maxMemory() / 2 / concurrency;
  }

  /**
   * Renders a thumbnail of an image file.
   *
   * @throws UnsupportedImageException if the file is not a supported image, is truncated or too
   *     large
   */
  public Thumbnail render(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      if (Files.size(file) > maxInputBytes) {
        throw new UnsupportedImageException(
            "Refusing "
                + file.getFileName()
                + ": larger than the "
                + maxInputBytes
                + "-byte input limit.");
      }
      return render(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UnsupportedImageException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Renders a thumbnail of an image read from {@code in} (read to its end, within the input limit).
   *
   * @throws UnsupportedImageException if the bytes are not a supported image, are truncated or too
   *     large
   */
  public Thumbnail render(InputStream in) {
    Objects.requireNonNull(in, "in");
    try {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxInputBytes + 1));
      if (bytes.length > maxInputBytes) {
        throw new UnsupportedImageException(
            "Refusing an image larger than the " + maxInputBytes + "-byte input limit.");
      }
      return render(bytes);
    } catch (IOException e) {
      throw new UnsupportedImageException("Cannot read the image: " + e.getMessage(), e);
    }
  }

  /**
   * Renders a thumbnail of an encoded image.
   *
   * @throws UnsupportedImageException if the bytes are not a supported image, are truncated or too
   *     large
   * @throws ImageTooLargeException if the image has more pixels than the limit, or decoding it
   *     needs more memory than the render's budget ({@link #decodeMemoryBudget()})
   * @throws ImageTooComplexException if it is a JPEG of too many scans, or the render runs past its
   *     deadline
   */
  public Thumbnail render(byte[] image) {
    Objects.requireNonNull(image, "image");
    Optional<MediaType> type =
        MediaType.sniff(image, Math.min(image.length, MediaType.SNIFF_LENGTH));
    if (type.isEmpty()) {
      throw new UnsupportedImageException(
          "Not an image: the bytes are not PNG, JPEG, WebP, GIF, BMP or TIFF.");
    }
    Job job =
        new Job(
            type.get(),
            RenderBudget.start(
                decodeMemoryBudget(),
                renderDeadline.compareTo(Duration.ofDays(365)) > 0
                    ? Long.MAX_VALUE
                    : renderDeadline.toNanos()));
    try {
      return switch (type.get()) {
        case PNG -> renderPng(image, job);
        case JPEG -> renderJpeg(image, job);
        case WEBP -> renderWebp(image, job);
        default -> finish(decodeWithImageIo(image, type.get(), job), 1);
      };
    } catch (RenderBudget.Exceeded e) {
      throw refusal(e, job);
    }
  }

  /** One render: what it decodes, its budget, and the image's size once the header is read. */
  private static final class Job {
    final MediaType type;
    final RenderBudget budget;
    long width;
    long height;

    Job(MediaType type, RenderBudget budget) {
      this.type = type;
      this.budget = budget;
    }
  }

  /** A budget that ran out, as the typed refusal a caller acts on. */
  private UnsupportedImageException refusal(RenderBudget.Exceeded e, Job job) {
    return switch (e.kind()) {
      case MEMORY ->
          new ImageTooLargeException(
              job.type.mimeType(),
              job.width,
              job.height,
              maxPixels,
              e.what(),
              e.needed(),
              e.limit());
      case SCANS -> ImageTooComplexException.scans(job.type.mimeType());
      case PASSES -> ImageTooComplexException.passes(job.type.mimeType());
      case DEADLINE -> ImageTooComplexException.deadline(job.type.mimeType(), renderDeadline);
    };
  }

  private Thumbnail renderPng(byte[] image, Job job) {
    Optional<PngDecoder.Header> header = PngDecoder.header(image);
    if (header.isEmpty() || !header.get().supported()) {
      throw new UnsupportedImageException(
          "Cannot decode the image/png image: its header is damaged or names an invalid bit depth and colour type.");
    }
    int w = header.get().width();
    int h = header.get().height();
    checkPixels(job, w, h);
    // The box shrink runs as rows are decoded, over the window the resize reads only: the full-size
    // image is never held (interlaced files excepted), and buffers follow the data, not the header.
    Geometry g = Geometry.of(w, h, 1, width, height, fit);
    Resampler.Axis ax = Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
    Resampler.Axis ay =
        Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
    BoxShrink shrunk = new BoxShrink(w, h, ax, ay);
    try {
      PngDecoder.decode(image, header.get(), shrunk, job.budget);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new UnsupportedImageException(
          "Cannot decode the image/png image (truncated or corrupt?): " + e.getMessage(), e);
    }
    byte[] icc = PngDecoder.iccProfile(image).orElse(null);
    // The decoder fed the resize row by row: what is left is packing, colour and encoding.
    return finish(shrunk.result(), shrunk.channels(), false, g, 1, icc);
  }

  private Thumbnail renderJpeg(byte[] image, Job job) {
    int orientation = Exif.jpegOrientation(image);
    JpegFrame frame = JpegFrame.parse(image);
    if (frame.supported()) {
      return renderJpeg(frame, orientation, job);
    }
    if (LosslessJpeg.isLossless(image)) {
      // Lossless (SOF3), which the JDK's decoder refuses: our own, its rows streamed into the box
      // shrink as PNG's are (the whole image, budgeted so, only for one scan per component).
      int w = frame.width();
      int h = frame.height();
      checkPixels(job, w, h);
      Geometry g = Geometry.of(w, h, orientation, width, height, fit);
      Resampler.Axis ax =
          Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
      Resampler.Axis ay =
          Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
      BoxShrink shrunk = new BoxShrink(w, h, ax, ay);
      boolean ycc = LosslessJpeg.decode(image, shrunk, job.budget);
      return finish(
          shrunk.result(),
          shrunk.channels(),
          ycc,
          g,
          orientation,
          ColorProfiles.jpegIccProfile(image).orElse(null));
    }
    // 12-bit (arithmetic-coded too), and CMYK/YCCK our decoder does not take: ImageIO.
    boolean cmyk = frame.components() == 4;
    int[] window = new int[4];
    Interleaved pixels =
        withReader(
            image,
            MediaType.JPEG,
            job,
            reader -> {
              int w = reader.getWidth(0);
              int h = reader.getHeight(0);
              // CMYK/YCCK: sharp decodes at its shrink-on-load scale and converts the colours
              // there; we average each block of inks as the scaled decode does, then convert.
              int s =
                  cmyk
                      ? jpegShrinkOnLoad(
                          Geometry.of(w, h, orientation, width, height, fit).commonShrink())
                      : 1;
              int sw = w / s;
              int sh = h / s;
              // Read only the window the resize will use: libjpeg stops after its last row, and the
              // rows and columns outside it are never copied out of the decoder.
              Geometry g = Geometry.of(sw, sh, orientation, width, height, fit);
              Resampler.Axis ax =
                  Resampler.Axis.of(sw, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
              Resampler.Axis ay =
                  Resampler.Axis.of(sh, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
              window[0] = ax.sourceStart();
              window[1] = ay.sourceStart();
              window[2] = sw;
              window[3] = sh;
              ImageReadParam param = reader.getDefaultReadParam();
              java.awt.Rectangle region =
                  new java.awt.Rectangle(
                      window[0] * s,
                      window[1] * s,
                      (ax.sourceEnd(sw) - window[0]) * s,
                      (ay.sourceEnd(sh) - window[1]) * s);
              param.setSourceRegion(region);
              // The raster (up to 16 bits a sample), its 8-bit copy, and CMYK's inks and pixels.
              job.budget.reserve(
                  (long) region.width
                      * region.height
                      * (Math.max(1, frame.components()) * 3L + (cmyk ? 8 : 3)),
                  "the JPEG's decoded region");
              List<String> warnings = new ArrayList<>();
              // ImageIO decodes a truncated JPEG into grey filler and only warns: refuse it
              // instead.
              reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
              // The raster is the file's own colour space (YCbCr for JFIF), with no colour
              // conversion at full
              // size; YCbCr becomes RGB after the resize, on the thumbnail's pixels only.
              Raster raster = reader.readRaster(0, param);
              if (!warnings.isEmpty()) {
                throw new UnsupportedImageException(
                    "The image/jpeg image is truncated or corrupt: " + warnings.get(0));
              }
              return jpegPixels(raster, frame, image, s);
            });
    // CMYK went through its profile already; YCbCr, RGB and grey go through theirs after the
    // resize.
    byte[] icc = cmyk ? null : ColorProfiles.jpegIccProfile(image).orElse(null);
    return finish(pixels, window[0], window[1], window[2], window[3], orientation, icc);
  }

  /**
   * Our own decoder with sharp's shrink-on-load: libjpeg-turbo's DCT scaling by the factor sharp
   * picks, then the same resize on the scaled image as sharp does, decoding only its window.
   */
  private Thumbnail renderJpeg(JpegFrame frame, int orientation, Job job) {
    checkPixels(job, frame.width(), frame.height());
    int scale =
        jpegShrinkOnLoad(
            Geometry.of(frame.width(), frame.height(), orientation, width, height, fit)
                .commonShrink());
    // libjpeg rounds a scaled size up (a partial last pixel); libvips, so sharp, strictly rounds
    // down and never reads that pixel: the resize plans on the rounded-down size.
    int w = frame.width() / scale;
    int h = frame.height() / scale;
    Geometry g = Geometry.of(w, h, orientation, width, height, fit);
    Resampler.Axis ax = Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
    Resampler.Axis ay =
        Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
    JpegImage decoded =
        JpegDecoder.decode(
            frame,
            scale,
            ax.sourceStart(),
            ay.sourceStart(),
            ax.sourceEnd(w),
            ay.sourceEnd(h),
            job.budget);
    if (frame.components() == 4) {
      // CMYK/YCCK: the scaled window's inks through their profile (or libvips' default CMYK
      // profile), at the size sharp converts them, before the resize.
      Interleaved stored = decoded.pixels();
      int n = stored.width() * stored.height();
      byte[] inks = java.util.Arrays.copyOf(stored.data(), n * 4);
      jpegInks(inks, n, frame.ycck());
      Argb rgb =
          ColorProfiles.cmykToSrgb(inks, stored.width(), stored.height(), decoded.iccProfile());
      return finish(
          Interleaved.ofArgb(rgb.pixels(), rgb.width(), rgb.height(), false),
          decoded.left(),
          decoded.top(),
          w,
          h,
          orientation,
          null);
    }
    // The embedded ICC profile (null if none) is converted to sRGB on the small result, as for
    // ImageIO's JPEGs.
    return finish(
        decoded.pixels(), decoded.left(), decoded.top(), w, h, orientation, decoded.iccProfile());
  }

  /**
   * sharp 0.34's JPEG shrink-on-load with its default {@code fastShrinkOnLoad: true} (pipeline.cc):
   * the largest of 8, 4, 2 not above the shrink, halved when it equals the integer part of the
   * shrink (libjpeg's rounding).
   */
  static int jpegShrinkOnLoad(double shrink) {
    int s = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
    if (s > 1 && (int) shrink == s) {
      s /= 2;
    }
    return s;
  }

  private Thumbnail renderWebp(byte[] image, Job job) {
    Optional<WebpFrames.FirstFrame> animated;
    try {
      animated = WebpFrames.firstFrame(image);
    } catch (IllegalArgumentException e) {
      throw new UnsupportedImageException(
          "Cannot decode the image/webp image (truncated or corrupt?): " + e.getMessage(), e);
    }
    if (animated.isPresent()) {
      return renderFirstFrame(animated.get(), job);
    }
    Interleaved pixels =
        withReader(
            image,
            MediaType.WEBP,
            job,
            reader -> {
              int w = reader.getWidth(0);
              int h = reader.getHeight(0);
              double shrink = Geometry.of(w, h, 1, width, height, fit).commonShrink();
              // libwebp's scaled decoding, as sharp's shrink-on-load: it decodes straight to about
              // the resize size, and the Lanczos pass is left with (almost) nothing to do.
              int sw = shrink > 1.0 ? Math.max(1, (int) Math.floor(w / shrink + 0.5)) : w;
              int sh = shrink > 1.0 ? Math.max(1, (int) Math.floor(h / shrink + 0.5)) : h;
              Argb argb = readWebp(reader, image, w, h, sw, sh, job);
              return Interleaved.ofArgb(argb.pixels(), argb.width(), argb.height(), argb.alpha());
            });
    return finish(
        pixels,
        0,
        0,
        pixels.width(),
        pixels.height(),
        1,
        ColorProfiles.webpIccProfile(image).orElse(null));
  }

  /**
   * Reads a still WebP ({@code w}×{@code h}) scaled by libwebp to {@code sw}×{@code sh}, within the
   * budget: a lossless (VP8L) image is decoded whole in native memory (4 bytes a pixel) before it
   * is scaled, a lossy one's alpha plane is too (1 byte a pixel); the scaled result is held twice
   * (the decoder's image, our pixels).
   */
  private static Argb readWebp(
      ImageReader reader, byte[] webp, int w, int h, int sw, int sh, Job job) throws IOException {
    long full = (long) w * h;
    long decoder =
        WebpFrames.hasChunk(webp, "VP8L") ? 4 * full : WebpFrames.hasChunk(webp, "ALPH") ? full : 0;
    job.budget.reserve(decoder + 8L * sw * sh, "libwebp's decode and its scaled result");
    ImageReadParam param = reader.getDefaultReadParam();
    if ((sw != w || sh != h) && param instanceof WebPReadParam scaled) {
      scaled.setUseScaling(true);
      scaled.setScaledWidth(sw);
      scaled.setScaledHeight(sh);
    }
    return Pixels.of(reader.read(0, param));
  }

  /**
   * An animated WebP's first frame (as sharp reads it by default), placed on its canvas. The canvas
   * is composited at the resize's shrink (the frame decoded by libwebp straight to its share of
   * it), never at full size: a 90-byte animation may claim a 16383×16383 canvas.
   */
  private Thumbnail renderFirstFrame(WebpFrames.FirstFrame frame, Job job) {
    int cw = frame.canvasWidth();
    int ch = frame.canvasHeight();
    checkPixels(job, cw, ch);
    if (frame.x() == 0 && frame.y() == 0 && frame.width() == cw && frame.height() == ch) {
      return renderWebp(frame.still(), job);
    }
    if (frame.x() + frame.width() > cw || frame.y() + frame.height() > ch) {
      throw new UnsupportedImageException(
          "The image/webp animation's first frame lies outside its canvas (corrupt).");
    }
    double shrink = Math.max(1.0, Geometry.of(cw, ch, 1, width, height, fit).commonShrink());
    int sw = Math.max(1, (int) Math.floor(cw / shrink + 0.5));
    int sh = Math.max(1, (int) Math.floor(ch / shrink + 0.5));
    // The frame's rectangle on the scaled canvas (at least a pixel each way).
    int left = (int) Math.min(sw - 1, Math.round((double) frame.x() * sw / cw));
    int top = (int) Math.min(sh - 1, Math.round((double) frame.y() * sh / ch));
    int right = (int) Math.round((double) (frame.x() + frame.width()) * sw / cw);
    int bottom = (int) Math.round((double) (frame.y() + frame.height()) * sh / ch);
    int fw = Math.max(1, Math.min(sw, right) - left);
    int fh = Math.max(1, Math.min(sh, bottom) - top);
    job.budget.reserve(4L * sw * sh, "the animation's canvas");
    Interleaved pixels =
        withReader(
            frame.still(),
            MediaType.WEBP,
            job,
            reader -> {
              Argb argb =
                  readWebp(
                      reader,
                      frame.still(),
                      reader.getWidth(0),
                      reader.getHeight(0),
                      shrink > 1.0 ? fw : reader.getWidth(0),
                      shrink > 1.0 ? fh : reader.getHeight(0),
                      job);
              int[] canvas = new int[sw * sh]; // transparent around the frame
              int rows = Math.min(argb.height(), sh - top);
              int cols = Math.min(argb.width(), sw - left);
              for (int y = 0; y < rows; y++) {
                System.arraycopy(
                    argb.pixels(), y * argb.width(), canvas, (top + y) * sw + left, cols);
              }
              return Interleaved.ofArgb(canvas, sw, sh, true);
            });
    return finish(pixels, 1);
  }

  private Interleaved decodeWithImageIo(byte[] image, MediaType type, Job job) {
    try {
      return decodeWithImageIo(image, type, false, false, job);
    } catch (UnsupportedImageException e) {
      // ImageIO refuses 16-bit samples with horizontal differencing: read them as stored, then
      // add the differences up ourselves.
      byte[] undifferenced =
          type == MediaType.TIFF
                  && e.getCause() != null
                  && String.valueOf(e.getCause().getMessage()).contains("Horizontal differencing")
              ? Tiffs.withoutPredictor(image)
              : null;
      if (undifferenced == null) {
        throw e;
      }
      return decodeWithImageIo(undifferenced, type, true, Tiffs.isCieLab(image), job);
    }
  }

  private Interleaved decodeWithImageIo(
      byte[] image, MediaType type, boolean undoPredictor, boolean cieLab, Job job) {
    return withReader(
        image,
        type,
        job,
        reader -> {
          job.budget.reserve(imageIoBytes(reader, type), "ImageIO's full-size destination");
          List<String> warnings = new ArrayList<>();
          reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
          BufferedImage decoded = reader.read(0, reader.getDefaultReadParam());
          // A profile the reader cannot use is dropped with this warning, as sharp drops it
          // ("Invalid embedded profile"); the pixels are still whole.
          warnings.removeIf(w -> w.startsWith("Superseding bad ICC profile"));
          if (!warnings.isEmpty()) {
            throw new UnsupportedImageException(
                "The " + type.mimeType() + " image is truncated or corrupt: " + warnings.get(0));
          }
          if (undoPredictor) {
            Tiffs.undoPredictor(decoded.getRaster(), Tiffs.directory(reader));
          }
          if (cieLab) {
            return Tiffs.cieLab16ToSrgb(decoded.getRaster());
          }
          Interleaved samples = Pixels.interleaved(decoded);
          if (samples != null) {
            return samples;
          }
          Argb argb;
          if (decoded.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
            // ImageIO's CMYK colour model is a naive formula: the inks go through the embedded
            // profile, or libvips' default CMYK profile, as libvips converts them.
            TIFFDirectory tiff = type == MediaType.TIFF ? Tiffs.directory(reader) : null;
            argb =
                ColorProfiles.cmykToSrgb(
                    Tiffs.cmykInks(decoded.getRaster(), tiff),
                    decoded.getWidth(),
                    decoded.getHeight(),
                    Tiffs.iccProfile(tiff));
          } else {
            argb = Pixels.of(decoded);
          }
          return Interleaved.ofArgb(argb.pixels(), argb.width(), argb.height(), argb.alpha());
        });
  }

  /**
   * What an ImageIO read costs: its destination at full size (ImageIO has no shrink-on-load for
   * these formats) in the reader's own layout (1 bit a pixel for a bilevel image, 8 for palette, up
   * to 64 for 16-bit RGBA), then one converted copy (8-bit RGB or RGBA, or 4-byte ARGB, or CMYK
   * inks and their pixels); a TIFF's codec also decodes a whole strip or tile, which may be the
   * whole image, into a buffer of its own.
   */
  private static long imageIoBytes(ImageReader reader, MediaType type) throws IOException {
    long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
    int bits = 32;
    boolean cmyk = false;
    Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
    if (types != null && types.hasNext()) {
      ImageTypeSpecifier spec = types.next();
      bits = 0;
      for (int size : spec.getSampleModel().getSampleSize()) {
        bits += size;
      }
      cmyk = spec.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK;
    }
    long destination = (pixels * Math.max(1, bits) + 7) / 8;
    long copy = cmyk ? pixels * 8 : bits == 24 || bits == 32 ? destination : pixels * 4;
    return destination + copy + (type == MediaType.TIFF ? destination : 0);
  }

  private void checkPixels(Job job, long w, long h) {
    if (job.width == 0) {
      job.width = w;
      job.height = h;
    }
    if (w <= 0 || h <= 0) {
      throw new UnsupportedImageException("The image header gives no size.");
    }
    if (w * h > maxPixels) {
      throw new ImageTooLargeException(w, h, maxPixels);
    }
  }

  /**
   * ImageIO allocates its whole destination from the header's size before it decodes anything, so
   * refuse sizes the data cannot hold: a Huffman JPEG spends at least one bit per 8×8 block of its
   * full-resolution component (at most 512 pixels a byte; 1024 allowed), and GIF's LZW, BMP's RLE
   * and TIFF's codecs stay well under 4096 pixels a byte. WebP is decoded by libwebp straight to
   * the (small) resize size, so its claims cost nothing and it is not limited here.
   */
  private static void checkClaim(MediaType type, long w, long h, long bytes) {
    if (type == MediaType.WEBP) {
      return;
    }
    long perByte = type == MediaType.JPEG ? 1024 : 4096;
    if (w * h > (bytes + 1024) * perByte) {
      throw new UnsupportedImageException(
          "Refusing the "
              + type.mimeType()
              + " image: its header claims "
              + w
              + "x"
              + h
              + " pixels, more than "
              + bytes
              + " bytes of data can hold (truncated, or a decompression bomb).");
    }
  }

  /** Checks the render's deadline whenever an ImageIO reader reports progress. */
  private static final class DeadlineListener implements IIOReadProgressListener {
    private final RenderBudget budget;

    DeadlineListener(RenderBudget budget) {
      this.budget = budget;
    }

    @Override
    public void imageProgress(ImageReader source, float percentageDone) {
      budget.checkDeadline();
    }

    @Override
    public void imageStarted(ImageReader source, int imageIndex) {
      budget.checkDeadline();
    }

    @Override
    public void sequenceStarted(ImageReader source, int minIndex) {}

    @Override
    public void sequenceComplete(ImageReader source) {}

    @Override
    public void imageComplete(ImageReader source) {}

    @Override
    public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

    @Override
    public void thumbnailProgress(ImageReader source, float percentageDone) {}

    @Override
    public void thumbnailComplete(ImageReader source) {}

    @Override
    public void readAborted(ImageReader source) {}
  }

  private interface ReaderWork {
    Interleaved apply(ImageReader reader) throws IOException;
  }

  /**
   * Opens an ImageIO reader on the bytes, checks the header's size, runs {@code work}, disposes.
   */
  private Interleaved withReader(byte[] image, MediaType type, Job job, ReaderWork work) {
    // Straight over the bytes: ImageIO.createImageInputStream would copy them to a temporary file.
    try (ImageInputStream in = new BytesImageInputStream(image)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new UnsupportedImageException(
            "No decoder for this " + type.mimeType() + " image (supported: PNG, JPEG, WebP, GIF).");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        checkPixels(job, reader.getWidth(0), reader.getHeight(0));
        checkClaim(type, reader.getWidth(0), reader.getHeight(0), image.length);
        // ImageIO's readers report progress per row, strip or tile: the deadline is checked there
        // (the refusal unwinds the read), never by interrupting the thread.
        reader.addIIOReadProgressListener(new DeadlineListener(job.budget));
        return work.apply(reader);
      } finally {
        reader.dispose();
      }
    } catch (UnsupportedImageException | RenderBudget.Exceeded e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new UnsupportedImageException(
          "Cannot decode the "
              + type.mimeType()
              + " image (truncated or corrupt?): "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()),
          e);
    }
  }

  /**
   * The JPEG raster as interleaved samples: YCbCr kept as is, grey widened, CMYK/YCCK converted.
   */
  private static Interleaved jpegPixels(Raster raster, JpegFrame frame, byte[] jpeg, int shrink) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    if (bands == 4) {
      Argb rgb = cmyk(raster, frame, jpeg, shrink);
      return Interleaved.ofArgb(rgb.pixels(), rgb.width(), rgb.height(), false);
    }
    byte[] data = null;
    if (raster.getDataBuffer() instanceof DataBufferByte buffer
        && raster.getSampleModel() instanceof PixelInterleavedSampleModel model
        && model.getPixelStride() == bands
        && model.getScanlineStride() == w * bands
        && raster.getMinX() == 0
        && raster.getMinY() == 0
        && buffer.getNumBanks() == 1
        && buffer.getOffset() == 0
        && isIdentity(model.getBandOffsets())) {
      data = buffer.getData();
    }
    if (data == null) {
      data = new byte[w * h * bands];
      int[] row = new int[w * bands];
      for (int y = 0; y < h; y++) {
        raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
        for (int i = 0; i < row.length; i++) {
          data[y * w * bands + i] = (byte) row[i];
        }
      }
    }
    if (bands == 1) {
      byte[] rgb = new byte[w * h * 3];
      for (int i = 0, o = 0; i < w * h; i++, o += 3) {
        rgb[o] = data[i];
        rgb[o + 1] = data[i];
        rgb[o + 2] = data[i];
      }
      return new Interleaved(rgb, w, h, 3, false);
    }
    if (bands != 3) {
      throw new UnsupportedImageException("Unsupported JPEG with " + bands + " colour components.");
    }
    boolean rgb = frame.adobeTransform() == 0 || frame.rgbIds();
    return new Interleaved(data, w, h, 3, !rgb);
  }

  private static boolean isIdentity(int[] offsets) {
    for (int i = 0; i < offsets.length; i++) {
      if (offsets[i] != i) {
        return false;
      }
    }
    return true;
  }

  /**
   * CMYK and YCCK JPEGs, which ImageIO cannot turn into RGB. Samples are stored inverted (Adobe's
   * convention, which libvips assumes for every CMYK JPEG); YCCK is first turned back into CMY. The
   * inks, each {@code shrink × shrink} block averaged, then go through the embedded profile, or
   * libvips' default CMYK profile, to sRGB.
   */
  private static Argb cmyk(Raster raster, JpegFrame frame, byte[] jpeg, int shrink) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    byte[] inks = new byte[w * h * 4];
    int[] row = new int[w * 4];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0; i < row.length; i++) {
        inks[o++] = (byte) row[i];
      }
    }
    jpegInks(inks, w * h, frame.ycck());
    if (shrink > 1) {
      inks = boxAverage(inks, w, h, 4, shrink);
      w /= shrink;
      h /= shrink;
    }
    return ColorProfiles.cmykToSrgb(inks, w, h, ColorProfiles.jpegIccProfile(jpeg).orElse(null));
  }

  /**
   * A CMYK or YCCK JPEG's samples, as libjpeg gives them (4 bytes a pixel), turned into ink amounts
   * in place: stored inverted (Adobe's convention, which libvips assumes for every CMYK JPEG), and
   * YCCK first turned back into CMY as libjpeg does (255 - the YCbCr as RGB; K as stored).
   */
  static void jpegInks(byte[] samples, int pixels, boolean ycck) {
    for (int i = 0, o = 0; i < pixels; i++, o += 4) {
      if (ycck) {
        double yy = samples[o] & 0xff;
        double cb = (samples[o + 1] & 0xff) - 128.0;
        double cr = (samples[o + 2] & 0xff) - 128.0;
        // The inks are 255 - CMY = the YCbCr as RGB.
        samples[o] = (byte) clamp(yy + 1.402 * cr);
        samples[o + 1] = (byte) clamp(yy - 0.344136 * cb - 0.714136 * cr);
        samples[o + 2] = (byte) clamp(yy + 1.772 * cb);
      } else {
        samples[o] = (byte) (255 - (samples[o] & 0xff));
        samples[o + 1] = (byte) (255 - (samples[o + 1] & 0xff));
        samples[o + 2] = (byte) (255 - (samples[o + 2] & 0xff));
      }
      samples[o + 3] = (byte) (255 - (samples[o + 3] & 0xff));
    }
  }

  /** Each {@code f × f} block of {@code bands}-band samples averaged (the partial edge dropped). */
  private static byte[] boxAverage(byte[] in, int w, int h, int bands, int f) {
    int ow = w / f;
    int oh = h / f;
    byte[] out = new byte[ow * oh * bands];
    int[] sums = new int[ow * bands];
    int half = f * f / 2;
    for (int oy = 0; oy < oh; oy++) {
      java.util.Arrays.fill(sums, 0);
      for (int y = oy * f; y < oy * f + f; y++) {
        for (int x = 0, p = y * w * bands; x < ow * f; x++, p += bands) {
          int o = (x / f) * bands;
          for (int b = 0; b < bands; b++) {
            sums[o + b] += in[p + b] & 0xff;
          }
        }
      }
      for (int i = 0, o = oy * ow * bands; i < ow * bands; i++, o++) {
        out[o] = (byte) ((sums[i] + half) / (f * f));
      }
    }
    return out;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  /** Resizes as sharp does (in stored orientation), orients the small result, pads, encodes. */
  private Thumbnail finish(Interleaved src, int orientation) {
    return finish(src, 0, 0, src.width(), src.height(), orientation);
  }

  private Thumbnail finish(Interleaved src, int orientation, byte[] icc) {
    return finish(src, 0, 0, src.width(), src.height(), orientation, icc);
  }

  /**
   * As above, when {@code src} is the window at ({@code left}, {@code top}) of a {@code w}×{@code
   * h} image.
   */
  private Thumbnail finish(Interleaved src, int left, int top, int w, int h, int orientation) {
    return finish(src, left, top, w, h, orientation, null);
  }

  /** As above, then the embedded ICC profile {@code icc} (or null) converted to sRGB. */
  private Thumbnail finish(
      Interleaved src, int left, int top, int w, int h, int orientation, byte[] icc) {
    Geometry g = Geometry.of(w, h, orientation, width, height, fit);
    Resampler.Axis ax = Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
    Resampler.Axis ay =
        Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
    return finish(src, left, top, w, h, g, ax, ay, orientation, icc);
  }

  /**
   * As above with the axes planned, then the embedded ICC profile {@code icc} (or null) converted
   * to sRGB.
   */
  private Thumbnail finish(
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
  private Thumbnail finish(
      float[] resized, int channels, boolean ycc, Geometry g, int orientation, byte[] icc) {
    int[] argb = Resampler.pack(resized, g.outWidth() * g.outHeight(), channels, ycc);
    Argb upright =
        Pixels.orient(new Argb(argb, g.outWidth(), g.outHeight(), channels == 4), orientation);
    upright =
        ColorProfiles.toSrgb(
            upright, icc); // on the small result: as sharp's, to within ~1 level (README)
    if (fit != Fit.CONTAIN || (upright.width() == width && upright.height() == height)) {
      return encode(upright);
    }
    int[] padded = new int[width * height]; // transparent
    int ox = (width - upright.width()) / 2;
    int oy = (height - upright.height()) / 2;
    for (int y = 0; y < upright.height(); y++) {
      System.arraycopy(
          upright.pixels(), y * upright.width(), padded, (oy + y) * width + ox, upright.width());
    }
    return encode(new Argb(padded, width, height, true));
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

  @Override
  public String toString() {
    return "Thumbnailer{"
        + width
        + "x"
        + height
        + ", fit="
        + fit
        + ", quality="
        + quality
        + ", effort="
        + effort
        + ", maxPixels="
        + maxPixels
        + ", concurrency="
        + concurrency
        + ", renderDeadline="
        + renderDeadline
        + '}';
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
    private int concurrency = Math.max(1, Runtime.getRuntime().availableProcessors());
    private long maxDecodeMemory;
    private Duration renderDeadline = DEFAULT_RENDER_DEADLINE;

    private Builder() {}

    /** The target box; default 400×400. Each side 1 to 4096. */
    public Builder size(int width, int height) {
      if (width < 1 || width > 4096 || height < 1 || height > 4096) {
        throw new IllegalArgumentException(
            "size must be between 1 and 4096 on each side, was " + width + "x" + height);
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

    /**
     * How many renders may run at once in this JVM (a {@code ThumbnailService}'s {@code workers}
     * plus any other callers); default the available processors. Each render's memory budget is
     * half the heap ({@code -Xmx}) divided by this: an image whose decode needs more (at the size
     * it is decoded at, after shrink-on-load) is refused with {@link ImageTooLargeException} before
     * the memory is allocated, whatever the file's size. Set it to the real number, so that many
     * renders at once fit the heap.
     */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be positive, was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /**
     * Each render's memory budget in bytes, in place of the share of the heap that {@link
     * #concurrency} gives; {@code 0} (the default) derives it from the heap.
     */
    public Builder maxDecodeMemory(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxDecodeMemory must not be negative, was " + bytes);
      }
      this.maxDecodeMemory = bytes;
      return this;
    }

    /**
     * The longest a render may take; default 4 seconds ({@link #DEFAULT_RENDER_DEADLINE}). Checked
     * as it goes (per scan and MCU row, row batch or ImageIO progress report; never by interrupting
     * the thread); a render past it is refused with {@link ImageTooComplexException}, not retried.
     * A 12–24 MP photo takes about 0.1 s (see the module README); the deadline is for inputs
     * crafted to cost CPU, such as a JPEG of many scans. Raise it if you render images of hundreds
     * of megapixels through ImageIO (LZW TIFF, GIF) on a busy machine.
     */
    public Builder renderDeadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("renderDeadline must be positive, was " + deadline);
      }
      this.renderDeadline = deadline;
      return this;
    }

    /** Builds the thumbnailer. */
    public Thumbnailer build() {
      return new Thumbnailer(this);
    }
  }
}
