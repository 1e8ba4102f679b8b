package io.renderlab.core.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * Logs a dependency's outage once when it starts and once when it ends, instead of a stack trace
 * per failed attempt (a worker polling every second while the database is down). The failures in
 * between go to {@code debug}. Thread-safe. Not public API.
 */
public final class OutageLog {
  private final Logger log;
  private final String what;
  private final Clock clock;
  private Instant since;
  private long failures;

  /**
   * An outage log.
   *
   * @param log where to write
   * @param what the dependency and who uses it, for the message: {@code "The thumbnail worker's
   *     database"}
   */
  public OutageLog(Logger log, String what, Clock clock) {
    this.log = Objects.requireNonNull(log, "log");
    this.what = Objects.requireNonNull(what, "what");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Records a failed attempt; logs a warning (message only) when it is the first of an outage. */
  public void failed(Throwable e) {
    boolean first;
    synchronized (this) {
      first = since == null;
      if (first) {
        since = clock.instant();
        failures = 0;
      }
      failures++;
    }
    if (first) {
      log.warn(
          "{} is unavailable: {}. Retrying quietly; another line follows when it is back.",
          what,
          describe(e));
    } else {
      log.debug("{} still unavailable", what, e);
    }
  }

  /** Records a successful attempt; logs once when it ends an outage. */
  public void succeeded() {
    Instant started;
    long count;
    synchronized (this) {
      if (since == null) {
        return;
      }
      started = since;
      count = failures;
      since = null;
      failures = 0;
    }
    log.info(
        "{} is back after {} s ({} failed attempt(s)).",
        what,
        Duration.between(started, clock.instant()).toSeconds(),
        count);
  }

  /** Whether an outage is in progress. */
  public synchronized boolean inOutage() {
    return since != null;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
