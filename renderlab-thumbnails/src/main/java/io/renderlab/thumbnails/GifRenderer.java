package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.GifScreen;
import io.renderlab.thumbnails.internal.Interleaved;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * GIF's first frame, as sharp (libvips, libnsgif) reads it: placed at its offset on the logical
 * screen (grown to hold it), transparent around it; the frame's transparent index applied only when
 * it lies inside its colour table (the JDK clamps an index past the table to the last entry, which
 * made a real colour transparent); a GIF whose first frame is empty is the transparent screen.
 * ImageIO decodes the frame's indices; the colours and alpha are applied here.
 */
final class GifRenderer {
  private GifRenderer() {}

  static Thumbnail render(byte[] image, RenderJob job) {
    GifScreen screen =
        GifScreen.parse(image)
            .orElseThrow(
                () ->
                    new UnsupportedImageException(
                        "Cannot decode the image/gif image: its header is truncated or damaged."));
    int sw = screen.screenWidth();
    int sh = screen.screenHeight();
    job.checkPixels(sw, sh);
    // The screen is composited at full size: reserved before it is allocated, as ImageIO's own
    // destination is (in ImageIoRenderer).
    job.budget.reserve(4L * sw * sh, "the GIF's logical screen");
    if (screen.emptyFrame()) {
      return job.finish(Interleaved.ofArgb(new int[sw * sh], sw, sh, true), 1);
    }
    Interleaved pixels =
        ImageIoRenderer.withReader(
            image,
            MediaType.GIF,
            job,
            reader -> {
              job.budget.reserve(
                  ImageIoRenderer.imageIoBytes(reader, MediaType.GIF), "ImageIO's GIF frame");
              java.util.List<String> warnings = ImageIoRenderer.watchWarnings(reader);
              BufferedImage frame = reader.read(0, reader.getDefaultReadParam());
              ImageIoRenderer.refuseIfThePictureIsLost(warnings, MediaType.GIF);
              int[] canvas = new int[sw * sh]; // transparent around the frame
              place(frame, screen, canvas, sw, sh);
              return Interleaved.ofArgb(canvas, sw, sh, true);
            });
    return job.finish(pixels, 1);
  }

  /** The frame's pixels at its offset on the {@code sw}×{@code sh} canvas, clipped to it. */
  private static void place(BufferedImage frame, GifScreen screen, int[] canvas, int sw, int sh) {
    int fw = Math.min(frame.getWidth(), sw - screen.left());
    int fh = Math.min(frame.getHeight(), sh - screen.top());
    if (fw <= 0 || fh <= 0) {
      return;
    }
    if (!(frame.getColorModel() instanceof IndexColorModel icm)) {
      // Not indexed (a reader other than the JDK's): its own colours and alpha.
      for (int y = 0; y < fh; y++) {
        frame.getRGB(0, y, fw, 1, canvas, (screen.top() + y) * sw + screen.left(), sw);
      }
      return;
    }
    int size = icm.getMapSize();
    int[] colours = new int[256];
    for (int i = 0; i < 256; i++) {
      colours[i] = i < size ? icm.getRGB(i) | 0xff000000 : 0xff000000;
    }
    int transparent = screen.transparentIndex();
    if (transparent >= 0 && transparent < 256) {
      colours[transparent] = 0;
    }
    Raster raster = frame.getRaster();
    int[] row = new int[fw];
    for (int y = 0; y < fh; y++) {
      raster.getSamples(0, y, fw, 1, 0, row);
      int o = (screen.top() + y) * sw + screen.left();
      for (int x = 0; x < fw; x++) {
        canvas[o + x] = colours[row[x] & 0xff];
      }
    }
  }
}
