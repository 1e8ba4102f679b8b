package io.renderlab.micrometer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.ThumbnailJobQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gauge {@code renderlab.thumbnails.pending}: how many thumbnail jobs are waiting or running
 * ({@link ThumbnailJobQueue#pending()}), counted in the database at most once per {@link
 * Builder#interval interval} however often the registry is read. A Prometheus scrape every second
 * against a 15 s interval costs one {@code COUNT} every 15 s; between counts the gauge shows the
 * last one. Works with any registry, with or without Spring (the Spring Boot starters bind one when
 * the application has a registry and a thumbnail job queue). Thread-safe.
 *
 * <pre>{@code
 * QueueDepthGauge.builder(catalog.thumbnailJobs())
 *     .interval(Duration.ofSeconds(30))
 *     .build()
 *     .bindTo(registry);
 * }</pre>
 *
 * <p>The count runs on the thread that reads the gauge, when the last one is older than the
 * interval; a reader that comes while another is counting gets the last count instead of waiting.
 * While the database fails the gauge reads {@code NaN} (no value), and the count is retried once
 * per interval, not on every read.
 */
public final class QueueDepthGauge implements MeterBinder {
  /** The gauge's name. */
  public static final String NAME = "renderlab.thumbnails.pending";

  /** The interval unless set: at most one count every 15 seconds. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);

  private final ThumbnailJobQueue queue;
  private final Duration interval;
  private final Clock clock;
  private final ReentrantLock counting = new ReentrantLock();

  /** The last count, or NaN after a failure; read without the lock. */
  private volatile double depth = Double.NaN;

  /** When the last count was taken (or failed); null before the first. */
  private volatile Instant countedAt;

  private volatile long counts;

  private QueueDepthGauge(Builder b) {
    this.queue = b.queue;
    this.interval = b.interval;
    this.clock = b.clock;
  }

  /**
   * A builder for a gauge of {@code queue}.
   *
   * @throws NullPointerException if {@code queue} is null
   */
  public static Builder builder(ThumbnailJobQueue queue) {
    return new Builder(Objects.requireNonNull(queue, "queue"));
  }

  /** Registers the gauge {@value #NAME} (base unit {@code jobs}) in {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Gauge.builder(NAME, this, QueueDepthGauge::depth)
        .description(
            "Thumbnail jobs waiting or running, counted at most once per " + interval.toString())
        .baseUnit("jobs")
        .strongReference(true)
        .register(registry);
  }

  /**
   * The number of pending thumbnail jobs: the last count when it is younger than the interval, else
   * a new one; {@code NaN} when the last count failed.
   */
  public double depth() {
    Instant now = clock.instant();
    Instant last = countedAt;
    if (last != null && now.isBefore(last.plus(interval))) {
      return depth;
    }
    if (!counting.tryLock()) {
      return depth; // another reader is counting: don't queue up behind it
    }
    try {
      last = countedAt;
      if (last == null || !now.isBefore(last.plus(interval))) {
        try {
          depth = queue.pending();
        } catch (RenderLabException e) {
          depth = Double.NaN; // the database is down: no value, and no retry until the interval
        }
        counts++;
        countedAt = now;
      }
      return depth;
    } finally {
      counting.unlock();
    }
  }

  /** How many times this gauge has counted (queried the queue); for tests and diagnostics. */
  public long counts() {
    return counts;
  }

  /** The interval between counts. */
  public Duration interval() {
    return interval;
  }

  @Override
  public String toString() {
    return "QueueDepthGauge{interval=" + interval + ", queue=" + queue + '}';
  }

  /** Builds a {@link QueueDepthGauge}. Not thread-safe. */
  public static final class Builder {
    private final ThumbnailJobQueue queue;
    private Duration interval = DEFAULT_INTERVAL;
    private Clock clock = Clock.systemUTC();

    private Builder(ThumbnailJobQueue queue) {
      this.queue = queue;
    }

    /**
     * The shortest time between two counts ({@link #DEFAULT_INTERVAL} unless set); reads in between
     * show the last count.
     *
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder interval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("interval must be positive, was " + interval);
      }
      this.interval = interval;
      return this;
    }

    /** The clock that times the interval; tests inject one they move. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The gauge (not yet registered: {@link QueueDepthGauge#bindTo}). */
    public QueueDepthGauge build() {
      return new QueueDepthGauge(this);
    }
  }
}
