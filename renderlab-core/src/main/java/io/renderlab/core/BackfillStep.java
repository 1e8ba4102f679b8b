package io.renderlab.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One batch of a thumbnail backfill ({@link ThumbnailJobQueue#backfillStep}).
 *
 * <p>A record that will not grow: a step is what it enqueued and where the next one starts.
 *
 * @param enqueued the images whose job this step enqueued (or re-enqueued after a failure)
 * @param next where the next step starts (the last image id this step looked at), empty when the
 *     catalog has no image after this batch
 */
public record BackfillStep(List<UUID> enqueued, Optional<UUID> next) {
  /** Copies the list; checks for nulls. */
  public BackfillStep {
    enqueued = List.copyOf(enqueued);
    Objects.requireNonNull(next, "next");
  }
}
