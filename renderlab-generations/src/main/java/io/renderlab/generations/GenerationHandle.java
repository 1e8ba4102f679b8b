package io.renderlab.generations;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageRecord;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A generation submitted by {@link Generations#submit(GenerationRequest)}: its id (durable,
 * readable from any instance with {@link Generations#find(UUID)}), its current status, and a future
 * of its records. The future completes in this process when the generation ends here; if this
 * process dies first, another instance finishes the generation and its records appear in the
 * catalog all the same. Thread-safe.
 *
 * <pre>{@code
 * GenerationHandle handle = generations.submit(request);
 * respondAccepted(handle.id());
 * handle.records().thenAccept(records -> notifyUser(records));
 * }</pre>
 */
public final class GenerationHandle {
  private final UUID id;
  private final GenerationStore store;
  private final CompletableFuture<List<ImageRecord>> records;

  GenerationHandle(UUID id, GenerationStore store, CompletableFuture<List<ImageRecord>> records) {
    this.id = Objects.requireNonNull(id, "id");
    this.store = store;
    this.records = records;
  }

  /** The generation's id. */
  public UUID id() {
    return id;
  }

  /** Its status now (read from the catalog). */
  public GenerationStatus status() {
    return generation().status();
  }

  /** The generation as stored now. */
  public Generation generation() {
    return store
        .find(id)
        .orElseThrow(
            () -> new IllegalStateException("generation " + id + " is not in the catalog"));
  }

  /**
   * Completes with the records (one per output, thumbnails still rendering) or exceptionally with
   * what {@link Generations#run} would throw. Canceling it stops nothing: the generation still ends
   * and is recorded.
   */
  public CompletableFuture<List<ImageRecord>> records() {
    return records.copy();
  }

  @Override
  public String toString() {
    return "GenerationHandle{" + id + '}';
  }
}
