package io.renderlab.replicate;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Time for tests that must not wait for it to pass. */
final class TestClocks {
  private TestClocks() {}

  /**
   * A one-thread scheduler that records every delay it is asked for and runs the task at once, so a
   * test can check a 30 s {@code Retry-After} was honoured without waiting 30 s.
   */
  static final class InstantScheduler extends ScheduledThreadPoolExecutor {
    final List<Duration> delays = new CopyOnWriteArrayList<>();

    InstantScheduler() {
      super(
          1,
          r -> {
            Thread t = new Thread(r, "test-instant-scheduler");
            t.setDaemon(true);
            return t;
          });
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      delays.add(Duration.ofNanos(unit.toNanos(delay)));
      return super.schedule(command, 0, unit);
    }
  }
}
