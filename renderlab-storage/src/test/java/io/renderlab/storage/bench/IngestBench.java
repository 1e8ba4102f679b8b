package io.renderlab.storage.bench;

import io.renderlab.core.ImageStore;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.StoredObject;
import io.renderlab.storage.ImageStores;
import io.renderlab.storage.Ingestor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import java.util.Optional;

/**
 * On-demand benchmark (not a test): ingests one URL into a store {@code runs} times and prints,
 * per run, the bytes, SHA-256, seconds and MiB/s, then the JVM's max heap and peak heap use.
 * Run it with {@code -Xmx64m} to show that memory does not grow with the body.
 *
 * <p>{@code java -Xmx64m -cp … io.renderlab.storage.bench.IngestBench URL STORAGE_URL RUNS}
 * (S3 credentials through {@code -Daws.accessKeyId=… -Daws.secretAccessKey=…}).
 */
public final class IngestBench {
  private IngestBench() {}

  /** See the class comment. */
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String storage = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    try (ImageStore store = ImageStores.fromUrl(storage, Optional.empty());
        RemoteFetcher fetcher = RemoteFetcher.builder().allowHost("127.0.0.1").maxBytes(1L << 30).build()) {
      Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();
      for (int i = 1; i <= runs; i++) {
        long start = System.nanoTime();
        StoredObject stored = ingestor.ingest(url, "bench", "run" + i);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "run %d: %d bytes sha256=%s %.3f s %.1f MiB/s key=%s%n",
            i, stored.bytes(), stored.sha256(), seconds, stored.bytes() / seconds / (1 << 20), stored.key());
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(Locale.ROOT, "max heap %d MiB, peak heap used (sum of pool peaks) %d MiB%n",
        Runtime.getRuntime().maxMemory() >> 20, peak >> 20);
  }
}
