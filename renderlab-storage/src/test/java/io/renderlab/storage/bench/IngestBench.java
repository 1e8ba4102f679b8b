package io.renderlab.storage.bench;

import io.renderlab.core.ImageStore;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.StoredObject;
import io.renderlab.storage.ImageStores;
import io.renderlab.storage.Ingestor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * On-demand benchmark (not a test): ingests one URL into a store {@code runs} times and prints, per
 * run, the bytes, SHA-256, seconds and MiB/s, then the JVM's max heap and peak heap use. Run it
 * with {@code -Xmx64m} to show that memory does not grow with the body.
 *
 * <p>With a fourth argument, a shell command (e.g. {@code curl -s -o /tmp/copy URL}) that is run
 * and timed before every ingest, so the baseline and the ingest alternate and share the machine's
 * noise; the last line is the throughput ratio of the medians (baseline time / ingest time).
 *
 * <p>{@code java -Xmx64m -cp … io.renderlab.storage.bench.IngestBench URL STORAGE_URL RUNS
 * ['BASELINE']} (S3 credentials through {@code -Daws.accessKeyId=… -Daws.secretAccessKey=…}).
 */
public final class IngestBench {
  private IngestBench() {}

  /** See the class comment. */
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String storage = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Optional<String> baseline = args.length > 3 ? Optional.of(args[3]) : Optional.empty();
    List<Double> ingestTimes = new ArrayList<>();
    List<Double> baselineTimes = new ArrayList<>();
    try (ImageStore store = ImageStores.fromUrl(storage);
        RemoteFetcher fetcher =
            RemoteFetcher.builder().allowHost("127.0.0.1").maxBytes(1L << 30).build()) {
      Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();
      for (int i = 1; i <= runs; i++) {
        if (baseline.isPresent()) {
          long start = System.nanoTime();
          int exit = new ProcessBuilder("sh", "-c", baseline.get()).inheritIO().start().waitFor();
          double seconds = (System.nanoTime() - start) / 1e9;
          if (exit != 0) {
            throw new IllegalStateException("the baseline command failed with exit " + exit);
          }
          baselineTimes.add(seconds);
          System.out.printf(Locale.ROOT, "baseline %d: %.3f s%n", i, seconds);
        }
        long start = System.nanoTime();
        StoredObject stored = ingestor.ingest(url, "bench", "run" + i);
        double seconds = (System.nanoTime() - start) / 1e9;
        ingestTimes.add(seconds);
        System.out.printf(
            Locale.ROOT,
            "ingest %d: %d bytes sha256=%s %.3f s %.1f MiB/s key=%s%n",
            i,
            stored.bytes(),
            stored.sha256(),
            seconds,
            stored.bytes() / seconds / (1 << 20),
            stored.key());
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "max heap %d MiB, peak heap used (sum of pool peaks) %d MiB%n",
        Runtime.getRuntime().maxMemory() >> 20,
        peak >> 20);
    System.out.printf(
        Locale.ROOT,
        "ingest median %.3f s min %.3f s max %.3f s%n",
        median(ingestTimes),
        Collections.min(ingestTimes),
        Collections.max(ingestTimes));
    if (!baselineTimes.isEmpty()) {
      System.out.printf(
          Locale.ROOT,
          "baseline median %.3f s min %.3f s max %.3f s%n",
          median(baselineTimes),
          Collections.min(baselineTimes),
          Collections.max(baselineTimes));
      System.out.printf(
          Locale.ROOT,
          "throughput ratio (baseline/ingest): medians %.2f, best runs %.2f%n",
          median(baselineTimes) / median(ingestTimes),
          Collections.min(baselineTimes) / Collections.min(ingestTimes));
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
