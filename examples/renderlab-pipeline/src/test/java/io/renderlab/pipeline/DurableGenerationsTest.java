package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.RecoveryPass;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionFailedException;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generations survive the process that started them: instances share an H2 file database and a
 * folder store, Replicate is a stateful fake, and an instance "dies" by losing its threads without
 * giving its leases back.
 */
class DurableGenerationsTest {
  @TempDir Path temp;
  StatefulReplicate fake;
  DataSource database;
  FolderImageStore store;
  final List<Instance> instances = new ArrayList<>();

  /** One process's worth of clients. */
  final class Instance {
    final JdbcImageCatalog catalog;
    final ReplicateClient replicate;
    final ThumbnailService thumbnails;
    final RenderLabPipeline pipeline;

    Instance(String name, Clock clock) {
      catalog = JdbcImageCatalog.builder().dataSource(database).clock(clock).build();
      catalog.migrate();
      replicate =
          ReplicateClient.builder()
              .token("r8_test")
              .baseUrl(fake.baseUrl())
              .createsPerMinute(0)
              .pollSchedule(Duration.ofMillis(20), 1.0, Duration.ofMillis(20))
              .retryPolicy(
                  RetryPolicy.builder()
                      .initialBackoff(Duration.ZERO)
                      .maxBackoff(Duration.ZERO)
                      .build())
              .build();
      thumbnails =
          ThumbnailService.builder()
              .catalog(catalog)
              .jobs(catalog.thumbnailJobs())
              .store(store)
              .workers(1)
              .clock(clock)
              .build()
              .start();
      Ingestor ingestor =
          Ingestor.builder()
              .store(store)
              .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
              .retryPolicy(RetryPolicy.builder().maxAttempts(1).build())
              .build();
      pipeline =
          RenderLabPipeline.builder()
              .replicate(replicate)
              .ingestor(ingestor)
              .catalog(catalog)
              .thumbnails(thumbnails)
              .instanceId(name)
              .leaseDuration(Duration.ofSeconds(3))
              .clock(clock)
              .build();
      instances.add(this);
    }

    /** Dies: threads gone, leases kept until they lapse. */
    void die() {
      pipeline.abandon();
      replicate.close();
      thumbnails.close();
    }

    void close() {
      pipeline.close();
      replicate.close();
      thumbnails.close();
    }
  }

  @BeforeEach
  void start() throws IOException {
    fake = new StatefulReplicate(PipelineContract.OUTPUT_PNG, false);
    database = newDatabase();
    store = FolderImageStore.of(temp.resolve("objects"));
  }

  /** The database every instance shares: an H2 file here. */
  DataSource newDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + temp.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @AfterEach
  void stop() throws IOException {
    instances.forEach(Instance::close);
    fake.close();
  }

  /** A clock far enough ahead that every lease written with the system clock has lapsed. */
  static MutableClock later() {
    return new MutableClock(Instant.now().plus(Duration.ofMinutes(1)));
  }

