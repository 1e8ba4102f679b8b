package io.renderlab.spring.internal;

import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.thumbnails.ThumbnailService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The background workers on the application context's lifecycle: started after every bean is ready
 * (the thumbnail worker, the recovery worker), stopped before any is destroyed, the generations
 * engine closed last so that it hands the leases of unfinished generations back and another
 * instance resumes them at once. Not public API.
 */
public final class RenderLabWorkers implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabWorkers.class);

  private final ThumbnailService thumbnails;
  private final RecoveryWorker recovery;
  private final Generations generations;
  private volatile boolean running;
  private boolean started;

  /** Any of them may be null (not configured). */
  public RenderLabWorkers(
      ThumbnailService thumbnails, RecoveryWorker recovery, Generations generations) {
    this.thumbnails = thumbnails;
    this.recovery = recovery;
    this.generations = generations;
  }

  @Override
  public synchronized void start() {
    if (started) {
      // A ThumbnailService cannot start again once closed; a context restarted in place keeps
      // serving without background workers rather than failing.
      LOG.warn("RenderLab workers were stopped and are not restarted in this context");
      return;
    }
    started = true;
    if (thumbnails != null) {
      thumbnails.start();
    }
    if (recovery != null) {
      recovery.start();
    }
    running = true;
    LOG.debug(
        "RenderLab workers started (thumbnails: {}, recovery: {})",
        thumbnails != null,
        recovery != null);
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    if (recovery != null) {
      recovery.close();
    }
    if (thumbnails != null) {
      thumbnails.close(); // waits for renders in progress, hands the job leases back
    }
    if (generations != null) {
      generations.close(); // hands the generations' leases back
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /**
   * Below the web server's phases: stopped after the server's graceful shutdown has drained the
   * requests in flight (webhooks, generations being waited on), so nothing is cut off mid-way.
   */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 4096;
  }
}
