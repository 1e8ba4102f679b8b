package com.example.boot35;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.testing.FakeReplicate;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The dependency set runs: the application boots on Boot 3.5 with the starter, against the fake
 * Replicate, on H2 and a folder store, and a generation ends stored and recorded; the AWS SDK
 * builds an S3 client on its JDK transport.
 */
class HostApplicationTest {
  @TempDir static Path dir;
  static FakeReplicate fake;
  static ConfigurableApplicationContext app;

  @BeforeAll
  static void boot() {
    fake = FakeReplicate.start();
    app =
        new SpringApplicationBuilder(HostApplication.class)
            .run(
                "--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:boot35;DB_CLOSE_DELAY=-1",
                "--renderlab.replicate.token=r8_host",
                "--renderlab.replicate.base-url=" + fake.baseUrl(),
                "--renderlab.replicate.webhook-secret=" + fake.webhookSecret(),
                "--renderlab.storage.url=" + dir.resolve("images").toUri(),
                "--renderlab.fetch.allow-hosts=127.0.0.1");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    fake.close();
  }

  @Test
  void theStarterRunsAGenerationIntoTheFolderStoreAndTheCatalog() {
    Generations generations = app.getBean(Generations.class);
    List<ImageRecord> images =
        generations.run(
            GenerationRequest.builder()
                .userId("user-1")
                .prompt("a lighthouse")
                .prediction(
                    PredictionRequest.model("black-forest-labs/flux-schnell")
                        .put("prompt", "a lighthouse")
                        .build())
                .build());

    assertThat(images).hasSize(1);
    assertThat(dir.resolve("images")).isNotEmptyDirectory();
    assertThat(app.getBean(ImageCatalog.class).history(HistoryQuery.of("user-1")).images())
        .hasSize(1);
    assertThat(fake.creates()).isEqualTo(1);
  }

  @Test
  void theAwsSdkBuildsAnS3ClientOnItsJdkTransport() {
    try (S3Client s3 =
        S3Client.builder()
            .region(Region.EU_WEST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .build()) {
      assertThat(s3.serviceName()).isEqualTo("s3");
    }
  }
}
