package io.renderlab.cli;

import io.renderlab.core.BackfillStep;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.thumbnails.ThumbnailService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One streaming backfill, shared by {@code thumbnails backfill} and {@code bench backfill}: it
 * keeps up to {@code lookahead} images enqueued ahead of the workers (this process's and every
 * other's) instead of waiting for each batch, and counts each image as its thumbnail is rendered or
 * its job fails.
 *
 * <p>Resumable: it first waits for the jobs that are already pending (a backfill that was stopped
 * had enqueued them; they are never enqueued twice), then enqueues new ones in keyset batches
 * ({@link ThumbnailJobQueue#backfillStep}), which skip images with a thumbnail or a pending job. A
 * restart so continues where the last run stopped, and two backfills at once skip each other's
 * batches.
 */
final class BackfillRun {
  /** Images per enqueue transaction. */
  static final int BATCH = 250;

  /** What a backfill did, so far or in the end. */
  record Counts(
      int resumed, int enqueued, int rendered, int failed, boolean stalled, Duration elapsed) {
    int outstanding() {
      return resumed + enqueued - rendered - failed;
    }

    double perSecond() {
      double s = elapsed.toNanos() / 1e9;
      return s <= 0 ? 0 : (rendered + failed) / s;
    }
  }

  private final ThumbnailJobQueue jobs;
  private final ThumbnailService service;
  private final int limit;
  private final int lookahead;
  private final Duration stall;
  private final Consumer<Counts> progress;
  private final boolean untilEmpty;
  private final Semaphore room;
  private final AtomicInteger rendered = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicLong lastChange = new AtomicLong(System.nanoTime());
  private final long started = System.nanoTime();
  private int resumed;
  private int enqueued;
  private boolean stalled;

  /**
   * @param limit at most this many images (pending ones included)
   * @param lookahead at most this many images enqueued and not yet finished
   * @param stall give up when nothing finishes for this long (the rest count as failed)
   * @param progress told the counts about once a second, on the calling thread
   * @param untilEmpty then keep this process's worker on until no job is pending (whoever queued
   *     it), so several backfills started together all work to the end
   */
  BackfillRun(
      ThumbnailJobQueue jobs,
      ThumbnailService service,
      int limit,
      int lookahead,
      Duration stall,
      Consumer<Counts> progress,
      boolean untilEmpty) {
    this.jobs = jobs;
    this.service = service;
    this.limit = limit;
    this.lookahead = lookahead;
    this.stall = stall;
    this.progress = progress;
    this.untilEmpty = untilEmpty;
    this.room = new Semaphore(lookahead);
  }

  /** Runs the backfill to its end (or a stall) and returns the final counts. */
  Counts run() throws InterruptedException {
    Optional<UUID> after = Optional.empty();
    while (resumed + enqueued < limit && !stalled) {
      int max = Math.min(Math.min(BATCH, lookahead), limit - resumed - enqueued);
      if (!acquire(max)) {
        break;
      }
      List<UUID> ids = jobs.pendingJobs(after, max);
      room.release(max - ids.size());
      resumed += ids.size();
      await(ids);
      if (ids.size() < max) {
        break; // pendingJobs skips nothing, so a short page is the last
      }
      after = Optional.of(ids.get(ids.size() - 1));
    }
    after = Optional.empty();
    while (resumed + enqueued < limit && !stalled) {
      int max = Math.min(Math.min(BATCH, lookahead), limit - resumed - enqueued);
      if (!acquire(max)) {
        break;
      }
      BackfillStep step = jobs.backfillStep(after, max);
      room.release(max - step.enqueued().size());
      enqueued += step.enqueued().size();
      await(step.enqueued());
      if (step.next().isEmpty()) {
        break;
      }
      after = step.next();
    }
    if (!stalled) {
      acquire(lookahead); // every image finished
    }
    if (untilEmpty && !stalled) {
      drainQueue();
    }
    Counts end = counts();
    if (stalled) {
      end =
          new Counts(
              end.resumed(),
              end.enqueued(),
              end.rendered(),
              end.failed() + end.outstanding(),
              true,
              end.elapsed());
    }
    return end;
  }

  /** Counts each image as it finishes; one query per batch to see those finished already. */
  private void await(List<UUID> ids) {
    if (ids.isEmpty()) {
      return;
    }
    for (var future : service.awaitThumbnails(ids)) {
      future.whenComplete(
          (record, error) -> {
            (error == null ? rendered : failed).incrementAndGet();
            lastChange.set(System.nanoTime());
            room.release();
          });
    }
  }

  /** Waits (one count a second) until no job is pending, or nothing changes for {@code stall}. */
  private void drainQueue() throws InterruptedException {
    int last = -1;
    long since = System.nanoTime();
    Semaphore never = new Semaphore(0);
    int pending;
    while ((pending = jobs.pending()) > 0) {
      if (pending != last) {
        last = pending;
        since = System.nanoTime();
      } else if (System.nanoTime() - since > stall.toNanos()) {
        return; // the rest are someone else's (retrying later, or a stopped worker's lease)
      }
      progress.accept(counts());
      never.tryAcquire(1, TimeUnit.SECONDS);
    }
  }

  /** Waits for room for {@code n} more images; false (stalled) when nothing finishes for long. */
  private boolean acquire(int n) throws InterruptedException {
    while (!room.tryAcquire(n, 1, TimeUnit.SECONDS)) {
      progress.accept(counts());
      if (System.nanoTime() - lastChange.get() > stall.toNanos()) {
        stalled = true;
        return false;
      }
    }
    progress.accept(counts());
    return true;
  }

  private Counts counts() {
    return new Counts(
        resumed,
        enqueued,
        rendered.get(),
        failed.get(),
        stalled,
        Duration.ofNanos(System.nanoTime() - started));
  }
}