  long storedOutputs() throws IOException {
    try (Stream<Path> files = Files.walk(temp.resolve("objects"))) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.toString().contains("/thumbs/"))
          .count();
    }
  }

  @Test
  void aGenerationWhoseProcessDiesIsFinishedByAnotherInstanceWithoutASecondCreate()
      throws Exception {
    Instance a = new Instance("instance-a", Clock.systemUTC());
    GenerationHandle handle = a.pipeline.submit(GenerateRequest.of("ada", "a castle at dusk"));
    assertThat(fake.firstPoll.await(10, TimeUnit.SECONDS))
        .as("instance a waits on the prediction")
        .isTrue();
    a.die();
    Generation orphan = a.catalog.generations().find(handle.id()).orElseThrow();
    assertThat(orphan.status()).isEqualTo(GenerationStatus.RUNNING);
    assertThat(orphan.predictionId()).as("saved the moment Replicate answered").contains("gen1");
    fake.release();

    // A running clock a minute ahead (every lease instance a wrote has lapsed for b): b's
    // thumbnail worker has to see time pass, as any real instance does.
    Instance b = new Instance("instance-b", Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)));
    RecoveryPass pass = b.pipeline.recover(10);

    assertThat(pass).isEqualTo(new RecoveryPass(1, 1, 0));
    List<ImageRecord> records = b.catalog.generations().records(handle.id());
    assertThat(records).hasSize(1);
    assertThat(records.get(0).predictionId()).contains("gen1");
    assertThat(records.get(0).prompt()).contains("a castle at dusk");
    assertThat(b.pipeline.awaitThumbnails(records, Duration.ofSeconds(60)).get(0).thumbUrl())
        .isPresent();
    assertThat(b.pipeline.generation(handle.id()).orElseThrow().status())
        .isEqualTo(GenerationStatus.SUCCEEDED);
    assertThat(fake.creates.get()).as("the prediction was created once").isEqualTo(1);
    assertThat(b.pipeline.recover(10)).as("nothing left").isEqualTo(new RecoveryPass(0, 0, 0));
  }

  @Test
  void aCreateWhoseAnswerWasLostIsFoundInTheListAndNeverResent() throws Exception {
    fake.release();
    MutableClock clock = later();
    Instance b = new Instance("instance-b", clock);
    var input = new ObjectMapper().createObjectNode().put("prompt", "a lighthouse");
    Generation lost =
        b.catalog
            .generations()
            .create(
                Generation.builder()
                    .userId("ada")
                    .kind(GenerationKind.GENERATE)
                    .model("google/nano-banana")
                    .prompt("a lighthouse")
                    .inputJson(input.toString())
                    .deadline(Instant.now().plus(Duration.ofMinutes(10)))
                    .createdAt(Instant.now())
                    .build(),
                "instance-dead",
                Duration.ofSeconds(1));
    String predictionId = fake.startedElsewhere(input);
    clock.advance(Duration.ofSeconds(2)); // the dead instance's lease lapses

    RecoveryPass pass = b.pipeline.recover(10);

    assertThat(pass).isEqualTo(new RecoveryPass(1, 1, 0));
    assertThat(b.pipeline.generation(lost.id()).orElseThrow().predictionId())
        .contains(predictionId);
    assertThat(b.catalog.generations().records(lost.id())).hasSize(1);
    assertThat(fake.creates.get()).as("no create was sent by the recovery").isEqualTo(1);
  }

  @Test
  void aCreateThatNeverReachedReplicateEndsFailedAfterItsLookupsWithoutBeingSent() {
    MutableClock clock = later();
    Instance b = new Instance("instance-b", clock);
    Generation lost =
        b.catalog
            .generations()
            .create(
                Generation.builder()
                    .userId("ada")
                    .kind(GenerationKind.GENERATE)
                    .model("google/nano-banana")
                    .prompt("never sent")
                    .inputJson("{\"prompt\":\"never sent\"}")
                    .deadline(Instant.now().plus(Duration.ofMinutes(10)))
                    .createdAt(Instant.now())
                    .build(),
                "instance-dead",
                Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(2));

    for (int i = 1; i < 3; i++) { // the engine looks three times before giving up
      assertThat(b.pipeline.recover(10))
          .as("looked up, postponed")
          .isEqualTo(new RecoveryPass(1, 0, 0));
      clock.advance(Duration.ofMinutes(1));
    }
    assertThat(b.pipeline.recover(10)).isEqualTo(new RecoveryPass(1, 0, 1));

    Generation failed = b.pipeline.generation(lost.id()).orElseThrow();
    assertThat(failed.status()).isEqualTo(GenerationStatus.FAILED);
    assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e).contains("not re-sent"));
    assertThat(fake.creates.get()).isZero();
  }

  @Test
  void submitReturnsAHandleWhoseFutureHoldsTheRecordsOfTheGeneration() throws Exception {
    fake.release();
    Instance a = new Instance("instance-a", Clock.systemUTC());

    GenerationHandle handle = a.pipeline.submit(GenerateRequest.of("ada", "a red bicycle"));
    List<ImageRecord> records = handle.records().get(30, TimeUnit.SECONDS);

    assertThat(records).hasSize(1);
    assertThat(handle.status()).isEqualTo(GenerationStatus.SUCCEEDED);
    assertThat(a.catalog.generations().records(handle.id())).isEqualTo(records);
    assertThat(a.pipeline.generation(handle.id()).orElseThrow().leaseOwner()).isEmpty();
    assertThat(a.pipeline.generation(UUID.randomUUID())).isEmpty();
  }

  @Test
  void failedRemovedAndGoneOutputsEndFailedAndExpiredWithErrorsThatSaySo() throws Exception {
    fake.release();
    Instance a = new Instance("instance-a", Clock.systemUTC());

    GenerationHandle failed = a.pipeline.submit(GenerateRequest.of("ada", "please fail"));
    GenerationHandle removed = a.pipeline.submit(GenerateRequest.of("ada", "removed output"));
    GenerationHandle gone = a.pipeline.submit(GenerateRequest.of("ada", "gone output"));

    assertThatThrownBy(() -> failed.records().join())
        .hasCauseInstanceOf(PredictionFailedException.class);
    assertThatThrownBy(() -> removed.records().join()).hasMessageContaining("data_removed");
    assertThatThrownBy(() -> gone.records().join()).hasMessageContaining("expired");
    assertThat(failed.generation().status()).isEqualTo(GenerationStatus.FAILED);
    assertThat(failed.generation().error()).hasValueSatisfying(e -> assertThat(e).contains("NSFW"));
    assertThat(removed.generation().status()).isEqualTo(GenerationStatus.EXPIRED);
    assertThat(removed.generation().error())
        .hasValueSatisfying(e -> assertThat(e).contains("already deleted"));
    assertThat(gone.generation().status()).isEqualTo(GenerationStatus.EXPIRED);
    assertThat(gone.generation().error()).hasValueSatisfying(e -> assertThat(e).contains("404"));
    assertThat(storedOutputs()).isZero();
  }

  @Test
  void aWebhookInAnotherInstanceLeavesTheGenerationToItsLiveHolderAndNothingIsStoredTwice()
      throws Exception {
    Instance a = new Instance("instance-a", Clock.systemUTC());
    Instance b = new Instance("instance-b", Clock.systemUTC());
    GenerationHandle handle = a.pipeline.submit(GenerateRequest.of("ada", "a harbour"));
    assertThat(fake.firstPoll.await(10, TimeUnit.SECONDS)).isTrue();
    fake.release();
    Prediction delivered = b.replicate.predictions().get("gen1");

    // Instance a holds a live lease: b's delivery leaves the outputs to it (one download).
    Generation completed = b.pipeline.complete(delivered).orElseThrow();
    Generation again = b.pipeline.complete(delivered).orElseThrow();
    List<ImageRecord> waited = handle.records().get(30, TimeUnit.SECONDS);

    assertThat(completed.status())
        .isIn(GenerationStatus.RUNNING, GenerationStatus.INGESTING, GenerationStatus.SUCCEEDED);
    assertThat(again.status())
        .isIn(GenerationStatus.RUNNING, GenerationStatus.INGESTING, GenerationStatus.SUCCEEDED);
    assertThat(b.pipeline.generation(handle.id()).orElseThrow().status())
        .isEqualTo(GenerationStatus.SUCCEEDED);
    // Compared by id: the thumbnail worker may set thumb_url between the two reads.
    assertThat(waited)
        .extracting(ImageRecord::id)
        .isEqualTo(
            b.catalog.generations().records(handle.id()).stream().map(ImageRecord::id).toList())
        .hasSize(1);
    assertThat(a.catalog.findByPrediction("gen1")).hasSize(1);
    assertThat(storedOutputs()).as("the output is stored once").isEqualTo(1);
    assertThat(
            b.pipeline.complete(Prediction.parse("{\"id\":\"unknown\",\"status\":\"succeeded\"}")))
        .isEmpty();
  }

  @Test
  void twoInstancesShareTheDatabaseAndTheSurvivorFinishesTheDeadOnesGenerations() throws Exception {
    Instance a = new Instance("instance-a", Clock.systemUTC());
    // The survivor's clock runs a minute ahead, so the dead instance's leases have lapsed for it.
    Instance b = new Instance("instance-b", Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)));
    GenerationHandle a1 = a.pipeline.submit(GenerateRequest.of("ada", "first of a"));
    GenerationHandle a2 = a.pipeline.submit(GenerateRequest.of("ada", "second of a"));
    GenerationHandle b1 = b.pipeline.submit(GenerateRequest.of("bob", "one of b"));
    assertThat(fake.awaitPolled(3, Duration.ofSeconds(20)))
        .as("all three wait on their predictions")
        .isTrue();
    a.die();
    fake.release();

    RecoveryPass pass = b.pipeline.recover(10);

    assertThat(pass)
        .as("b takes a's two, not its own live one")
        .isEqualTo(new RecoveryPass(2, 2, 0));
    assertThat(b1.records().get(30, TimeUnit.SECONDS)).hasSize(1);
    for (GenerationHandle h : List.of(a1, a2, b1)) {
      List<ImageRecord> records = b.catalog.generations().records(h.id());
      assertThat(records).hasSize(1);
      assertThat(b.pipeline.awaitThumbnails(records, Duration.ofSeconds(60)).get(0).thumbUrl())
          .isPresent();
      assertThat(b.pipeline.generation(h.id()).orElseThrow().status())
          .isEqualTo(GenerationStatus.SUCCEEDED);
    }
    assertThat(fake.creates.get()).as("one create per generation").isEqualTo(3);
  }
}
