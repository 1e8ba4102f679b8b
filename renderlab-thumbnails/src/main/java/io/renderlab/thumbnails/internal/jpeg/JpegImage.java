package io.renderlab.thumbnails.internal.jpeg;

import io.renderlab.thumbnails.internal.Interleaved;

/**
 * What {@link JpegDecoder} returns: the decoded window of the (scaled) image and the embedded ICC
 * profile. Not public API.
 *
 * @param pixels the window's samples (YCbCr when {@code pixels.ycc()}, else RGB or grey widened)
 * @param left the window's first column in the scaled image
 * @param top the window's first row in the scaled image
 * @param width the whole scaled image's width ({@code ceil(width / scale)}, as libjpeg)
 * @param height the whole scaled image's height
 * @param iccProfile the embedded ICC profile, or null when there is none
 */
public record JpegImage(
    Interleaved pixels, int left, int top, int width, int height, byte[] iccProfile) {}
