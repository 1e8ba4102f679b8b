package io.renderlab.replicate.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Spaces creates evenly so that at most {@code perMinute} start in any minute: each create takes
 * the next free slot, {@code 60 s / perMinute} after the previous one. Lock-free and thread-safe.
 * Zero turns it off.
 */
public final class CreateRateLimiter {
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextSlot;

  /**
   * A limiter.
   *
   * @param perMinute creates per minute, 0 for no limit
   * @param nanoTime the monotonic clock ({@code System::nanoTime} outside tests)
   */
  public CreateRateLimiter(int perMinute, LongSupplier nanoTime) {
    if (perMinute < 0) {
      throw new IllegalArgumentException("perMinute must not be negative, was " + perMinute);
    }
    this.intervalNanos = perMinute == 0 ? 0 : 60_000_000_000L / perMinute;
    this.nanoTime = nanoTime;
    this.nextSlot = new AtomicLong(nanoTime.getAsLong());
  }

  /** Reserves the next slot and returns how long to wait for it (zero when free now). */
  public Duration reserve() {
    if (intervalNanos == 0) {
      return Duration.ZERO;
    }
    long now = nanoTime.getAsLong();
    long slot = nextSlot.getAndUpdate(prev -> (prev - now > 0 ? prev : now) + intervalNanos);
    long wait = slot - now;
    return wait > 0 ? Duration.ofNanos(wait) : Duration.ZERO;
  }
}
