package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.BytesImageInputStream;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.RenderBudget;
import io.renderlab.thumbnails.internal.TiffStrips;
import io.renderlab.thumbnails.internal.TiffWebp;
import io.renderlab.thumbnails.internal.Tiffs;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats decoded by ImageIO (GIF, BMP, TIFF, and the JPEGs our decoder leaves to it): the reader
 * opened straight over the bytes, the header's size and claim checked before the destination is
 * allocated, the deadline checked on each progress report.
 */
final class ImageIoRenderer {
  private ImageIoRenderer() {}

  private static final Logger LOG = LoggerFactory.getLogger(ImageIoRenderer.class);

  /** GIF (placed on its screen by {@link GifRenderer}), BMP and TIFF: decoded whole by ImageIO. */
  static Thumbnail render(byte[] image, RenderJob job) {
    if (job.type == MediaType.GIF) {
      return GifRenderer.render(image, job);
    }
    // A TIFF's own Orientation tag, as libvips reads it for sharp's rotate().
    int orientation = Exif.orientation(image, job.type);
    if (job.type == MediaType.TIFF && TiffWebp.compression(image) == TiffWebp.COMPRESSION_WEBP) {
      // WebP-compressed strips or tiles, which ImageIO's TIFF plugin refuses: libwebp decodes each.
      Interleaved pixels =
          TiffWebp.decode(
              image,
              job::checkPixels,
              bytes -> job.budget.reserve(bytes, "the WebP-compressed TIFF's canvas"),
              job.budget::checkDeadline);
      return job.finish(pixels, orientation);
    }
    if (job.type == MediaType.TIFF) {
      // The common kinds (8 or 16-bit RGB, RGBA, grey, CMYK; palette; none, LZW, Deflate,
      // PackBits) without ImageIO.
      TiffStrips.Image tiff =
          TiffStrips.decode(
              image,
              (w, h) -> {
                job.checkPixels(w, h);
                checkClaim(job.type, w, h, image.length);
              },
              bytes -> job.budget.reserve(bytes, "the TIFF's canvas and a strip"),
              job.budget::checkDeadline);
      if (tiff != null) {
        return job.finish(tiff.pixels(), orientation, tiff.iccProfile());
      }
    }
    byte[][] profile = new byte[1][]; // the ICC profile the samples are still in, if any
    Interleaved pixels = decodeWithImageIo(image, job.type, job, profile);
    return job.finish(pixels, orientation, profile[0]);
  }

  /** The warnings {@code reader} will report, as a list filled while it reads. */
  static List<String> watchWarnings(ImageReader reader) {
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    return warnings;
  }

  /**
   * The truncation policy (README, Truncation) for ImageIO's readers: a read that returned an image
   * is rendered and its warnings logged at debug ("REFERENCE_BLACK_WHITE not found", a fax page's
   * "EOL", a GIF's "Use default color table", a bad ICC profile superseded, extraneous bytes before
   * a marker), unless a warning says the data ended before the picture did (libjpeg's "Premature
   * end of JPEG file", "premature end of data segment"; any "truncated"): then the image is
   * refused, as every format's truncated input is.
   */
  static void refuseIfThePictureIsLost(List<String> warnings, MediaType type) {
    for (String warning : warnings) {
      if (losesThePicture(warning)) {
        throw new UnsupportedImageException(
            "The " + type.mimeType() + " image is truncated: " + warning);
      }
    }
    for (String warning : warnings) {
      LOG.debug("ImageIO warned while reading a {} image: {}", type.mimeType(), warning);
    }
  }

  static boolean losesThePicture(String warning) {
    String w = warning.toLowerCase(Locale.ROOT);
    return w.contains("premature end") || w.contains("truncat") || w.contains("partial image");
  }

  private static Interleaved decodeWithImageIo(
      byte[] image, MediaType type, RenderJob job, byte[][] profile) {
    try {
      return decodeWithImageIo(image, type, false, false, job, profile);
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
      return decodeWithImageIo(undifferenced, type, true, Tiffs.isCieLab(image), job, profile);
    }
  }

  /**
   * ImageIO's decode, as samples; a TIFF's RGB samples in an embedded profile stay as stored and
   * the profile goes to {@code profile[0]}, to be converted on the small result as the other
   * formats' are (ImageIO's colour model converts every pixel of the full image, at 16 bits).
   */
  private static Interleaved decodeWithImageIo(
      byte[] image,
      MediaType type,
      boolean undoPredictor,
      boolean cieLab,
      RenderJob job,
      byte[][] profile) {
    return withReader(
        image,
        type,
        job,
        reader -> {
          job.budget.reserve(imageIoBytes(reader, type), "ImageIO's full-size destination");
          TIFFDirectory tiff = type == MediaType.TIFF ? Tiffs.directory(image, reader) : null;
          List<String> warnings = watchWarnings(reader);
          BufferedImage decoded = reader.read(0, reader.getDefaultReadParam());
          refuseIfThePictureIsLost(warnings, type);
          if (tiff != null && Tiffs.isPaletteWithAlpha(tiff)) {
            // ImageIO's samples are right (index, alpha); its colour model takes the index as grey.
            return Tiffs.paletteWithAlpha(decoded.getRaster(), tiff);
          }
          Interleaved signed = tiff == null ? null : Tiffs.signedToUchar(decoded.getRaster(), tiff);
          if (signed != null) {
            return signed;
          }
          if (tiff != null) {
            Tiffs.clipNegativeFloats(decoded.getRaster());
            Tiffs.linearFloatsToSrgb(decoded.getRaster(), tiff);
          }
          if (undoPredictor) {
            Tiffs.undoPredictor(decoded.getRaster(), tiff); // read above: TIFF only
          }
          if (cieLab) {
            return Tiffs.cieLab16ToSrgb(decoded.getRaster());
          }
          boolean cmyk =
              decoded.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK
                  || (tiff != null && Tiffs.isCmyk(tiff));
          byte[] icc = tiff == null || cmyk ? null : Tiffs.iccProfile(tiff);
          BufferedImage stored = icc == null ? null : Pixels.samplesAsSrgb(decoded);
          if (stored != null) {
            decoded = stored;
            profile[0] = icc;
          }
          Interleaved samples = cmyk ? null : Pixels.interleaved(decoded);
          if (samples == null && !cmyk) {
            samples = Pixels.bilevel(decoded);
          }
          if (samples == null && !cmyk) {
            samples = Pixels.palette(decoded);
          }
          if (samples != null) {
            return samples;
          }
          Argb argb;
          if (cmyk) {
            // ImageIO's CMYK colour model is a naive formula (and 16-bit CMYK gets none): the inks
            // go through the embedded profile, or libvips' default CMYK profile, as libvips
            // converts them.
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
  static long imageIoBytes(ImageReader reader, MediaType type) throws IOException {
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

  interface ReaderWork {
    Interleaved apply(ImageReader reader) throws IOException;
  }

  /**
   * Opens an ImageIO reader on the bytes, checks the header's size, runs {@code work}, disposes.
   */
  static Interleaved withReader(byte[] image, MediaType type, RenderJob job, ReaderWork work) {
    // Straight over the bytes: ImageIO.createImageInputStream would copy them to a temporary file.
    try (ImageInputStream in = new BytesImageInputStream(image)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new UnsupportedImageException(
            "No decoder for this " + type.mimeType() + " image. " + Formats.READ);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        job.checkPixels(reader.getWidth(0), reader.getHeight(0));
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
}
