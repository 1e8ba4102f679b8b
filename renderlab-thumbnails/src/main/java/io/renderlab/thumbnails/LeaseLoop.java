package io.renderlab.thumbnails;

import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.internal.OutageLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease loop of {@link ThumbnailService}: the dispatcher leases jobs for free render slots (one
 * rendering and one leased ahead per render thread) and hands them to the render threads; the
 * heartbeat renews the leases of renders in progress. Package-private: the service's
 * implementation.
 */
final class LeaseLoop {
  // the service's logger: these lines are the service's
  private static final Logger LOG = LoggerFactory.getLogger(ThumbnailService.class);

  private final ThumbnailJobQueue jobs;
  private final String owner;
  private final int workers;
  private final Duration leaseDuration;
  private final Duration pollInterval;
  private final Clock clock;
  private final AtomicBoolean running;
  private final Semaphore wake = new Semaphore(0);
  private final Semaphore slots;
  private final ExecutorService renderers;
  private final RenderAttempts attempts;
  private final ThumbnailWaiters waiters;

  /** When each render in progress here started (on {@link #clock}). */
  private final Map<UUID, Instant> rendering;

  /** Jobs whose render is in progress here: their leases are renewed by the heartbeat. */
  private final Set<UUID> inFlight;

  private final OutageLog outage;

  LeaseLoop(
      ThumbnailJobQueue jobs,
      String owner,
      int workers,
      Duration leaseDuration,
      Duration pollInterval,
      Clock clock,
      AtomicBoolean running,
      ExecutorService renderers,
      RenderAttempts attempts,
      ThumbnailWaiters waiters,
      Map<UUID, Instant> rendering,
      Set<UUID> inFlight,
      OutageLog outage) {
    this.jobs = jobs;
    this.owner = owner;
    this.workers = workers;
    this.leaseDuration = leaseDuration;
    this.pollInterval = pollInterval;
    this.clock = clock;
    this.running = running;
    // Two slots per render thread: one rendering, one leased ahead, so a render thread never waits
    // for a lease's round trip. While a render has run for half a lease or more (it may hang),
    // only free threads lease, so a hung worker never re-takes its own lapsed job (see dispatch).
    this.slots = new Semaphore(2 * workers);
    this.renderers = renderers;
    this.attempts = attempts;
    this.waiters = waiters;
    this.rendering = rendering;
    this.inFlight = inFlight;
    this.outage = outage;
  }

  /** Wakes the dispatcher: a job was enqueued here, a slot freed, or the service is stopping. */
  void wake() {
    wake.release();
  }

  /**
   * Renews the leases of the renders in progress here. Runs every {@link
   * ThumbnailService.Builder#heartbeatInterval}; package-private so tests can beat on a controlled
   * clock.
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

  void dispatch() {
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
                    handedOver = attempts.run(job);
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
        waiters.checkIfDue();
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
}
