package io.renderlab.pipeline;

import io.renderlab.core.ImageRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one prompt of a collection: its images, or the error that stopped it. One item's
 * failure never loses another's images.
 *
 * @param prompt the prompt
 * @param images the recorded images (empty when it failed)
 * @param error what went wrong, when it failed
 */
public record CollectionItem(
    String prompt, List<ImageRecord> images, Optional<RuntimeException> error) {
  /** Validates the fields. */
  public CollectionItem {
    Objects.requireNonNull(prompt, "prompt");
    images = List.copyOf(Objects.requireNonNull(images, "images"));
    Objects.requireNonNull(error, "error");
  }

  /** Whether this item produced its images. */
  public boolean succeeded() {
    return error.isEmpty();
  }
}
