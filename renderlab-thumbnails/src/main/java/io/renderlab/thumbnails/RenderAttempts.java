package io.renderlab.thumbnails;

import io.renderlab.core.CatalogException;
import io.renderlab.core.EventListener;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RemoteResource;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StorageException;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of a thumbnail job, as {@link ThumbnailService} runs it: read the record and the
 * original, render on the render thread, then store and record the thumbnail on a store thread; a
 * failure is recorded with its retry time, or ends the job after the last attempt. Package-private:
 * the service's implementation.
 */
final class RenderAttempts {
  // the service's logger: these lines are the service's
  private static final Logger LOG = LoggerFactory.getLogger(ThumbnailService.class);

  private final EventListener events;
  private final ImageCatalog catalog;
  private final ThumbnailJobQueue jobs;
  private final ImageStore store;
  private final RemoteFetcher fetcher;
  private final Thumbnailer thumbnailer;
  private final RetryPolicy retry;
  private final int maxAttempts;
  private final Clock clock;
  private final String owner;
  private final AtomicBoolean running;
  private final ThumbnailWaiters waiters;
  private final StoreThreads storeThreads;

  /** When each render in progress here started (on {@link #clock}). */
  private final Map<UUID, Instant> rendering;

  /** Jobs whose render is in progress here: their leases are renewed by the heartbeat. */
  private final Set<UUID> inFlight;

  RenderAttempts(
      EventListener events,
      ImageCatalog catalog,
      ThumbnailJobQueue jobs,
      ImageStore store,
      RemoteFetcher fetcher,
      Thumbnailer thumbnailer,
      RetryPolicy retry,
      int maxAttempts,
      Clock clock,
      String owner,
      AtomicBoolean running,
      ThumbnailWaiters waiters,
      StoreThreads storeThreads,
      Map<UUID, Instant> rendering,
      Set<UUID> inFlight) {
    this.events = events;
    this.catalog = catalog;
    this.jobs = jobs;
    this.store = store;
    this.fetcher = fetcher;
    this.thumbnailer = thumbnailer;
    this.retry = retry;
    this.maxAttempts = maxAttempts;
    this.clock = clock;
    this.owner = owner;
    this.running = running;
    this.waiters = waiters;
    this.storeThreads = storeThreads;
    this.rendering = rendering;
    this.inFlight = inFlight;
  }

  /**
   * Runs a job's attempt on a render thread.
   *
   * @return whether its end was handed over to a store thread (which then ends it)
   */
  boolean run(ThumbnailJob job) {
    if (!running.get()) {
      return false; // admitted, not started, and shutting down: release(owner) gives it back
    }
    if (job.attempt() > maxAttempts) {
      // Leased again after its last attempt never reported back (the worker process died, for
      // example of an OutOfMemoryError): that attempt counts, so the job ends here, not forever.
      fail(
          job,
          "WorkerStopped: no result after "
              + maxAttempts
              + " attempts (the worker stopped mid-render, for example out of memory)"
              + job.lastError().map(e -> "; last error: " + e).orElse(""));
      return false;
    }
    try {
      return runAttempt(job);
    } catch (RuntimeException | Error e) {
      // An input that breaks the renderer (OutOfMemoryError, StackOverflowError, a bug) is a failed
      // attempt like any other: recorded, retried with backoff, FAILED after maxAttempts.
      fail(job, e);
      return false;
    }
  }

