package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.BoxShrink;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Geometry;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.Resampler;
import io.renderlab.thumbnails.internal.jpeg.JpegDecoder;
import io.renderlab.thumbnails.internal.jpeg.JpegFrame;
import io.renderlab.thumbnails.internal.jpeg.JpegImage;
import io.renderlab.thumbnails.internal.jpeg.LosslessJpeg;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.List;
import javax.imageio.ImageReadParam;

/**
 * JPEG: our decoder with sharp's shrink-on-load for baseline and progressive 8-bit files, our
 * lossless decoder, ImageIO for the rest (12-bit, what ours does not take); CMYK/YCCK inks through
 * their profile.
 */
final class JpegRenderer {
  private JpegRenderer() {}

  static Thumbnail render(byte[] image, RenderJob job) {
    return render(image, job, Exif.orientation(image, MediaType.JPEG));
  }

  /** A JPEG whose orientation is given (1 when another decoder applied it already). */
  static Thumbnail render(byte[] image, RenderJob job, int orientation) {
    JpegFrame frame = JpegFrame.parse(image);
    if (frame.supported()) {
      return renderJpeg(frame, orientation, job);
    }
    if (LosslessJpeg.isLossless(image)) {
      // Lossless (SOF3), which the JDK's decoder refuses: our own, its rows streamed into the box
      // shrink as PNG's are (the whole image, budgeted so, only for one scan per component).
      int w = frame.width();
      int h = frame.height();
      job.checkPixels(w, h);
      Geometry g = job.geometry(w, h, orientation);
      Resampler.Axis ax =
          Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
      Resampler.Axis ay =
          Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
      BoxShrink shrunk = new BoxShrink(w, h, ax, ay);
      boolean ycc = LosslessJpeg.decode(image, shrunk, job.budget);
      return job.finish(
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
        ImageIoRenderer.withReader(
            image,
            MediaType.JPEG,
            job,
            reader -> {
              int w = reader.getWidth(0);
              int h = reader.getHeight(0);
              // CMYK/YCCK: sharp decodes at its shrink-on-load scale and converts the colours
              // there; we average each block of inks as the scaled decode does, then convert.
              int s = cmyk ? jpegShrinkOnLoad(job.geometry(w, h, orientation).commonShrink()) : 1;
              int sw = w / s;
              int sh = h / s;
              // Read only the window the resize will use: libjpeg stops after its last row, and the
              // rows and columns outside it are never copied out of the decoder.
              Geometry g = job.geometry(sw, sh, orientation);
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
              // ImageIO decodes a truncated JPEG into grey filler and only warns: that warning
              // refuses it (the truncation policy); the others are logged.
              List<String> warnings = ImageIoRenderer.watchWarnings(reader);
              // The raster is the file's own colour space (YCbCr for JFIF), with no colour
              // conversion at full size; YCbCr becomes RGB after the resize, on the thumbnail's
              // pixels only.
              Raster raster = reader.readRaster(0, param);
              ImageIoRenderer.refuseIfThePictureIsLost(warnings, MediaType.JPEG);
              return jpegPixels(raster, frame, image, s);
            });
    // CMYK went through its profile already; YCbCr, RGB and grey go through theirs after the
    // resize.
    byte[] icc = cmyk ? null : ColorProfiles.jpegIccProfile(image).orElse(null);
    return job.finish(pixels, window[0], window[1], window[2], window[3], orientation, icc);
  }

  /**
   * Our own decoder with sharp's shrink-on-load: libjpeg-turbo's DCT scaling by the factor sharp
   * picks, then the same resize on the scaled image as sharp does, decoding only its window.
   */
  private static Thumbnail renderJpeg(JpegFrame frame, int orientation, RenderJob job) {
    job.checkPixels(frame.width(), frame.height());
    int scale =
        jpegShrinkOnLoad(job.geometry(frame.width(), frame.height(), orientation).commonShrink());
    // libjpeg rounds a scaled size up (a partial last pixel); libvips, so sharp, strictly rounds
    // down and never reads that pixel: the resize plans on the rounded-down size.
    int w = frame.width() / scale;
    int h = frame.height() / scale;
    Geometry g = job.geometry(w, h, orientation);
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
      return job.finish(
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
    return job.finish(
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
}
