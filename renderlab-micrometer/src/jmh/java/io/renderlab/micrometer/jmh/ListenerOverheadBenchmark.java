package io.renderlab.micrometer.jmh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.renderlab.core.EventListener;
import io.renderlab.micrometer.RenderLabMetrics;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link RenderLabMetrics} adds per event, against {@link EventListener#NONE}: the events of a
 * generation (prediction ended, one output stored, generation ended) and of a thumbnail.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ListenerOverheadBenchmark {
  private final EventListener none = EventListener.NONE;
  private final EventListener metrics = RenderLabMetrics.of(new SimpleMeterRegistry());
  private final UUID id = UUID.randomUUID();
  private final Duration elapsed = Duration.ofMillis(1234);

  private void generation(EventListener l) {
    l.predictionEnded("black-forest-labs/flux-schnell", "p1", "succeeded", elapsed);
    l.ingestEnded("u/generated_1_0.png", 123_456, elapsed);
    l.generationEnded(id, "black-forest-labs/flux-schnell", "succeeded", elapsed);
  }

  /** A generation's three events, no listener. */
  @Benchmark
  public void generationNone() {
    generation(none);
  }

  /** A generation's three events, recorded. */
  @Benchmark
  public void generationMetrics() {
    generation(metrics);
  }

  /** A thumbnail's event, no listener. */
  @Benchmark
  public void thumbnailNone() {
    none.thumbnailRendered(id, elapsed);
  }

  /** A thumbnail's event, recorded. */
  @Benchmark
  public void thumbnailMetrics() {
    metrics.thumbnailRendered(id, elapsed);
  }
}
