package io.renderlab.server;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a catalog outage once when it starts (the first 503) and once when a request succeeds again,
 * instead of a line per failing request. Thread-safe.
 */
final class CatalogOutage {
  private final Logger log;
  private final AtomicLong failures = new AtomicLong();
  private volatile long since;

  CatalogOutage(Logger log) {
    this.log = log;
  }

  void failed(Exception e) {
    if (failures.getAndIncrement() == 0) {
      since = System.nanoTime();
      log.warn(
          "The catalog database is unavailable ({}); requests answer 503 until it is back. Logging again then.",
          e.getMessage());
    }
  }

  void succeeded() {
    long n = failures.get();
    if (n > 0 && failures.compareAndSet(n, 0)) {
      log.info(
          "The catalog database is back after {} s ({} request(s) answered 503).",
          (System.nanoTime() - since) / 1_000_000_000L,
          n);
    }
  }
}
