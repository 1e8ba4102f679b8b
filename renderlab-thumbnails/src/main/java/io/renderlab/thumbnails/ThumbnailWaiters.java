package io.renderlab.thumbnails;

import io.renderlab.core.CatalogException;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.ThumbnailJobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The waiters of {@link ThumbnailService}: one future per awaited image, resolved by a render of
 * this process when it ends, or found rendered (or failed) elsewhere by batched queries at most
 * once per poll interval. Package-private: the service's implementation.
 */
final class ThumbnailWaiters {
  private final ImageCatalog catalog;
  private final ThumbnailJobQueue jobs;
  private final Duration pollInterval;
  private final Map<UUID, CompletableFuture<ImageRecord>> waiters = new ConcurrentHashMap<>();

  /** When the dispatcher last looked for images finished elsewhere; its thread only. */
  private long lastWaiterCheck = System.nanoTime();

  ThumbnailWaiters(ImageCatalog catalog, ThumbnailJobQueue jobs, Duration pollInterval) {
    this.catalog = catalog;
    this.jobs = jobs;
    this.pollInterval = pollInterval;
  }

  /** Futures for {@code imageIds}, in the same order; those already finished are resolved. */
  List<CompletableFuture<ImageRecord>> await(List<UUID> imageIds) {
    List<CompletableFuture<ImageRecord>> futures = new java.util.ArrayList<>(imageIds.size());
    for (UUID id : imageIds) {
      futures.add(waiters.computeIfAbsent(id, k -> new CompletableFuture<>()));
    }
    check(imageIds);
    return futures;
  }

  /**
   * Looks for the images rendered (or failed) elsewhere when waiters wait and a poll interval has
   * passed since the last look. Called by the dispatcher only.
   */
  void checkIfDue() {
    long now = System.nanoTime();
    if (!waiters.isEmpty() && now - lastWaiterCheck >= pollInterval.toNanos()) {
      // Renders of this process resolve their waiters themselves; this finds the images
      // rendered (or failed) elsewhere, at most once per poll interval, in batched queries.
      lastWaiterCheck = now;
      check(waiters.keySet());
    }
  }

  /** Most ids one waiter check names; more waiters are checked in several queries. */
  static final int WAITER_CHUNK = 500;

  /**
   * Resolves the waiters among {@code imageIds} whose thumbnail exists or whose job failed for good
   * (rendered or failed in another process: those of this process are resolved when their render
   * ends). One query per {@value #WAITER_CHUNK} waiters, plus one read of each finished record, so
   * waiting costs O(1) queries per image however many are waited for.
   */
  void check(java.util.Collection<UUID> imageIds) {
    List<UUID> ids = List.copyOf(imageIds);
    for (int from = 0; from < ids.size(); from += WAITER_CHUNK) {
      List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + WAITER_CHUNK));
      Map<UUID, ThumbnailJobStatus> states = jobs.statuses(chunk);
      for (UUID id : chunk) {
        ThumbnailJobStatus status = states.get(id);
        if (status == null || status.state() == ThumbnailJobStatus.State.DONE) {
          resolveFromCatalog(id, status == null);
        } else if (status.state() == ThumbnailJobStatus.State.FAILED) {
          resolve(
              id,
              null,
              new ThumbnailFailedException(id, status.lastError().orElse("unknown error")));
        }
      }
    }
  }

  /**
   * Resolves a waiter from the image's record: with it when it has a thumbnail, with an error when
   * the image does not exist ({@code mayBeMissing}) or its row cannot be read. A row that cannot be
   * read is that waiter's failure, never an outage of the service.
   */
  void resolveFromCatalog(UUID imageId, boolean mayBeMissing) {
    Optional<ImageRecord> record;
    try {
      record = catalog.find(imageId);
    } catch (CatalogException outage) {
      throw outage;
    } catch (RuntimeException malformed) {
      resolve(
          imageId, null, new ThumbnailFailedException(imageId, malformedRow(imageId, malformed)));
      return;
    }
    if (record.isEmpty()) {
      if (mayBeMissing) {
        resolve(imageId, null, new IllegalArgumentException("No image with id " + imageId));
      }
    } else if (record.get().thumbUrl().isPresent()) {
      resolve(imageId, record.get(), null);
    }
  }

  static String malformedRow(UUID imageId, RuntimeException e) {
    return "MalformedRow: the catalog row of image "
        + imageId
        + " cannot be read ("
        + e.getClass().getSimpleName()
        + ": "
        + e.getMessage()
        + "); fix the row, then run thumbnails backfill";
  }

  void resolve(UUID imageId, ImageRecord record, RuntimeException error) {
    CompletableFuture<ImageRecord> f = waiters.remove(imageId);
    if (f != null) {
      if (error == null) {
        f.complete(record);
      } else {
        f.completeExceptionally(error);
      }
    }
  }

  /** Fails every waiter: the service is closing. */
  void closeAll() {
    waiters.forEach(
        (id, f) ->
            f.completeExceptionally(
                new RenderLabException("Thumbnail service closed before " + id + " was rendered")));
    waiters.clear();
  }
}
