package io.renderlab.generations;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the generations of instances that died: every {@code interval} it leases unfinished
 * generations whose lease lapsed and drives them to their end (reads the prediction, or finds a
 * create whose answer was lost; ingests the outputs; records them). Run one in every instance,
 * beside the thumbnail worker; on PostgreSQL they share the work without taking the same generation
 * twice. Thread-safe; owns one daemon thread between {@link #start()} and {@link #close()}.
 *
 * <pre>{@code
 * try (RecoveryWorker recovery = RecoveryWorker.builder().generations(generations).build().start()) {
 *   ... serve ...
 * }
 * }</pre>
 */
public final class RecoveryWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryWorker.class);

  private final Generations generations;
  private final Duration interval;
  private final int batch;
  private ScheduledExecutorService scheduler;

  private RecoveryWorker(Builder b) {
    this.generations = b.generations;
    this.interval = b.interval;
    this.batch = b.batch;
  }

  /** A builder; the generations client is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts polling (the first pass runs at once). Idempotent. */
  public synchronized RecoveryWorker start() {
    if (scheduler == null) {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "renderlab-generation-recovery");
                t.setDaemon(true);
                return t;
              });
      scheduler.scheduleWithFixedDelay(this::pass, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void pass() {
    try {
      int resumed = generations.resumeLapsed(batch);
      if (resumed > 0) {
        LOG.info("Resumed {} generation(s) left unfinished by a stopped instance", resumed);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Generation recovery pass failed ({}); trying again in {}", e.getMessage(), interval);
    }
  }

  /** Stops polling; generations it resumed keep running in the generations client. Idempotent. */
  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public String toString() {
    return "RecoveryWorker{interval=" + interval + ", batch=" + batch + '}';
  }

  /** Builds a {@link RecoveryWorker}. Not thread-safe. */
  public static final class Builder {
    private Generations generations;
    private Duration interval = Duration.ofSeconds(5);
    private int batch = 20;

    private Builder() {}

    /** The client whose generations to recover (required). */
    public Builder generations(Generations generations) {
      this.generations = Objects.requireNonNull(generations, "generations");
      return this;
    }

    /** How often to look for lapsed generations; 5 s by default. */
    public Builder interval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive, was " + interval);
      }
      this.interval = interval;
      return this;
    }

    /** At most this many generations taken per pass, 1 to 1000; 20 by default. */
    public Builder batch(int batch) {
      if (batch < 1 || batch > 1000) {
        throw new IllegalArgumentException("batch must be between 1 and 1000, was " + batch);
      }
      this.batch = batch;
      return this;
    }

    /** Builds the worker (not started). */
    public RecoveryWorker build() {
      if (generations == null) {
        throw new IllegalStateException(
            "generations is required: RecoveryWorker.builder().generations(...)");
      }
      return new RecoveryWorker(this);
    }
  }
}
