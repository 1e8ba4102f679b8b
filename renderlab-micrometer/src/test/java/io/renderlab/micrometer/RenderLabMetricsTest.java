package io.renderlab.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RenderLabMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RenderLabMetrics metrics = RenderLabMetrics.of(registry);

  @Test
  void predictionsAreTimedByModelAndOutcome() {
    metrics.predictionEnded("owner/a", "p1", "succeeded", Duration.ofSeconds(2));
    metrics.predictionEnded("owner/a", "p2", "succeeded", Duration.ofSeconds(4));
    metrics.predictionEnded("owner/a", "p3", "failed", Duration.ofSeconds(1));
    metrics.predictionEnded("owner/b", "p4", "succeeded", Duration.ofSeconds(1));

    var ok =
        registry.get("renderlab.predictions").tag("model", "owner/a").tag("outcome", "succeeded");
    assertThat(ok.timer().count()).isEqualTo(2);
    assertThat(ok.timer().totalTime(TimeUnit.SECONDS)).isEqualTo(6.0);
    assertThat(
            registry
                .get("renderlab.predictions")
                .tag("model", "owner/a")
                .tag("outcome", "failed")
                .timer()
                .count())
        .isOne();
    assertThat(registry.get("renderlab.predictions").timers()).hasSize(3);
  }

  @Test
  void ingestRecordsBytesAndTimeAndFailures() {
    metrics.ingestEnded("u/a.png", 1_000, Duration.ofMillis(300));
    metrics.ingestEnded("u/b.png", 3_000, Duration.ofMillis(100));
    metrics.ingestFailed("u/c.png", new RuntimeException("x"));

    assertThat(registry.get("renderlab.ingest.bytes").summary().totalAmount()).isEqualTo(4_000);
    assertThat(
            registry
                .get("renderlab.ingest")
                .tag("outcome", "stored")
                .timer()
                .totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(400.0);
    assertThat(registry.get("renderlab.ingest").tag("outcome", "failed").timer().count()).isOne();
  }

  @Test
  void thumbnailsLeasesAndGenerationsAreCounted() {
    UUID id = UUID.randomUUID();
    metrics.thumbnailRendered(id, Duration.ofMillis(40));
    metrics.thumbnailFailed(id, new RuntimeException("x"), true);
    metrics.thumbnailFailed(id, new RuntimeException("x"), false);
    metrics.leaseLost(id);
    metrics.leaseTakenOver(id, 2);
    metrics.generationEnded(id, "owner/a", "succeeded", Duration.ofSeconds(9));
    metrics.generationRecovered(id);
    metrics.generationExpired(id);
    metrics.generationGivenUp(id, "failed");
    metrics.generationGivenUp(id, "failed");

    assertThat(registry.get("renderlab.thumbnails").timer().count()).isOne();
    assertThat(
            registry
                .get("renderlab.thumbnails.failures")
                .tag("retryable", "true")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(registry.get("renderlab.leases.lost").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("renderlab.leases.taken.over").counter().count()).isEqualTo(1.0);
    assertThat(
            registry
                .get("renderlab.generations")
                .tag("model", "owner/a")
                .tag("outcome", "succeeded")
                .timer()
                .count())
        .isOne();
    assertThat(registry.get("renderlab.generations.recovered").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("renderlab.generations.expired").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("renderlab.generations.given.up").counter().count()).isEqualTo(2.0);
  }

  @Test
  void aNullRegistryIsRefusedByName() {
    assertThatThrownBy(() -> RenderLabMetrics.of(null)).hasMessageContaining("registry");
  }
}
