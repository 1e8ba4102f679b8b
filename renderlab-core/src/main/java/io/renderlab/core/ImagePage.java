package io.renderlab.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a user's history, newest first.
 *
 * <p>A record that will not grow: a page is its items and the cursor to the next one.
 *
 * @param images the records of this page (possibly empty, never null)
 * @param nextCursor the opaque cursor of the next page, empty on the last page
 */
public record ImagePage(List<ImageRecord> images, Optional<String> nextCursor) {
  /** Copies the list; validates non-null. */
  public ImagePage {
    images = List.copyOf(Objects.requireNonNull(images, "images"));
    Objects.requireNonNull(nextCursor, "nextCursor");
  }
}
