package io.renderlab.thumbnails.internal;

import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * The first frame of an animated WebP, re-wrapped as a still WebP that libwebp's simple decoder
 * (all webp-imageio exposes) accepts, with where it sits on the animation's canvas. Not public API.
 */
public final class WebpFrames {
  private WebpFrames() {}

  /**
   * The first frame, placed at ({@code x}, {@code y}) on a {@code canvasWidth}×{@code canvasHeight}
   * canvas.
   *
   * @param still a still WebP of just that frame
   */
  public record FirstFrame(
      byte[] still, int x, int y, int width, int height, int canvasWidth, int canvasHeight) {}

  /** Empty unless {@code webp} is an animated (VP8X + ANMF) WebP. */
  public static Optional<FirstFrame> firstFrame(byte[] webp) {
    if (webp.length < 30
        || !tag(webp, 0, "RIFF")
        || !tag(webp, 8, "WEBP")
        || !tag(webp, 12, "VP8X")) {
      return Optional.empty();
    }
    if ((webp[20] & 0x02) == 0) {
      return Optional.empty(); // no animation flag
    }
    int canvasWidth = u24(webp, 24) + 1;
    int canvasHeight = u24(webp, 27) + 1;
    int pos = 12;
    while (pos + 8 <= webp.length) {
      long size = u32(webp, pos + 4);
      int data = pos + 8;
      if (size > webp.length - data) {
        throw new IllegalArgumentException("WebP chunk runs past the end of the data (truncated)");
      }
      if (tag(webp, pos, "ANMF") && size >= 16) {
        int x = u24(webp, data) * 2;
        int y = u24(webp, data + 3) * 2;
        int width = u24(webp, data + 6) + 1;
        int height = u24(webp, data + 9) + 1;
        return Optional.of(
            new FirstFrame(
                still(webp, data + 16, data + (int) size, width, height),
                x,
                y,
                width,
                height,
                canvasWidth,
                canvasHeight));
      }
      pos = data + (int) size + (int) (size & 1);
    }
    throw new IllegalArgumentException("Animated WebP without frames");
  }

  /** Whether a top-level chunk of a still WebP (after its RIFF header) is tagged {@code tag}. */
  public static boolean hasChunk(byte[] webp, String tag) {
    int pos = 12;
    while (pos + 8 <= webp.length) {
      if (tag(webp, pos, tag)) {
        return true;
      }
      long size = u32(webp, pos + 4);
      if (size > webp.length - pos - 8L) {
        return false;
      }
      pos += 8 + (int) size + (int) (size & 1);
    }
    return false;
  }

  /** A still WebP from a frame's ALPH/VP8/VP8L chunks in [{@code from}, {@code to}). */
  private static byte[] still(byte[] webp, int from, int to, int width, int height) {
    ByteArrayOutputStream chunks = new ByteArrayOutputStream();
    boolean alpha = false;
    boolean lossless = false;
    for (int pos = from; pos + 8 <= to; ) {
      long size = u32(webp, pos + 4);
      if (size > to - pos - 8) {
        throw new IllegalArgumentException("WebP frame chunk runs past its frame (truncated)");
      }
      int padded = (int) size + (int) (size & 1);
      if (tag(webp, pos, "ALPH") || tag(webp, pos, "VP8 ") || tag(webp, pos, "VP8L")) {
        alpha |= tag(webp, pos, "ALPH");
        lossless |= tag(webp, pos, "VP8L");
        chunks.write(webp, pos, Math.min(8 + padded, to - pos));
      }
      pos += 8 + padded;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(chunks.size() + 40);
    boolean extended = alpha && !lossless; // VP8 with a separate ALPH chunk needs the VP8X header
    int riffSize = 4 + chunks.size() + (extended ? 18 : 0);
    out.writeBytes(new byte[] {'R', 'I', 'F', 'F'});
    le32(out, riffSize);
    out.writeBytes(new byte[] {'W', 'E', 'B', 'P'});
    if (extended) {
      out.writeBytes(new byte[] {'V', 'P', '8', 'X'});
      le32(out, 10);
      out.writeBytes(new byte[] {0x10, 0, 0, 0}); // alpha
      le24(out, width - 1);
      le24(out, height - 1);
    }
    out.writeBytes(chunks.toByteArray());
    return out.toByteArray();
  }

  private static boolean tag(byte[] b, int p, String tag) {
    return p + 4 <= b.length
        && b[p] == tag.charAt(0)
        && b[p + 1] == tag.charAt(1)
        && b[p + 2] == tag.charAt(2)
        && b[p + 3] == tag.charAt(3);
  }

  private static int u24(byte[] b, int p) {
    return (b[p] & 0xff) | ((b[p + 1] & 0xff) << 8) | ((b[p + 2] & 0xff) << 16);
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xffL)
        | ((b[p + 1] & 0xffL) << 8)
        | ((b[p + 2] & 0xffL) << 16)
        | ((b[p + 3] & 0xffL) << 24);
  }

  private static void le24(ByteArrayOutputStream out, int v) {
    out.write(v);
    out.write(v >> 8);
    out.write(v >> 16);
  }

  private static void le32(ByteArrayOutputStream out, int v) {
    le24(out, v);
    out.write(v >> 24);
  }
}
