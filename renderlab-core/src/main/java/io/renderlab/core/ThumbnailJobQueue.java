package io.renderlab.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Durable thumbnail jobs, kept in the catalog's database so that none is lost when a process dies.
 * Jobs are enqueued by {@link ImageCatalog#save} in the same transaction as the record.
 *
 * <p>Workers {@link #lease} jobs for a while; a job whose worker dies becomes available again when
 * its lease expires. On PostgreSQL several processes share one queue ({@code FOR UPDATE SKIP
 * LOCKED}); elsewhere a conditional update gives the same guarantee. Thread-safe.
 */
public interface ThumbnailJobQueue {
  /**
   * Enqueues (or re-enqueues, resetting attempts) the thumbnail job of an existing image. A job a
   * worker is rendering (its lease is live) is left to that worker, never reset under it.
   *
   * @return whether the image exists
   */
  boolean enqueue(UUID imageId);

  /**
   * Leases up to {@code max} jobs that are due and not leased by a live worker.
   *
   * @param owner a unique name of the calling worker
   * @param max at most this many jobs
   * @param leaseDuration how long the worker may take before another may take over
   */
  List<ThumbnailJob> lease(String owner, int max, Duration leaseDuration);

  /**
   * Extends the leases {@code owner} still holds on {@code imageIds} to {@code leaseDuration} from
   * now: the heartbeat of a worker whose renders are in progress, so the lease can be short and a
   * dead worker's jobs are taken over within one lease. Jobs another worker took over, or that
   * ended, are left alone.
   *
   * @return how many leases were extended
   */
  default int renew(String owner, java.util.Collection<UUID> imageIds, Duration leaseDuration) {
    return 0; // a queue without renewal: leases simply run their full duration
  }

  /** Marks a job done. Ignored (returns false) when {@code owner} no longer holds the lease. */
  boolean complete(UUID imageId, String owner);

  /**
   * Records a failed attempt: the job becomes due again at {@code retryAt}, or is marked failed for
   * good when {@code retryAt} is {@code null} (attempts used up).
   *
   * @return false when {@code owner} no longer holds the lease
   */
  boolean fail(UUID imageId, String owner, String error, Instant retryAt);

  /** Gives back every lease {@code owner} holds, unchanged, for another worker (clean shutdown). */
  int release(String owner);

  /**
   * Enqueues a job for every image without a thumbnail whose job is missing or failed for good, in
   * batches ({@link #backfillStep}), each its own transaction.
   *
   * @param limit at most this many (1 to 10 000 000)
   * @return how many jobs were enqueued
   */
  int backfill(int limit);

  /**
   * One batch of a backfill that can cover millions of images: in one transaction, enqueues the
   * jobs of up to {@code max} images after {@code after} (in id order) that have no thumbnail and
   * whose job is missing or failed. Images whose job is already pending (enqueued by another
   * backfill running at the same time, say) are skipped, so concurrent backfills never enqueue the
   * same image twice. Call again with {@link BackfillStep#next} until it is empty.
   *
   * @param after start after this image id; empty for the first batch
   * @param max at most this many images per batch (1 to 10 000)
   */
  default BackfillStep backfillStep(Optional<UUID> after, int max) {
    throw new UnsupportedOperationException("This queue backfills only through backfill(limit)");
  }

  /**
   * Lists, in image id order after {@code after}, the images whose thumbnail job is pending
   * (waiting, leased, or due for a retry): what a backfill that was stopped had enqueued and not
   * seen finish, so a restarted one can wait for those instead of enqueueing anything twice.
   *
   * @param after start after this image id; empty for the first page
   * @param max at most this many (1 to 10 000)
   */
  default List<UUID> pendingJobs(Optional<UUID> after, int max) {
    return List.of(); // a queue that cannot list: a restarted backfill only sees new work
  }

  /**
   * Where the thumbnails of several images stand, in one round trip on a database queue: {@link
   * ThumbnailJobStatus.State#DONE} for an image that has a thumbnail (whatever its job says), else
   * its job's state. Images that do not exist, or have neither a thumbnail nor a job, are absent
   * from the map. Lets a service check all its waiters at once instead of one query each.
   *
   * @param imageIds at most 1 000 ids
   */
  default java.util.Map<UUID, ThumbnailJobStatus> statuses(java.util.Collection<UUID> imageIds) {
    java.util.Map<UUID, ThumbnailJobStatus> out = new java.util.HashMap<>();
    for (UUID id : imageIds) {
      status(id).ifPresent(s -> out.put(id, s));
    }
    return out;
  }

  /** The state of an image's thumbnail job, empty when the image has none. */
  java.util.Optional<ThumbnailJobStatus> status(UUID imageId);

  /** How many jobs are waiting or running. */
  int pending();

  /**
   * Runs {@code listener} whenever this process enqueues a job, so a worker can wake at once. The
   * listener must be quick and must not throw.
   */
  void onEnqueue(Runnable listener);
}
