package io.renderlab.thumbnails;

import io.renderlab.core.RenderLabException;
import java.util.UUID;

/** An image's thumbnail job failed for good; {@code backfill} enqueues it again. */
public final class ThumbnailFailedException extends RenderLabException {
  private static final long serialVersionUID = 1L;

  private final UUID imageId;

  ThumbnailFailedException(UUID imageId, String lastError) {
    super(
        "The thumbnail of image "
            + imageId
            + " could not be rendered: "
            + lastError
            + ". The record keeps its full-size URL; run `thumbnails backfill` to try again.",
        null,
        false);
    this.imageId = imageId;
  }

  /** The image whose thumbnail failed. */
  public UUID imageId() {
    return imageId;
  }
}
