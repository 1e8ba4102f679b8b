package io.renderlab.replicate.internal;

import java.time.Duration;

/**
 * The intervals between polls: {@code initial}, times {@code multiplier} per poll, at most {@code
 * max}.
 *
 * @param initial the first interval
 * @param multiplier the growth per poll, at least 1
 * @param max the longest interval
 */
public record PollSchedule(Duration initial, double multiplier, Duration max) {
  /** Checks the arguments. */
  public PollSchedule {
    if (initial == null
        || max == null
        || initial.isNegative()
        || max.compareTo(initial) < 0
        || !(multiplier >= 1)
        || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException(
          "a poll schedule needs 0 <= initial <= max and a finite multiplier >= 1");
    }
  }

  /** The interval before poll number {@code poll} (0-based). */
  public Duration interval(int poll) {
    double grown = initial.toNanos() * Math.pow(multiplier, poll);
    return Duration.ofNanos((long) Math.min(grown, (double) max.toNanos()));
  }
}
