package io.renderlab.replicate.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small cache with a size bound (least recently used out first) and a time to live on the
 * injected clock. Thread-safe (synchronized: entries are few and operations tiny).
 *
 * @param <V> the cached values
 */
public final class TtlCache<V> {
  private final int maxEntries;
  private final Duration ttl;
  private final Clock clock;
  private final LinkedHashMap<String, Entry<V>> entries;

  private record Entry<V>(V value, Instant expiresAt) {}

  /**
   * A cache.
   *
   * @param maxEntries the most entries kept, at least 1
   * @param ttl how long an entry is used after it was put
   * @param clock the clock the time to live follows
   */
  public TtlCache(int maxEntries, Duration ttl, Clock clock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Entry<V>> eldest) {
            return size() > TtlCache.this.maxEntries;
          }
        };
  }

  /** The live value under {@code key}, if any. */
  public synchronized Optional<V> get(String key) {
    Entry<V> e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(e.expiresAt())) {
      entries.remove(key);
      return Optional.empty();
    }
    return Optional.of(e.value());
  }

  /** Keeps {@code value} under {@code key} for the time to live. */
  public synchronized void put(String key, V value) {
    entries.put(
        key, new Entry<>(Objects.requireNonNull(value, "value"), clock.instant().plus(ttl)));
  }

  /** How many entries are held (expired ones included until read). */
  public synchronized int size() {
    return entries.size();
  }
}
