package io.renderlab.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.renderlab.core.EventListener;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Micrometer meters for what the SDK does, as an {@link EventListener}: give it to each client's
 * builder ({@code listener(...)}) and the registry shows predictions by model and outcome with
 * their durations, bytes and time of every stored output, thumbnail render time, leases lost and
 * taken over, and generations ended, recovered, expired or given up. Works with any registry, with
 * or without Spring (the Spring Boot starter registers one on the application's registry).
 *
 * <pre>{@code
 * RenderLabMetrics metrics = RenderLabMetrics.of(registry);
 * Generations generations = Generations.builder()...listener(metrics).build();
 * ThumbnailService thumbnails = ThumbnailService.builder()...listener(metrics).build();
 * }</pre>
 *
 * <p>Meters ({@code renderlab.} prefix): {@code predictions} (timer; tags {@code model}, {@code
 * outcome}), {@code ingest} (timer; {@code outcome}), {@code ingest.bytes} (summary, bytes), {@code
 * thumbnails} (timer; {@code outcome} {@code rendered}, {@code retrying} or {@code failed}), {@code
 * leases.lost}, {@code leases.taken.over} (counters), {@code generations} (timer; {@code model},
 * {@code outcome}), {@code generations.recovered}, {@code generations.expired}, {@code
 * generations.given.up} (counters). The {@code model} tag is the model, version or deployment the
 * application asked for, so its cardinality is the application's own set of models. Thread-safe;
 * each event costs a map lookup and a meter update.
 */
public final class RenderLabMetrics extends EventListener {
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final Timer ingest;
  private final Timer ingestFailed;
  private final DistributionSummary ingestBytes;
  private final Timer thumbnails;
  private final Counter thumbnailsRetrying;
  private final Counter thumbnailsFailed;
  private final Counter leasesLost;
  private final Counter leasesTakenOver;
  private final Counter recovered;
  private final Counter expired;
  private final Counter givenUp;

  private RenderLabMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.ingest = timer("renderlab.ingest", "Outputs downloaded and stored", "outcome", "stored");
    this.ingestFailed =
        timer("renderlab.ingest", "Outputs downloaded and stored", "outcome", "failed");
    this.ingestBytes =
        DistributionSummary.builder("renderlab.ingest.bytes")
            .description("Size of each stored output")
            .baseUnit("bytes")
            .register(registry);
    this.thumbnails = timer("renderlab.thumbnails", "Thumbnails rendered", "outcome", "rendered");
    this.thumbnailsRetrying = counter("renderlab.thumbnails.failures", "retryable", "true");
    this.thumbnailsFailed = counter("renderlab.thumbnails.failures", "retryable", "false");
    this.leasesLost = counter("renderlab.leases.lost");
    this.leasesTakenOver = counter("renderlab.leases.taken.over");
    this.recovered = counter("renderlab.generations.recovered");
    this.expired = counter("renderlab.generations.expired");
    this.givenUp = counter("renderlab.generations.given.up");
  }

  /**
   * A listener that records into {@code registry}.
   *
   * @throws NullPointerException if {@code registry} is null
   */
  public static RenderLabMetrics of(MeterRegistry registry) {
    return new RenderLabMetrics(Objects.requireNonNull(registry, "registry"));
  }

  private Timer timer(String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags).register(registry);
  }

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }

  /** One timer per (meter, model, outcome), built once: the hot path is a map lookup. */
  private Timer timer(String name, String description, String model, String outcome) {
    String m = model == null ? "unknown" : model;
    String o = outcome == null ? "unknown" : outcome.toLowerCase(Locale.ROOT);
    return timers.computeIfAbsent(
        name + '\n' + m + '\n' + o,
        k ->
            Timer.builder(name)
                .description(description)
                .tags(Tags.of("model", m, "outcome", o))
                .register(registry));
  }

  @Override
  public void predictionEnded(String model, String predictionId, String status, Duration elapsed) {
    timer("renderlab.predictions", "Replicate predictions, create to end", model, status)
        .record(elapsed);
  }

  @Override
  public void ingestEnded(String key, long bytes, Duration elapsed) {
    ingest.record(elapsed);
    ingestBytes.record(bytes);
  }

  @Override
  public void ingestFailed(String key, Throwable cause) {
    ingestFailed.record(Duration.ZERO);
  }

  @Override
  public void thumbnailRendered(UUID imageId, Duration elapsed) {
    thumbnails.record(elapsed);
  }

  @Override
  public void thumbnailFailed(UUID imageId, Throwable cause, boolean retryable) {
    (retryable ? thumbnailsRetrying : thumbnailsFailed).increment();
  }

  @Override
  public void leaseLost(UUID generationId) {
    leasesLost.increment();
  }

  @Override
  public void leaseTakenOver(UUID generationId, int attempt) {
    leasesTakenOver.increment();
  }

  @Override
  public void generationEnded(UUID generationId, String model, String status, Duration elapsed) {
    timer("renderlab.generations", "Generations, written to ended", model, status).record(elapsed);
  }

  @Override
  public void generationRecovered(UUID generationId) {
    recovered.increment();
  }

  @Override
  public void generationExpired(UUID generationId) {
    expired.increment();
  }

  @Override
  public void generationGivenUp(UUID generationId, String reason) {
    givenUp.increment();
  }

  @Override
  public String toString() {
    return "RenderLabMetrics{" + registry.getClass().getSimpleName() + '}';
  }
}
