package io.renderlab.generations;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.testing.FakeReplicate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty generations whose predictions end at once, completed by everyone at the same time: the
 * instance waiting on them, a crashed instance's generations taken over by a recovery worker, and
 * webhook deliveries to a third instance and to the waiting one. Every output is downloaded and
 * stored once, and every stored object has its record.
 */
class CompletionRaceTest {
  @TempDir Path dir;

  private final FakeReplicate fake = FakeReplicate.start();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    fake.close();
  }

  @Test
  void fiftyRacingGenerationsStoreEachOutputOnceAndLeaveNoObjectWithoutARecord() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    ReplicateClient replicate =
        ReplicateClient.builder().token("r8_test").baseUrl(fake.baseUrl()).build();
    closing.add(replicate);
    Ingestor ingestor =
        Ingestor.builder()
            .store(FolderImageStore.of(dir.resolve("store")))
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    Generations waiting = instance("waiting", catalog, replicate, ingestor);
    Generations crashed = instance("crashed", catalog, replicate, ingestor);
    Generations webhooks = instance("webhooks", catalog, replicate, ingestor);
    Generations recovery = instance("recovery", catalog, replicate, ingestor);

    fake.hold();
    List<GenerationHandle> handles = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Generations by = i % 2 == 0 ? waiting : crashed;
      handles.add(by.submit(request("user-" + (i % 5), "a lighthouse " + i)));
    }
    for (GenerationHandle h : handles) {
      awaitPrediction(waiting, h.id());
    }
    crashed.abandon(); // its 25 generations keep a lease nobody renews
    fake.release();

    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<CompletableFuture<?>> racers = new ArrayList<>();
    for (GenerationHandle h : handles) {
      String predictionId = waiting.find(h.id()).orElseThrow().predictionId().orElseThrow();
      Prediction delivered = replicate.predictions().get(predictionId);
      racers.add(CompletableFuture.runAsync(() -> webhooks.complete(delivered), pool));
      racers.add(CompletableFuture.runAsync(() -> waiting.complete(delivered), pool));
    }
    Instant giveUp = Instant.now().plusSeconds(60);
    while (!allEnded(waiting, handles) && Instant.now().isBefore(giveUp)) {
      recovery.recover(50); // takes the crashed instance's generations once their leases lapse
    }
    CompletableFuture.allOf(racers.toArray(new CompletableFuture<?>[0])).join();
    pool.shutdown();

    Set<String> recordedKeys = new HashSet<>();
    for (GenerationHandle h : handles) {
      Generation g = waiting.find(h.id()).orElseThrow();
      assertThat(g.status()).as(g.toString()).isEqualTo(GenerationStatus.SUCCEEDED);
      List<ImageRecord> records = waiting.records(h.id());
      assertThat(records).hasSize(1);
      recordedKeys.add(records.get(0).storageKey());
    }
    assertThat(recordedKeys).hasSize(50);
    assertThat(storedKeys()).as("no object without a record").isEqualTo(recordedKeys);
    assertThat(fake.fileRequests()).as("each output downloaded once").isEqualTo(50);
    assertThat(fake.creates()).isEqualTo(50);
  }

  private Generations instance(
      String name, JdbcImageCatalog catalog, ReplicateClient replicate, Ingestor ingestor) {
    Generations g =
        Generations.builder()
            .replicate(replicate)
            .ingestor(ingestor)
            .store(catalog.generations())
            .instanceId(name)
            .leaseDuration(Duration.ofMillis(600))
            .retryPolicy(RetryPolicy.builder().maxAttempts(5).build())
            .build();
    closing.add(g);
    return g;
  }

  private static GenerationRequest request(String user, String prompt) {
    return GenerationRequest.builder()
        .userId(user)
        .prompt(prompt)
        .prediction(
            PredictionRequest.model("black-forest-labs/flux-schnell").put("prompt", prompt).build())
        .build();
  }

  private static void awaitPrediction(Generations g, UUID id) {
    Instant giveUp = Instant.now().plusSeconds(30);
    while (g.find(id).orElseThrow().predictionId().isEmpty()) {
      assertThat(Instant.now()).as("the create of " + id + " was answered").isBefore(giveUp);
      Thread.onSpinWait();
    }
  }

  private static boolean allEnded(Generations g, List<GenerationHandle> handles) {
    return handles.stream().allMatch(h -> g.find(h.id()).orElseThrow().status().isTerminal());
  }

  private Set<String> storedKeys() throws IOException {
    Path root = dir.resolve("store");
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(k -> !k.startsWith("thumbs/"))
          .collect(Collectors.toSet());
    }
  }
}
