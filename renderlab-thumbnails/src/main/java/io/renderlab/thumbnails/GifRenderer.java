package io.renderlab.thumbnails;

import io.renderlab.core.UnsupportedImageException;
import io.renderlab.thumbnails.internal.GifDecoder;
import io.renderlab.thumbnails.internal.GifScreen;

/**
 * GIF's first frame, as sharp (libvips, libnsgif) reads it: placed at its offset on the logical
 * screen (grown to hold it), transparent around it when some frame of the file has a transparent
 * index and black otherwise (libvips reads such a GIF as RGB); a GIF whose first frame is empty is
 * the bare screen. Decoded by our own LZW reader ({@link GifDecoder}), not ImageIO's, which refused
 * or misread damaged frames that libnsgif reads as far as their data goes.
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
    // The screen is composited at full size: reserved before it is allocated.
    job.budget.reserve(8L * sw * sh, "the GIF's logical screen and its interleaved copy");
    return job.finish(GifDecoder.firstFrame(image, screen, job.budget::checkDeadline), 1);
  }
}
