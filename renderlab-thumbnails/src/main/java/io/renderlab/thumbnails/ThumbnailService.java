package io.renderlab.thumbnails;

import io.renderlab.core.CatalogException;
import io.renderlab.core.EventListener;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RemoteResource;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StorageException;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.ThumbnailJobStatus;
import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.OutageLog;
import io.renderlab.core.internal.SafeEvents;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders thumbnails in the background from the durable job queue: for each job, read the original
 * from the store (or fetch its URL under the fetch policy), render it, store it at {@code
 * thumbs/{userId}/{imageId}.webp} (overwriting), and set the record's {@code thumb_url}.
 *
 * <p>Jobs are leased for a short time (30 s by default) renewed by a heartbeat while the render
 * runs, so a job whose worker dies is picked up by another within one lease, seconds later;
 * failures are retried with backoff up to {@link Builder#maxAttempts}, the last error kept. An
 * enqueue in this process wakes a worker at once; jobs enqueued by other processes are seen within
 * {@link Builder#pollInterval}. {@link #close()} stops leasing, lets in-flight renders finish, and
 * gives back what it still holds. Owns its threads; thread-safe.
 *
 * <p>Render threads only render: each has its next job leased ahead, and storing the thumbnail and
 * recording it run on up to 4 store threads, so no render waits on disk, network or a commit.
 *
 * <p>Waiting costs O(1) queries per image: a render of this process resolves its waiters when it
 * ends; images rendered by other processes are found once per poll interval by one query per 500
 * waiters. A thumbnail costs 4 statements from lease to {@code thumb_url} (lease, read, set,
 * complete; the lease is shared by the jobs it takes). A row that cannot be read (an unknown kind,
 * a NULL where a value belongs) fails its own job at once, with the reason, never the service.
 *
 * <pre>{@code
 * ThumbnailService thumbnails = ThumbnailService.builder()
 *     .catalog(catalog).jobs(catalog.thumbnailJobs()).store(store).build().start();
 * ImageRecord withThumb = thumbnails.awaitThumbnail(record.id()).get(30, TimeUnit.SECONDS);
 * }</pre>
 */
public final class ThumbnailService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ThumbnailService.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final EventListener events;
  private final ImageCatalog catalog;
  private final ThumbnailJobQueue jobs;
  private final ImageStore store;
  private final RemoteFetcher fetcher;
  private final Thumbnailer thumbnailer;
  private final RetryPolicy retry;
  private final int workers;
  private final int maxAttempts;
  private final Duration leaseDuration;
  private final Duration heartbeatInterval;
  private final Duration pollInterval;
  private final Clock clock;
  private final String owner;
  private final Semaphore wake = new Semaphore(0);
  private final Semaphore slots;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean everStarted = new AtomicBoolean();
  private final Map<UUID, CompletableFuture<ImageRecord>> waiters = new ConcurrentHashMap<>();
  private final ExecutorService renderers;

  /** Store thumbnails and record them: the waits on disk, network and commits, off the renders. */
  private final ExecutorService finishers;

  private final Semaphore finishing;

  /** When each render in progress here started (on {@link #clock}). */
  private final Map<UUID, Instant> rendering = new ConcurrentHashMap<>();

  /** Jobs whose render is in progress here: their leases are renewed by the heartbeat. */
  private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();

  private final ScheduledExecutorService heartbeats;
  private final OutageLog outage;
  private Thread dispatcher;
  private long lastWaiterCheck = System.nanoTime();

  private ThumbnailService(Builder b) {
    this.events = SafeEvents.of(b.events);
    this.catalog = b.catalog;
    this.jobs = b.jobs;
    this.store = b.store;
    this.fetcher = b.fetcher;
    // The default renderer's memory budget is the heap shared by this service's workers.
    this.thumbnailer =
        b.thumbnailer != null
            ? b.thumbnailer
            : Thumbnailer.builder().concurrency(b.workers).build();
    this.retry = b.retry;
    this.workers = b.workers;
    this.maxAttempts = b.maxAttempts;
    this.leaseDuration = b.leaseDuration;
    this.heartbeatInterval =
        b.heartbeatInterval != null ? b.heartbeatInterval : b.leaseDuration.dividedBy(3);
    if (heartbeatInterval.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException(
          "heartbeatInterval ("
              + heartbeatInterval
              + ") must be shorter than leaseDuration ("
              + leaseDuration
              + ")");
    }
    this.pollInterval = b.pollInterval;
    this.clock = b.clock;
    this.owner = b.owner != null ? b.owner : defaultOwner();
    // Two slots per render thread: one rendering, one leased ahead, so a render thread never waits
    // for a lease's round trip. While a render has run for half a lease or more (it may hang),
    // only free threads lease, so a hung worker never re-takes its own lapsed job (see dispatch).
    // Jobs being stored hold a place among 2 x workers instead, which bounds that queue.
    this.slots = new Semaphore(2 * workers);
    this.finishing = new Semaphore(2 * workers);
    AtomicInteger n = new AtomicInteger();
    this.renderers =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    AtomicInteger f = new AtomicInteger();
    this.finishers =
        Executors.newFixedThreadPool(
            Math.min(workers, 4),
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-store-" + f.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-heartbeat");
              t.setDaemon(true);
              return t;
            });
    this.outage = new OutageLog(LOG, "The thumbnail worker's job queue (catalog database)", clock);
    jobs.onEnqueue(() -> wake.release());
  }

  private static String defaultOwner() {
    return ManagementFactory.getRuntimeMXBean().getName()
        + "-"
        + INSTANCES.incrementAndGet()
        + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A builder; catalog, jobs and store are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** This worker's lease owner name. */
  public String owner() {
    return owner;
  }

  /** Starts the workers; returns this service. */
  public ThumbnailService start() {
    if (running.compareAndSet(false, true)) {
      everStarted.set(true);
      dispatcher = new Thread(this::dispatch, "renderlab-thumbnail-dispatcher");
      dispatcher.setDaemon(true);
      dispatcher.start();
      long every = Math.max(1, heartbeatInterval.toMillis());
      heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /**
   * Renews the leases of the renders in progress here. Runs every {@link
   * Builder#heartbeatInterval}; package-private so tests can beat on a controlled clock.
   */
  void heartbeat() {
    if (inFlight.isEmpty()) {
      return;
    }
    try {
      int renewed = jobs.renew(owner, Set.copyOf(inFlight), leaseDuration);
      LOG.debug("Renewed {} thumbnail lease(s)", renewed);
    } catch (RuntimeException e) {
      outage.failed(
          e); // the lease may lapse and another worker retry the job: wasteful, never wrong
    }
  }

  /**
   * Completes when the image's thumbnail is rendered (by this or any process), with the updated
   * record; completes exceptionally when its job fails for good. Returns at once when it already
   * has one.
   *
   * @throws IllegalStateException if this service is not running (never started, or shut down) and
   *     the image has no thumbnail yet: nothing here would render it, so the future would only time
   *     out
   */
  public CompletableFuture<ImageRecord> awaitThumbnail(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    if (!running.get()) {
      Optional<ImageRecord> done = catalog.find(imageId).filter(r -> r.thumbUrl().isPresent());
      if (done.isPresent()) {
        return CompletableFuture.completedFuture(done.get());
      }
      throw new IllegalStateException(
          "This ThumbnailService is "
              + (everStarted.get()
                  ? "shut down"
                  : "not started: call start() on it (ThumbnailService.builder()...build().start())")
              + ", so it would never render image "
              + imageId
              + ". Await thumbnails on a running service, or render one now with renderNow(record).");
    }
    return awaitThumbnails(List.of(imageId)).get(0);
  }

  /**
   * {@link #awaitThumbnail} for many images at once, in the same order: their current state is read
   * in one query per 500 images rather than one each, which matters to a backfill awaiting
   * millions.
   *
   * @throws IllegalStateException if this service is not running and one of the images has no
   *     thumbnail yet
   */
  public List<CompletableFuture<ImageRecord>> awaitThumbnails(List<UUID> imageIds) {
    Objects.requireNonNull(imageIds, "imageIds");
    imageIds.forEach(id -> Objects.requireNonNull(id, "imageIds contains null"));
    if (!running.get()) {
      return imageIds.stream().map(this::awaitThumbnail).toList();
    }
    List<CompletableFuture<ImageRecord>> futures = new java.util.ArrayList<>(imageIds.size());
    for (UUID id : imageIds) {
      futures.add(waiters.computeIfAbsent(id, k -> new CompletableFuture<>()));
    }
    checkWaiters(imageIds);
    return futures;
  }

  /** Most ids one waiter check names; more waiters are checked in several queries. */
  static final int WAITER_CHUNK = 500;

  /**
   * Resolves the waiters among {@code imageIds} whose thumbnail exists or whose job failed for good
   * (rendered or failed in another process: those of this process are resolved when their render
   * ends). One query per {@value #WAITER_CHUNK} waiters, plus one read of each finished record, so
   * waiting costs O(1) queries per image however many are waited for.
   */
  private void checkWaiters(java.util.Collection<UUID> imageIds) {
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
  private void resolveFromCatalog(UUID imageId, boolean mayBeMissing) {
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

  private static String malformedRow(UUID imageId, RuntimeException e) {
    return "MalformedRow: the catalog row of image "
        + imageId
        + " cannot be read ("
        + e.getClass().getSimpleName()
        + ": "
        + e.getMessage()
        + "); fix the row, then run thumbnails backfill";
  }

  private void resolve(UUID imageId, ImageRecord record, RuntimeException error) {
    CompletableFuture<ImageRecord> f = waiters.remove(imageId);
    if (f != null) {
      if (error == null) {
        f.complete(record);
      } else {
        f.completeExceptionally(error);
      }
    }
  }

  /**
   * Renders one image's thumbnail now, on the calling thread, without the queue: for the CLI's
   * one-off renders and backfills of a single record.
   */
  public ImageRecord renderNow(ImageRecord record) {
    String url = storeThumbnail(record, render(record));
    catalog.setThumbUrl(record.id(), url);
    return record.withThumbUrl(url);
  }

  private void dispatch() {
    while (running.get()) {
      try {
        int free = slots.availablePermits();
        if (longRender()) {
          free = Math.max(0, free - workers); // no lease ahead: only for threads that are free
        }
        if (free > 0) {
          List<ThumbnailJob> leased = jobs.lease(owner, free, leaseDuration);
          outage.succeeded();
          for (ThumbnailJob job : leased) {
            slots.acquireUninterruptibly();
            inFlight.add(job.imageId());
            renderers.execute(
                () -> {
                  boolean handedOver = false;
                  try {
                    handedOver = run(job);
                  } finally {
                    if (!handedOver) {
                      inFlight.remove(job.imageId());
                    }
                    slots.release();
                    wake.release();
                  }
                });
          }
          if (!leased.isEmpty() && leased.size() == free) {
            continue; // more may be waiting
          }
        }
        long now = System.nanoTime();
        if (!waiters.isEmpty() && now - lastWaiterCheck >= pollInterval.toNanos()) {
          // Renders of this process resolve their waiters themselves; this finds the images
          // rendered (or failed) elsewhere, at most once per poll interval, in batched queries.
          lastWaiterCheck = now;
          checkWaiters(waiters.keySet());
        }
        wake.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        outage.failed(e); // once per outage, not a stack trace per poll
        try {
          Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Runs a job's attempt on a render thread.
   *
   * @return whether its end was handed over to a store thread (which then ends it)
   */
  private boolean run(ThumbnailJob job) {
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

  /** Whether a render here has run for half a lease or more (it may hang). */
  private boolean longRender() {
    Instant halfALeaseAgo = clock.instant().minus(leaseDuration.dividedBy(2));
    for (Instant started : rendering.values()) {
      if (!started.isAfter(halfALeaseAgo)) {
        return true;
      }
    }
    return false;
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
      String reason = malformedRow(job.imageId(), e);
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
    finishing.acquireUninterruptibly(); // the store threads are behind: wait for them
    Runnable finish =
        () -> {
          try {
            finish(job, image, thumb, started);
          } catch (RuntimeException | Error e) {
            fail(job, e);
          } finally {
            inFlight.remove(job.imageId());
            finishing.release();
          }
        };
    try {
      finishers.execute(finish);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      finish.run();
    }
    return true;
  }

  private void finish(ThumbnailJob job, ImageRecord image, Thumbnail thumb, long started) {
    String url = storeThumbnail(image, thumb);
    catalog.setThumbUrl(job.imageId(), url);
    if (jobs.complete(job.imageId(), owner)) {
      LOG.debug("Rendered thumbnail of {}", job.imageId());
    }
    events.thumbnailRendered(job.imageId(), Duration.ofNanos(System.nanoTime() - started));
    resolve(job.imageId(), image.withThumbUrl(url), null);
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
      resolve(job.imageId(), null, new ThumbnailFailedException(job.imageId(), error));
    }
  }

  private Thumbnail render(ImageRecord record) {
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

  private String storeThumbnail(ImageRecord record, Thumbnail thumb) {
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

  /**
   * Stops leasing, waits up to {@code timeout} for in-flight renders, then gives back any lease
   * still held (the jobs stay queued for the next start).
   */
  public void shutdown(Duration timeout) {
    if (!running.getAndSet(false)) {
      renderers.shutdownNow();
      finishers.shutdownNow();
      heartbeats.shutdownNow();
      return;
    }
    wake.release();
    try {
      if (dispatcher != null) {
        dispatcher.join(timeout.toMillis());
      }
      renderers.shutdown();
      if (!renderers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        renderers.shutdownNow();
      }
      finishers.shutdown(); // after the renders: none hands a thumbnail over any more
      if (!finishers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        finishers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      renderers.shutdownNow();
      finishers.shutdownNow();
    } finally {
      heartbeats.shutdownNow();
      try {
        int released = jobs.release(owner);
        if (released > 0) {
          LOG.info("Released {} thumbnail job(s) for the next start", released);
        }
      } catch (RuntimeException e) {
        LOG.warn("Could not release leases; they expire by themselves", e);
      }
      waiters.forEach(
          (id, f) ->
              f.completeExceptionally(
                  new RenderLabException(
                      "Thumbnail service closed before " + id + " was rendered")));
      waiters.clear();
    }
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(30));
  }

  @Override
  public String toString() {
    return "ThumbnailService{owner="
        + owner
        + ", workers="
        + workers
        + ", maxAttempts="
        + maxAttempts
        + ", "
        + thumbnailer
        + '}';
  }

  /** Builds a {@link ThumbnailService}. Not thread-safe. */
  public static final class Builder {
    private ImageCatalog catalog;
    private ThumbnailJobQueue jobs;
    private ImageStore store;
    private RemoteFetcher fetcher;
    private Thumbnailer thumbnailer;
    private RetryPolicy retry =
        RetryPolicy.builder()
            .initialBackoff(Duration.ofSeconds(2))
            .maxBackoff(Duration.ofMinutes(5))
            .build();
    private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int maxAttempts = 5;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private Duration heartbeatInterval;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();
    private String owner;
    private EventListener events = EventListener.NONE;

    private Builder() {}

    /** Hears every thumbnail rendered or failed; none by default. */
    public Builder listener(EventListener listener) {
      this.events = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The catalog whose records get thumbnails (required). */
    public Builder catalog(ImageCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      return this;
    }

    /** The job queue (required), usually {@code JdbcImageCatalog.thumbnailJobs()}. */
    public Builder jobs(ThumbnailJobQueue jobs) {
      this.jobs = Objects.requireNonNull(jobs, "jobs");
      return this;
    }

    /** Where originals are read from and thumbnails written to (required). */
    public Builder store(ImageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Fetches originals that are not in the store, by their URL; none by default. */
    public Builder fetcher(RemoteFetcher fetcher) {
      this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
      return this;
    }

    /**
     * The renderer; by default {@code Thumbnailer.builder().concurrency(workers).build()}, so each
     * render's memory budget is the heap's share for one of this service's workers. Set the same
     * {@code concurrency} on a renderer of your own (more if other code renders too).
     */
    public Builder thumbnailer(Thumbnailer thumbnailer) {
      this.thumbnailer = Objects.requireNonNull(thumbnailer, "thumbnailer");
      return this;
    }

    /** Backoff between attempts of a failing job; 2 s doubling up to 5 min by default. */
    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Concurrent renders; the number of processors by default. The default renderer's memory budget
     * is divided among them ({@link Thumbnailer.Builder#concurrency}).
     */
    public Builder workers(int workers) {
      if (workers < 1 || workers > 256) {
        throw new IllegalArgumentException("workers must be between 1 and 256, was " + workers);
      }
      this.workers = workers;
      return this;
    }

    /** Attempts before a job fails for good; default 5. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new IllegalArgumentException(
            "maxAttempts must be between 1 and 100, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * How long a job's lease lasts without a heartbeat; default 30 s. Renders in progress renew it
     * every {@link #heartbeatInterval}, so it need not cover the longest render: it bounds how long
     * a dead worker's job waits before another worker takes it.
     */
    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration = Args.positive(leaseDuration, "leaseDuration");
      return this;
    }

    /** How often leases of renders in progress are renewed; a third of the lease by default. */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = Args.positive(heartbeatInterval, "heartbeatInterval");
      return this;
    }

    /** How often to look for jobs enqueued by other processes; default 1 s. */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = Args.positive(pollInterval, "pollInterval");
      return this;
    }

    /** The clock for retry times. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** This worker's lease owner name; unique per process by default. */
    public Builder owner(String owner) {
      this.owner = Objects.requireNonNull(owner, "owner");
      return this;
    }

    /** Builds the service (not started). */
    public ThumbnailService build() {
      if (catalog == null || jobs == null || store == null) {
        throw new IllegalStateException("catalog, jobs and store are required");
      }
      return new ThumbnailService(this);
    }
  }
}