  private boolean runAttempt(ThumbnailJob job) {
    Optional<ImageRecord> record;
    try {
      record = catalog.find(job.imageId());
    } catch (CatalogException e) {
      fail(job, e); // the database failed: retried like any failed attempt
      return false;
    } catch (RuntimeException e) {
      // The row itself cannot be read (an unknown kind, a NULL where a value belongs): it fails the
      // same way on every attempt, so this job ends now and every other job goes on.
      String reason = ThumbnailWaiters.malformedRow(job.imageId(), e);
      events.thumbnailFailed(job.imageId(), e, false);
      fail(job, reason, true);
      return false;
    }
    if (record.isEmpty()) {
      jobs.complete(job.imageId(), owner); // the image was deleted
      return false;
    }
    ImageRecord image = record.get();
    long started = System.nanoTime();
    Thumbnail thumb;
    rendering.put(job.imageId(), clock.instant());
    try {
      thumb = render(image);
    } catch (RuntimeException e) {
      fail(job, e);
      return false;
    } finally {
      rendering.remove(job.imageId());
    }
    // Storing the thumbnail and the two updates wait on disk or network (fsync, a PUT, commits):
    // on a store thread, so this render thread takes the next job at once.
    storeThreads.hand(
        () -> {
          try {
            finish(job, image, thumb, started);
          } catch (RuntimeException | Error e) {
            fail(job, e);
          } finally {
            inFlight.remove(job.imageId());
          }
        });
    return true;
  }

  private void finish(ThumbnailJob job, ImageRecord image, Thumbnail thumb, long started) {
    String url = storeThumbnail(image, thumb);
    catalog.setThumbUrl(job.imageId(), url);
    if (jobs.complete(job.imageId(), owner)) {
      LOG.debug("Rendered thumbnail of {}", job.imageId());
    }
    events.thumbnailRendered(job.imageId(), Duration.ofNanos(System.nanoTime() - started));
    waiters.resolve(job.imageId(), image.withThumbUrl(url), null);
  }

  private void fail(ThumbnailJob job, Throwable e) {
    // An image over the render's memory or work budget fails the same way every time: given up at
    // once rather than retried (each attempt would cost the budget again).
    boolean giveUp = e instanceof ImageTooLargeException || e instanceof ImageTooComplexException;
    events.thumbnailFailed(job.imageId(), e, !giveUp && job.attempt() < maxAttempts);
    fail(job, e.getClass().getSimpleName() + ": " + e.getMessage(), giveUp);
  }

  private void fail(ThumbnailJob job, String error) {
    fail(job, error, false);
  }

  private void fail(ThumbnailJob job, String error, boolean giveUp) {
    boolean lastAttempt = giveUp || job.attempt() >= maxAttempts;
    Instant retryAt =
        lastAttempt ? null : clock.instant().plus(retry.backoff(job.attempt(), Optional.empty()));
    LOG.warn(
        "Thumbnail of {} failed (attempt {} of {}){}: {}",
        job.imageId(),
        job.attempt(),
        maxAttempts,
        lastAttempt ? ", giving up" : ", will retry",
        error);
    try {
      jobs.fail(job.imageId(), owner, error, retryAt);
    } catch (RuntimeException recordFailure) {
      LOG.warn(
          "Could not record the failure of {}; its lease will expire and another worker retries",
          job.imageId(),
          recordFailure);
    }
    if (lastAttempt) {
      waiters.resolve(job.imageId(), null, new ThumbnailFailedException(job.imageId(), error));
    }
  }

  Thumbnail render(ImageRecord record) {
    try (InputStream original = openOriginal(record)) {
      return thumbnailer.render(original);
    } catch (IOException e) {
      throw new StorageException(
          "Reading the original of " + record.id() + " failed: " + e.getMessage(),
          record.storageKey(),
          e,
          true);
    }
  }

  String storeThumbnail(ImageRecord record, Thumbnail thumb) {
    String key = "thumbs/" + record.userId() + "/" + record.id() + ".webp";
    return store
        .put(
            key,
            new ByteArrayInputStream(thumb.webp()),
            PutOptions.of(thumb.contentType()).withLength(thumb.webp().length).withOverwrite(true))
        .url();
  }

  private InputStream openOriginal(ImageRecord record) {
    try {
      return store.open(record.storageKey());
    } catch (StorageException notHere) {
      if (fetcher == null) {
        throw notHere;
      }
      RemoteResource resource = fetcher.openImage(record.url());
      return new java.io.FilterInputStream(resource.body()) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            resource.close();
          }
        }
      };
    }
  }
}
