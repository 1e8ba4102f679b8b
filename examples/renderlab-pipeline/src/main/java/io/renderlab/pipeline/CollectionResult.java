package io.renderlab.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The outcome of a collection: one item per prompt, in the order given.
 *
 * @param collectionId the id every recorded image of the batch carries
 * @param items one outcome per prompt
 */
public record CollectionResult(UUID collectionId, List<CollectionItem> items) {
  /** Validates the fields. */
  public CollectionResult {
    Objects.requireNonNull(collectionId, "collectionId");
    items = List.copyOf(Objects.requireNonNull(items, "items"));
  }

  /** Whether any prompt failed. */
  public boolean anyFailed() {
    return items.stream().anyMatch(i -> !i.succeeded());
  }
}
