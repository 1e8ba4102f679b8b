package io.renderlab.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the SDK retries a failed call: how many attempts, and how long to wait between them.
 *
 * <p>Waits grow exponentially from {@link Builder#initialBackoff} by {@link Builder#multiplier} up
 * to {@link Builder#maxBackoff}, with random jitter so that many clients do not retry in lockstep.
 * When the server sends {@code Retry-After}, the wait is at least that long (capped by {@link
 * Builder#maxRetryAfter}, so a hostile or broken server cannot park a caller for hours).
 *
 * <p>Immutable and thread-safe; one instance is meant to be shared by every client of an
 * application.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder().maxAttempts(5).initialBackoff(Duration.ofMillis(200)).build();
 * ReplicateClient replicate = ReplicateClient.builder().retryPolicy(retry).build();
 * }</pre>
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;
  private final Duration maxRetryAfter;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.maxRetryAfter = b.maxRetryAfter;
  }

  /**
   * The default policy: 4 attempts, waits from 250 ms doubling up to 10 s with 20% jitter, {@code
   * Retry-After} honoured up to 60 s.
   */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** A policy that never retries: one attempt. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxAttempts = maxAttempts;
    b.initialBackoff = initialBackoff;
    b.maxBackoff = maxBackoff;
    b.multiplier = multiplier;
    b.jitter = jitter;
    b.maxRetryAfter = maxRetryAfter;
    return b;
  }

  /** The total number of attempts, the first included; at least 1. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Whether another attempt may follow attempt number {@code attempt} (1-based).
   *
   * @param attempt the number of the attempt that just failed
   */
  public boolean allowsRetryAfterAttempt(int attempt) {
    return attempt < maxAttempts;
  }

  /**
   * How long to wait before the retry that follows attempt number {@code attempt} (1-based).
   *
   * @param attempt the number of the attempt that just failed, at least 1
   * @param retryAfter the server's {@code Retry-After}, when it sent one
   * @return the wait: the exponential backoff with jitter, but at least {@code retryAfter} (capped
   *     by {@code maxRetryAfter})
   */
  public Duration backoff(int attempt, Optional<Duration> retryAfter) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
    }
    Objects.requireNonNull(retryAfter, "retryAfter");
    double base = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
    double capped = Math.min(base, (double) maxBackoff.toNanos());
    double spread = capped * jitter;
    double withJitter =
        spread == 0
            ? capped
            : capped - spread + ThreadLocalRandom.current().nextDouble() * 2 * spread;
    Duration wait =
        Duration.ofNanos((long) Math.max(0, Math.min(withJitter, maxBackoff.toNanos())));
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get().isNegative() ? Duration.ZERO : retryAfter.get();
      Duration honoured = asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
      if (honoured.compareTo(wait) > 0) {
        wait = honoured;
      }
    }
    return wait;
  }

  /**
   * Parses an HTTP {@code Retry-After} header: either delta-seconds ({@code "30"}) or an HTTP date
   * ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}).
   *
   * @param header the header value, may be {@code null}
   * @param clock the clock to measure an HTTP date against
   * @return the wait, empty when the header is absent or unreadable
   */
  public static Optional<Duration> parseRetryAfter(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    try {
      double seconds = Double.parseDouble(value);
      if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        return Optional.empty();
      }
      return Optional.of(Duration.ofMillis((long) Math.min(seconds * 1000, Long.MAX_VALUE / 2.0)));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(clock.instant(), at);
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts="
        + maxAttempts
        + ", initialBackoff="
        + initialBackoff
        + ", maxBackoff="
        + maxBackoff
        + ", multiplier="
        + multiplier
        + ", jitter="
        + jitter
        + ", maxRetryAfter="
        + maxRetryAfter
        + '}';
  }

  /** Builds a {@link RetryPolicy}. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = 4;
    private Duration initialBackoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private double multiplier = 2.0;
    private double jitter = 0.2;
    private Duration maxRetryAfter = Duration.ofSeconds(60);

    private Builder() {}

    /** Total attempts, the first included (1 = never retry). Default 4. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new IllegalArgumentException(
            "maxAttempts must be between 1 and 100, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The wait before the first retry. Default 250 ms. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = nonNegative(initialBackoff, "initialBackoff");
      return this;
    }

    /** The longest wait between two attempts. Default 10 s. */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = nonNegative(maxBackoff, "maxBackoff");
      return this;
    }

    /** Growth factor of the wait per attempt, at least 1. Default 2. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException(
            "multiplier must be a finite number >= 1, was " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /**
     * Random spread of each wait as a fraction of it, from 0 (none) to 1 (anywhere between 0 and
     * twice the wait). Default 0.2.
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /** The longest server-requested {@code Retry-After} the client honours. Default 60 s. */
    public Builder maxRetryAfter(Duration maxRetryAfter) {
      this.maxRetryAfter = nonNegative(maxRetryAfter, "maxRetryAfter");
      return this;
    }

    /** Builds the policy. */
    public RetryPolicy build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException(
            "initialBackoff ("
                + initialBackoff
                + ") must not exceed maxBackoff ("
                + maxBackoff
                + ")");
      }
      return new RetryPolicy(this);
    }

    private static Duration nonNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, was " + d);
      }
      return d;
    }
  }
}
