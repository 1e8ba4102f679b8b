package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.RenderBudget;
import io.renderlab.thumbnails.internal.Tiffs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Renders thumbnails the way this sharp call does: {@code resize(400, 400, {fit: 'cover', position:
 * 'centre', kernel: 'lanczos3'}).webp({quality: 75, effort: 4})}, with EXIF orientation applied and
 * alpha kept.
 *
 * <p>Reads PNG (8/16-bit, palette, grey, alpha), JPEG (baseline, progressive, grey, CMYK/YCCK),
 * WebP (lossy, lossless, alpha; first frame if animated), GIF (first frame, on its logical screen),
 * BMP and TIFF, and AVIF and HEIC through the host's libheif ({@code heif-dec}) where it is
 * installed; orientation from wherever the image carries it (EXIF in JPEG, WebP and PNG, TIFF's
 * tag). The image's dimensions are read from its header before any pixel is decoded; more than
 * {@link Builder#maxPixels} pixels (sharp's 268 402 689 by default) is refused at once with {@link
 * ImageTooLargeException}, and so is an image whose decode, at the size it is decoded at, needs
 * more memory than one render's share of the heap ({@link Builder#concurrency}); a JPEG of too many
 * scans, or a render past its deadline ({@link Builder#renderDeadline}), is refused with {@link
 * ImageTooComplexException}. Truncated or non-image input is refused with {@link
 * UnsupportedImageException}; a thumbnail is never half-rendered.
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
    if (type.isEmpty() && Formats.isBigTiff(image)) {
      // BigTIFF as the classic TIFF ImageIO reads: a copy of the (size-limited) input plus its
      // first directory rewritten with 32-bit offsets.
      image = Tiffs.classicFromBigTiff(image);
      type = Optional.of(MediaType.TIFF);
    }
    if (type.isEmpty()) {
      throw Formats.notRead(image);
    }
    RenderJob job =
        new RenderJob(
            type.get(),
            RenderBudget.start(
                decodeMemoryBudget(),
                renderDeadline.compareTo(Duration.ofDays(365)) > 0
                    ? Long.MAX_VALUE
                    : renderDeadline.toNanos()),
            width,
            height,
            fit,
            quality,
            effort,
            maxPixels);
    try {
      // Each format's decode lives in its own class; they all end in RenderJob.finish.
      return switch (type.get()) {
        case PNG -> PngRenderer.render(image, job);
        case JPEG -> JpegRenderer.render(image, job);
        case WEBP -> WebpRenderer.render(image, job);
        case AVIF, HEIC -> HeifRenderer.render(image, job);
        default -> ImageIoRenderer.render(image, job);
      };
    } catch (RenderBudget.Exceeded e) {
      throw refusal(e, job);
    }
  }

  /** A budget that ran out, as the typed refusal a caller acts on. */
  private UnsupportedImageException refusal(RenderBudget.Exceeded e, RenderJob job) {
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
