package io.renderlab.storage.bench;

import com.adobe.testing.s3mock.S3MockApplication;
import java.util.HashMap;
import java.util.Map;

/**
 * On-demand benchmark helper (not a test): S3Mock in its own JVM, so the ingest JVM's {@code
 * -Xmx64m} measures the ingest alone.
 *
 * <p>{@code java -cp … io.renderlab.storage.bench.BenchS3Server PORT ROOT_FOLDER}
 */
public final class BenchS3Server {
  private BenchS3Server() {}

  /** Starts S3Mock on {@code args[0]} with bucket {@code bench}, storing under {@code args[1]}. */
  public static void main(String[] args) {
    S3MockApplication app =
        S3MockApplication.start(
            new HashMap<>(
                Map.of(
                    S3MockApplication.PROP_HTTP_PORT,
                    args[0],
                    S3MockApplication.PROP_HTTPS_PORT,
                    S3MockApplication.RANDOM_PORT,
                    "com.adobe.testing.s3mock.store.initialBuckets",
                    "bench",
                    "com.adobe.testing.s3mock.store.root",
                    args[1],
                    S3MockApplication.PROP_SILENT,
                    true)));
    System.out.println("S3Mock on http://127.0.0.1:" + args[0] + " (" + app + ")");
  }
}
