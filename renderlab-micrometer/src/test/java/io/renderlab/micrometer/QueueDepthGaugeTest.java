package io.renderlab.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueueDepthGaugeTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T10:00:00Z"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private JdbcDataSource database;
  private JdbcImageCatalog catalog;
  private QueueDepthGauge gauge;

  @BeforeEach
  void setUp() {
    database = new JdbcDataSource();
    database.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(database).build();
    catalog.migrate();
    gauge =
        QueueDepthGauge.builder(catalog.thumbnailJobs())
            .interval(Duration.ofSeconds(15))
            .clock(clock)
            .build();
    gauge.bindTo(registry);
  }

  private void saveImages(int n) {
    for (int i = 0; i < n; i++) {
      catalog.save(
          ImageRecord.builder()
              .userId("ada")
              .kind(ImageKind.UPLOADED)
              .name("photo.png")
              .url("https://cdn.example.com/" + UUID.randomUUID() + ".png")
              .storageKey("ada/photo.png")
              .build());
    }
  }

  private double scrape() {
    return registry.get(QueueDepthGauge.NAME).gauge().value();
  }

  @Test
  void countsThePendingJobsAtMostOncePerIntervalWhateverTheScrapeRate() {
    saveImages(3);

    for (int i = 0; i < 100; i++) {
      assertThat(scrape()).isEqualTo(3.0);
      clock.advance(Duration.ofMillis(100)); // 10 s of scrapes, ten a second
    }
    assertThat(gauge.counts()).isOne();

    saveImages(2);
    assertThat(scrape()).as("the last count, until the interval has passed").isEqualTo(3.0);
    clock.advance(Duration.ofSeconds(5));
    assertThat(scrape()).isEqualTo(5.0);
    assertThat(gauge.counts()).isEqualTo(2);
    assertThat(registry.get(QueueDepthGauge.NAME).gauge().getId().getBaseUnit()).isEqualTo("jobs");
  }

  @Test
  void finishedJobsLeaveTheCount() {
    saveImages(2);
    var leased = catalog.thumbnailJobs().lease("worker", 1, Duration.ofSeconds(30));
    assertThat(scrape()).as("a leased job is still pending").isEqualTo(2.0);

    catalog.thumbnailJobs().complete(leased.get(0).imageId(), "worker");
    clock.advance(Duration.ofSeconds(15));

    assertThat(scrape()).isEqualTo(1.0);
  }

  @Test
  void aFailingDatabaseReadsAsNoValueAndIsRetriedOncePerInterval() throws Exception {
    saveImages(1);
    assertThat(scrape()).isEqualTo(1.0);
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
    clock.advance(Duration.ofSeconds(15));

    assertThat(scrape()).isNaN();
    assertThat(scrape()).isNaN();
    clock.advance(Duration.ofSeconds(14));
    assertThat(scrape()).isNaN();
    assertThat(gauge.counts()).as("one attempt per interval while it fails").isEqualTo(2);
  }

  @Test
  void concurrentScrapesCountOnce() throws Exception {
    saveImages(4);
    int readers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    try {
      var results = new java.util.ArrayList<Future<Double>>();
      for (int i = 0; i < readers; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return gauge.depth();
                }));
      }
      start.countDown();
      for (Future<Double> r : results) {
        assertThat(r.get())
            .satisfiesAnyOf(v -> assertThat(v).isEqualTo(4.0), v -> assertThat(v).isNaN());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(gauge.counts()).isOne();
    assertThat(gauge.depth()).isEqualTo(4.0);
  }

  @Test
  void theIntervalMustBePositive() {
    var builder = QueueDepthGauge.builder(catalog.thumbnailJobs());
    assertThatThrownBy(() -> builder.interval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interval must be positive");
    assertThatThrownBy(() -> builder.interval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(builder.interval(Duration.ofNanos(1)).build().interval())
        .isEqualTo(Duration.ofNanos(1));
    assertThat(QueueDepthGauge.builder(catalog.thumbnailJobs()).build().interval())
        .isEqualTo(QueueDepthGauge.DEFAULT_INTERVAL);
    assertThatThrownBy(() -> QueueDepthGauge.builder(null))
        .isInstanceOf(NullPointerException.class);
  }

  /** A clock the test moves. */
  static final class ManualClock extends Clock {
    private volatile Instant now;

    ManualClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
