package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.ImageStore;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.storage.Ingestor;
import io.renderlab.storage.S3ImageStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The pipeline scaled out: a real PostgreSQL and a real S3-protocol server (S3Mock). */
class PipelineOnPostgresAndS3Test extends PipelineContract {
  @RegisterExtension
  static final S3MockExtension S3 =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withInitialBuckets("renderlab-images")
          .build();

  @Override
  DataSource database() {
    return EmbeddedPostgres.freshDatabase();
  }

  @Override
  ImageStore newStore(Path temp) {
    try (var s3 = S3.createS3ClientV2()) {
      s3.listObjectsV2Paginator(r -> r.bucket("renderlab-images"))
          .contents()
          .forEach(o -> s3.deleteObject(d -> d.bucket("renderlab-images").key(o.key())));
    }
    return S3ImageStore.builder()
        .bucket("renderlab-images")
        .endpoint(URI.create("http://127.0.0.1:" + S3.getHttpPort()))
        .pathStyle(true)
        .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
        .build();
  }

  @Override
  long objectCount() {
    try (var s3 = S3.createS3ClientV2()) {
      return s3.listObjectsV2Paginator(r -> r.bucket("renderlab-images")).contents().stream()
          .filter(o -> !o.key().startsWith("thumbs/"))
          .count();
    }
  }

  @Test
  void aMissingBucketEndsTheGenerationFailedNamingTheBucketAndNothingStaysIngesting() {
    ImageStore missing =
        S3ImageStore.builder()
            .bucket("no-such-bucket")
            .endpoint(URI.create("http://127.0.0.1:" + S3.getHttpPort()))
            .pathStyle(true)
            .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
            .build();
    Ingestor ingestor =
        Ingestor.builder()
            .store(missing)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    Generations generations =
        Generations.builder()
            .replicate(replicate)
            .ingestor(ingestor)
            .store(catalog.generations())
            .build();
    try {
      GenerationHandle handle =
          generations.submit(
              GenerationRequest.builder()
                  .userId("ada")
                  .prompt("a harbour")
                  .prediction(
                      PredictionRequest.model("google/nano-banana")
                          .put("prompt", "a harbour")
                          .build())
                  .build());

      assertThat(handle.records()).failsWithin(Duration.ofSeconds(30));
      Generation g = generations.find(handle.id()).orElseThrow();
      assertThat(g.status()).isEqualTo(GenerationStatus.FAILED);
      assertThat(g.error()).hasValueSatisfying(e -> assertThat(e).contains("no-such-bucket"));
      assertThat(generations.recover(10).resumed()).as("nothing left to retry").isZero();
    } finally {
      generations.close();
      missing.close();
    }
  }
}
