package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.internal.OutageLog;
import io.renderlab.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class OutageLogTest {
  /** Records what is logged at info and above. */
  static final class RecordingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    final transient List<String> lines = new CopyOnWriteArrayList<>();
    final transient List<Throwable> throwables = new CopyOnWriteArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
      if (t != null) {
        throwables.add(t);
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  @org.junit.jupiter.api.Test
  void anOutageIsLoggedOnceWhenItStartsAndOnceWhenItEndsWithoutStackTraces() {
    RecordingLogger log = new RecordingLogger();
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    OutageLog outage = new OutageLog(log, "The worker's database", clock);

    outage.succeeded();
    assertThat(log.lines).isEmpty();
    for (int i = 0; i < 120; i++) {
      outage.failed(
          new CatalogException("Catalog database failed to lease (SQLState 08001).", null, true));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(outage.inOutage()).isTrue();
    outage.succeeded();
    outage.succeeded();

    assertThat(log.lines).hasSize(2);
    assertThat(log.lines.get(0))
        .startsWith("WARN The worker's database is unavailable: CatalogException")
        .contains("08001");
    assertThat(log.lines.get(1))
        .isEqualTo("INFO The worker's database is back after 120 s (120 failed attempt(s)).");
    assertThat(log.throwables).isEmpty();
    assertThat(outage.inOutage()).isFalse();

    outage.failed(new CatalogException("down again", null, true));
    assertThat(log.lines).hasSize(3);
  }
}
