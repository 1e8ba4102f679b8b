package io.renderlab.thumbnails;

import com.luciad.imageio.webp.WebPReadParam;
import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.ColorProfiles;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.Pixels;
import io.renderlab.thumbnails.internal.Pixels.Argb;
import io.renderlab.thumbnails.internal.WebpFrames;
import java.io.IOException;
import java.util.Optional;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;

/**
 * WebP through libwebp (webp-imageio), scaled on decode as sharp's shrink-on-load; an animation's
 * first frame placed on its canvas.
 */
final class WebpRenderer {
  private WebpRenderer() {}

  static Thumbnail render(byte[] image, RenderJob job) {
    Optional<WebpFrames.FirstFrame> animated;
    try {
      animated = WebpFrames.firstFrame(image);
    } catch (IllegalArgumentException e) {
      throw new UnsupportedImageException(
          "Cannot decode the image/webp image (truncated or corrupt?): " + e.getMessage(), e);
    }
    // The EXIF chunk's orientation, as sharp's rotate() applies it (to a still or a first frame).
    int orientation = Exif.orientation(image, MediaType.WEBP);
    if (animated.isPresent()) {
      return renderFirstFrame(animated.get(), orientation, job);
    }
    return renderStill(image, orientation, job);
  }

  private static Thumbnail renderStill(byte[] image, int orientation, RenderJob job) {
    Interleaved pixels =
        ImageIoRenderer.withReader(
            image,
            MediaType.WEBP,
            job,
            reader -> {
              int w = reader.getWidth(0);
              int h = reader.getHeight(0);
              double shrink = job.geometry(w, h, orientation).commonShrink();
              // libwebp's scaled decoding, as sharp's shrink-on-load: it decodes straight to about
              // the resize size, and the Lanczos pass is left with (almost) nothing to do.
              int sw = shrink > 1.0 ? Math.max(1, (int) Math.floor(w / shrink + 0.5)) : w;
              int sh = shrink > 1.0 ? Math.max(1, (int) Math.floor(h / shrink + 0.5)) : h;
              Argb argb = readWebp(reader, image, w, h, sw, sh, job);
              return Interleaved.ofArgb(argb.pixels(), argb.width(), argb.height(), argb.alpha());
            });
    return job.finish(
        pixels,
        0,
        0,
        pixels.width(),
        pixels.height(),
        orientation,
        ColorProfiles.webpIccProfile(image).orElse(null));
  }

  /**
   * Reads a still WebP ({@code w}×{@code h}) scaled by libwebp to {@code sw}×{@code sh}, within the
   * budget: a lossless (VP8L) image is decoded whole in native memory (4 bytes a pixel) before it
   * is scaled, a lossy one's alpha plane is too (1 byte a pixel); the scaled result is held twice
   * (the decoder's image, our pixels).
   */
  private static Argb readWebp(
      ImageReader reader, byte[] webp, int w, int h, int sw, int sh, RenderJob job)
      throws IOException {
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
  private static Thumbnail renderFirstFrame(
      WebpFrames.FirstFrame frame, int orientation, RenderJob job) {
    int cw = frame.canvasWidth();
    int ch = frame.canvasHeight();
    job.checkPixels(cw, ch);
    if (frame.x() == 0 && frame.y() == 0 && frame.width() == cw && frame.height() == ch) {
      return renderStill(frame.still(), orientation, job);
    }
    if (frame.x() + frame.width() > cw || frame.y() + frame.height() > ch) {
      throw new UnsupportedImageException(
          "The image/webp animation's first frame lies outside its canvas (corrupt).");
    }
    double shrink = Math.max(1.0, job.geometry(cw, ch, orientation).commonShrink());
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
        ImageIoRenderer.withReader(
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
    return job.finish(pixels, orientation);
  }
}
