package io.renderlab.thumbnails.internal;

import java.util.Optional;

/**
 * What a GIF says about its first frame before any pixel is decoded: the logical screen, the
 * frame's rectangle on it, its transparent index (from the graphic control extension before it) and
 * the size of the colour table it uses. Read from the bytes as GIF89a lays them out, so a renderer
 * can place the frame where it belongs (ImageIO returns the frame at its own size) and ignore a
 * transparent index past the colour table (the JDK clamps it to the last entry). Not public API.
 *
 * @param screenWidth the logical screen, grown to hold the first frame as libnsgif grows it
 * @param screenHeight see {@code screenWidth}
 * @param left the frame's left edge on the screen
 * @param top the frame's top edge on the screen
 * @param width the frame's width (0 when the frame is empty or missing)
 * @param height the frame's height (0 when the frame is empty or missing)
 * @param transparentIndex the frame's transparent colour index, -1 when it has none or the index
 *     lies outside its colour table
 */
public record GifScreen(
    int screenWidth,
    int screenHeight,
    int left,
    int top,
    int width,
    int height,
    int transparentIndex) {

  /** True when the first frame covers no pixel: the thumbnail is the transparent screen. */
  public boolean emptyFrame() {
    return width == 0 || height == 0;
  }

  /** True when the frame covers the whole screen at (0, 0), so ImageIO's image needs no placing. */
  public boolean frameIsScreen() {
    return left == 0 && top == 0 && width == screenWidth && height == screenHeight;
  }

  /**
   * Reads the header up to the first image descriptor; empty when the bytes are not a GIF or end
   * before the logical screen is described. A file that ends before its first image descriptor has
   * an empty first frame.
   */
  public static Optional<GifScreen> parse(byte[] gif) {
    if (gif.length < 13
        || gif[0] != 'G'
        || gif[1] != 'I'
        || gif[2] != 'F'
        || gif[3] != '8'
        || (gif[4] != '7' && gif[4] != '9')
        || gif[5] != 'a') {
      return Optional.empty();
    }
    int screenW = u16(gif, 6);
    int screenH = u16(gif, 8);
    int packed = gif[10] & 0xff;
    int globalColours = (packed & 0x80) != 0 ? 2 << (packed & 7) : 0;
    int p = 13 + 3 * globalColours;
    int transparent = -1;
    while (p < gif.length) {
      int block = gif[p] & 0xff;
      if (block == 0x21) { // extension: label, then sub-blocks
        if (p + 1 >= gif.length) {
          break;
        }
        int label = gif[p + 1] & 0xff;
        if (label == 0xf9 && p + 6 < gif.length && (gif[p + 2] & 0xff) >= 4) {
          transparent = (gif[p + 3] & 1) != 0 ? gif[p + 6] & 0xff : -1;
        }
        p = skipSubBlocks(gif, p + 2);
      } else if (block == 0x2c) { // image descriptor
        if (p + 10 > gif.length) {
          break;
        }
        int left = u16(gif, p + 1);
        int top = u16(gif, p + 3);
        int w = u16(gif, p + 5);
        int h = u16(gif, p + 7);
        int local = gif[p + 9] & 0xff;
        int colours = (local & 0x80) != 0 ? 2 << (local & 7) : globalColours;
        int index = transparent < colours ? transparent : -1;
        if (w == 0 || h == 0) {
          return Optional.of(new GifScreen(screenW, screenH, 0, 0, 0, 0, -1));
        }
        // libnsgif lets the first frame grow the screen; sharp (libvips) reads that size.
        return Optional.of(
            new GifScreen(
                Math.max(screenW, left + w), Math.max(screenH, top + h), left, top, w, h, index));
      } else {
        break; // the trailer (0x3b) or damage before any frame
      }
    }
    return Optional.of(new GifScreen(screenW, screenH, 0, 0, 0, 0, -1));
  }

  /** The position after the data sub-blocks starting at {@code p} (after their 0 terminator). */
  static int skipSubBlocks(byte[] gif, int p) {
    while (p < gif.length) {
      int n = gif[p] & 0xff;
      p += n + 1;
      if (n == 0) {
        return p;
      }
    }
    return p;
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
  }
}
