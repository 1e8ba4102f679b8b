package io.renderlab.thumbnails;

import io.renderlab.core.EventListener;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.OutageLog;
import io.renderlab.core.internal.SafeEvents;
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

  private final ImageCatalog catalog;
  private final ThumbnailJobQueue jobs;
  private final Thumbnailer thumbnailer;
  private final int workers;
  private final int maxAttempts;
  private final Duration heartbeatInterval;
  private final String owner;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean everStarted = new AtomicBoolean();
  private final ThumbnailWaiters waiters;
  private final RenderAttempts attempts;
  private final LeaseLoop leases;
  private final ExecutorService renderers;

  /** Store thumbnails and record them: the waits on disk, network and commits, off the renders. */
  private final StoreThreads storeThreads;

  private final ScheduledExecutorService heartbeats;
  private Thread dispatcher;

  private ThumbnailService(Builder b) {
    this.catalog = b.catalog;
    this.jobs = b.jobs;
    // The default renderer's memory budget is the heap shared by this service's workers.
    this.thumbnailer =
        b.thumbnailer != null
            ? b.thumbnailer
            : Thumbnailer.builder().concurrency(b.workers).build();
    this.workers = b.workers;
    this.maxAttempts = b.maxAttempts;
    Duration leaseDuration = b.leaseDuration;
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
    Clock clock = b.clock;
    this.owner = b.owner != null ? b.owner : defaultOwner();
    AtomicInteger n = new AtomicInteger();
    this.renderers =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.storeThreads = new StoreThreads(workers);
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-heartbeat");
              t.setDaemon(true);
              return t;
            });
    // When each render in progress here started, and the jobs whose leases the heartbeat renews.
    Map<UUID, Instant> rendering = new ConcurrentHashMap<>();
    Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    this.waiters = new ThumbnailWaiters(catalog, jobs, b.pollInterval);
    this.attempts =
        new RenderAttempts(
            SafeEvents.of(b.events),
            catalog,
            jobs,
            b.store,
            b.fetcher,
            thumbnailer,
            b.retry,
            maxAttempts,
            clock,
            owner,
            running,
            waiters,
            storeThreads,
            rendering,
            inFlight);
    OutageLog outage =
        new OutageLog(LOG, "The thumbnail worker's job queue (catalog database)", clock);
    this.leases =
        new LeaseLoop(
            jobs,
            owner,
            workers,
            leaseDuration,
            b.pollInterval,
            clock,
            running,
            renderers,
            attempts,
            waiters,
            rendering,
            inFlight,
            outage);
    jobs.onEnqueue(() -> leases.wake());
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
      dispatcher = new Thread(leases::dispatch, "renderlab-thumbnail-dispatcher");
      dispatcher.setDaemon(true);
      dispatcher.start();
      long every = Math.max(1, heartbeatInterval.toMillis());
      heartbeats.scheduleWithFixedDelay(leases::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /**
   * Renews the leases of the renders in progress here. Runs every {@link
   * Builder#heartbeatInterval}; package-private so tests can beat on a controlled clock.
   */
  void heartbeat() {
    leases.heartbeat();
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
    return waiters.await(imageIds);
  }

  /**
   * Renders one image's thumbnail now, on the calling thread, without the queue: for the CLI's
   * one-off renders and backfills of a single record.
   */
  public ImageRecord renderNow(ImageRecord record) {
    String url = attempts.storeThumbnail(record, attempts.render(record));
    catalog.setThumbUrl(record.id(), url);
    return record.withThumbUrl(url);
  }

  /**
   * Stops leasing, waits up to {@code timeout} for in-flight renders, then gives back any lease
   * still held (the jobs stay queued for the next start).
   */
  public void shutdown(Duration timeout) {
    if (!running.getAndSet(false)) {
      renderers.shutdownNow();
      storeThreads.shutdownNow();
      heartbeats.shutdownNow();
      return;
    }
    leases.wake();
    try {
      if (dispatcher != null) {
        dispatcher.join(timeout.toMillis());
      }
      renderers.shutdown();
      if (!renderers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        renderers.shutdownNow();
      }
      storeThreads.shutdown(); // after the renders: none hands a thumbnail over any more
      if (!storeThreads.awaitTermination(timeout.toMillis())) {
        storeThreads.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      renderers.shutdownNow();
      storeThreads.shutdownNow();
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
      waiters.closeAll();
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
