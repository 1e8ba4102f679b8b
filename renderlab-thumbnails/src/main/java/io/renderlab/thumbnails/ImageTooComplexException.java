package io.renderlab.thumbnails;

import io.renderlab.core.UnsupportedImageException;
import java.time.Duration;

/**
 * The image costs more work to decode than a render may spend: a JPEG with more scans than the
 * decoder reads ({@link #MAX_JPEG_SCANS}), or a render still running at its deadline ({@link
 * Thumbnailer.Builder#renderDeadline}). The render stopped at the check (once per MCU row, row
 * batch or scan), not by interrupting a thread. Not retryable: {@code ThumbnailService} gives the
 * job up at once.
 */
public final class ImageTooComplexException extends UnsupportedImageException {
  private static final long serialVersionUID = 1L;

  /**
   * The most scans a JPEG may have (libjpeg-turbo's own fuzzing stops at 500; encoders write at
   * most a few dozen). Its scans may also add up to at most 32 passes over the image's blocks.
   */
  public static final int MAX_JPEG_SCANS = io.renderlab.thumbnails.internal.RenderBudget.MAX_SCANS;

  /** What the image exceeded. */
  public enum Reason {
    /**
     * More than {@link #MAX_JPEG_SCANS} JPEG scans, or scans that add up to more than 32 passes
     * over the image.
     */
    JPEG_SCANS,
    /** The render deadline. */
    RENDER_DEADLINE
  }

  private final Reason reason;

  private ImageTooComplexException(String message, Reason reason) {
    super(message);
    this.reason = reason;
  }

  static ImageTooComplexException scans(String type) {
    return new ImageTooComplexException(
        "Refusing the "
            + type
            + " image: it has more than "
            + MAX_JPEG_SCANS
            + " scans (a real encoder writes at most a few dozen; each scan may cost a pass over the"
            + " image). Re-encode it (for example as a baseline JPEG) to render it.",
        Reason.JPEG_SCANS);
  }

  static ImageTooComplexException passes(String type) {
    return new ImageTooComplexException(
        "Refusing the "
            + type
            + " image: its scans pass over the image more than "
            + io.renderlab.thumbnails.internal.RenderBudget.MAX_PASSES
            + " times (real encoders make about 5). Re-encode it (for example as a baseline"
            + " JPEG) to render it.",
        Reason.JPEG_SCANS);
  }

  static ImageTooComplexException deadline(String type, Duration deadline) {
    return new ImageTooComplexException(
        "Refusing the "
            + type
            + " image: rendering it took longer than the "
            + deadline.toMillis()
            + " ms render deadline. Raise it with Thumbnailer.builder().renderDeadline(...) if"
            + " such images are expected (or the machine is overloaded).",
        Reason.RENDER_DEADLINE);
  }

  /** What the image exceeded. */
  public Reason reason() {
    return reason;
  }
}
