package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.BoxShrink;
import io.renderlab.thumbnails.internal.Exif;
import io.renderlab.thumbnails.internal.Geometry;
import io.renderlab.thumbnails.internal.PngDecoder;
import io.renderlab.thumbnails.internal.Resampler;
import java.util.Optional;

/** PNG through our streaming decoder ({@link PngDecoder}), box-shrunk while its rows arrive. */
final class PngRenderer {
  private PngRenderer() {}

  static Thumbnail render(byte[] image, RenderJob job) {
    return render(image, job, Exif.orientation(image, MediaType.PNG));
  }

  /** As above, oriented by {@code orientation} rather than by the PNG's own eXIf chunk. */
  static Thumbnail render(byte[] image, RenderJob job, int orientation) {
    Optional<PngDecoder.Header> header = PngDecoder.header(image);
    if (header.isEmpty() || !header.get().supported()) {
      throw new UnsupportedImageException(
          "Cannot decode the image/png image: its header is damaged or names an invalid bit depth and colour type.");
    }
    int w = header.get().width();
    int h = header.get().height();
    job.checkPixels(w, h);
    // The box shrink runs as rows are decoded, over the window the resize reads only: the full-size
    // image is never held (interlaced files excepted), and buffers follow the data, not the header.
    Geometry g = job.geometry(w, h, orientation);
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
    return job.finish(shrunk.result(), shrunk.channels(), false, g, orientation, icc);
  }
}
