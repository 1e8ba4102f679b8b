package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.internal.Migrations;
import io.renderlab.core.testing.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The generations table on a real database (H2 or PostgreSQL, from the subclass). */
abstract class GenerationStoreContract {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Duration LEASE = Duration.ofSeconds(30);

  MutableClock clock;
  DataSource database;
  JdbcImageCatalog catalog;
  GenerationStore generations;

  abstract DataSource freshDatabase();

  /** The catalog's table names; the defaults unless a subclass says otherwise. */
  TableNames tableNames() {
    return TableNames.defaults();
  }

  @BeforeEach
  void migrate() {
    clock = new MutableClock(T0);
    database = freshDatabase();
    catalog =
        JdbcImageCatalog.builder()
            .dataSource(database)
            .clock(clock)
            .tableNames(tableNames())
            .build();
    catalog.migrate();
    generations = catalog.generations();
  }

  Generation pending(String user) {
    return Generation.builder()
        .userId(user)
        .kind(GenerationKind.EDIT)
        .model("google/nano-banana")
        .prompt("add a door")
        .imageUrl("https://cdn.example.com/house.png")
        .maskUrl("https://cdn.example.com/mask.png")
        .baseUrl("https://cdn.example.com/base.png")
        .inputJson("{\"prompt\":\"add a door\"}")
        .deadline(clock.instant().plus(Duration.ofMinutes(10)))
        .createdAt(clock.instant())
        .build();
  }

  static ImageRecord output(Generation g, String predictionId, int i) {
    return ImageRecord.builder()
        .userId(g.userId())
        .kind(ImageKind.EDITED)
        .name("edited_" + i)
        .url("https://cdn.example.com/out-" + UUID.randomUUID() + ".png")
        .storageKey(g.userId() + "/edited_" + UUID.randomUUID() + ".png")
        .predictionId(predictionId)
        .prompt(g.prompt())
        .build();
  }

  @Test
  void aGenerationIsWrittenLeasedAndReadBack() {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);

    Generation read = generations.find(g.id()).orElseThrow();
    assertThat(read).isEqualTo(g);
    assertThat(read.status()).isEqualTo(GenerationStatus.PENDING);
    assertThat(read.leaseOwner()).contains("instance-a");
    assertThat(read.leaseUntil()).contains(T0.plus(LEASE));
    assertThat(read.maskUrl()).contains("https://cdn.example.com/mask.png");
    assertThat(generations.lease("instance-b", 10, LEASE)).as("its lease is live").isEmpty();
  }

  @Test
  void thePredictionIdIsSavedOnceAndFindsTheGeneration() {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);

    assertThat(generations.started(g.id(), "pred-1")).isTrue();
    assertThat(generations.started(g.id(), "pred-2"))
        .as("a prediction id is never replaced")
        .isFalse();
    Generation running = generations.findByPrediction("pred-1").orElseThrow();
    assertThat(running.id()).isEqualTo(g.id());
    assertThat(running.status()).isEqualTo(GenerationStatus.RUNNING);
    assertThat(generations.findByPrediction("pred-2")).isEmpty();
  }

  @Test
  void completionSavesRecordsThumbnailJobsAndStatusOnceWhateverPathCompletes() {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);
    generations.started(g.id(), "pred-1");
    List<ImageRecord> first = List.of(output(g, "pred-1", 0), output(g, "pred-1", 1));
    List<ImageRecord> second = List.of(output(g, "pred-1", 0), output(g, "pred-1", 1));

    List<ImageRecord> saved = generations.complete(g.id(), first);
    List<ImageRecord> again = generations.complete(g.id(), second);

    assertThat(saved)
        .extracting(ImageRecord::id)
        .containsExactly(first.get(0).id(), first.get(1).id());
    assertThat(again).as("the second completion returns the first one's records").isEqualTo(saved);
    assertThat(catalog.findByPrediction("pred-1")).hasSize(2);
    assertThat(catalog.thumbnailJobs().status(first.get(1).id()))
        .map(ThumbnailJobStatus::state)
        .contains(ThumbnailJobStatus.State.PENDING);
    assertThat(catalog.thumbnailJobs().status(second.get(0).id())).isEmpty();
    Generation done = generations.find(g.id()).orElseThrow();
    assertThat(done.status()).isEqualTo(GenerationStatus.SUCCEEDED);
    assertThat(done.leaseOwner()).isEmpty();
    assertThat(generations.finish(g.id(), GenerationStatus.FAILED, "late"))
        .as("a finished generation stays finished")
        .isFalse();
  }

  @Test
  void theOutputUniqueConstraintStopsASecondSetOfRecordsForTheSamePrediction() {
    Generation a = generations.create(pending("ada"), "instance-a", LEASE);
    Generation b = generations.create(pending("ada"), "instance-a", LEASE);
    generations.started(a.id(), "pred-1");
    generations.complete(a.id(), List.of(output(a, "pred-1", 0)));

    // b claims the same prediction's output 0 (a bug elsewhere): the constraint refuses it and
    // nothing of b is saved.
    List<ImageRecord> result = generations.complete(b.id(), List.of(output(b, "pred-1", 0)));

    assertThat(result).isEmpty();
    assertThat(catalog.findByPrediction("pred-1")).hasSize(1);
    assertThat(generations.find(b.id()).orElseThrow().status()).isEqualTo(GenerationStatus.PENDING);
  }

  @Test
  void racingCompletionsRecordEachOutputExactlyOnce() throws Exception {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);
    generations.started(g.id(), "pred-1");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<ImageRecord>>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        List<ImageRecord> mine = List.of(output(g, "pred-1", 0), output(g, "pred-1", 1));
        Callable<List<ImageRecord>> complete =
            () -> {
              go.await();
              return generations.complete(g.id(), mine);
            };
        results.add(pool.submit(complete));
      }
      go.countDown();
      Set<List<UUID>> seen = new java.util.HashSet<>();
      for (Future<List<ImageRecord>> f : results) {
        seen.add(f.get().stream().map(ImageRecord::id).toList());
      }
      assertThat(seen).as("every path sees the same two records").hasSize(1);
      assertThat(catalog.findByPrediction("pred-1")).hasSize(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLapsedLeaseIsTakenOverWithAnAttemptAndRenewingKeepsItAlive() {
    Generation kept = generations.create(pending("ada"), "instance-a", LEASE);
    Generation dead = generations.create(pending("ada"), "instance-a", LEASE);
    clock.advance(Duration.ofSeconds(20));
    assertThat(generations.renew("instance-a", List.of(kept.id()), LEASE)).isEqualTo(1);
    assertThat(generations.renew("instance-x", List.of(dead.id()), LEASE))
        .as("not its lease")
        .isZero();
    clock.advance(Duration.ofSeconds(15));

    List<Generation> taken = generations.lease("instance-b", 10, LEASE);

    assertThat(taken).extracting(Generation::id).containsExactly(dead.id());
    assertThat(taken.get(0).attempts()).isEqualTo(1);
    assertThat(taken.get(0).leaseOwner()).contains("instance-b");
    assertThat(generations.lease("instance-c", 10, LEASE)).isEmpty();
  }

  @Test
  void retryLaterBacksOffAndFinishEndsWithTheError() {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);
    clock.advance(LEASE);
    Generation taken = generations.lease("instance-b", 1, LEASE).get(0);

    assertThat(
            generations.retryLater(
                taken.id(),
                "instance-b",
                "Replicate answered 503",
                clock.instant().plusSeconds(10)))
        .isTrue();
    assertThat(generations.lease("instance-c", 1, LEASE)).as("not before its retry time").isEmpty();
    clock.advance(Duration.ofSeconds(10));
    Generation again = generations.lease("instance-c", 1, LEASE).get(0);
    assertThat(again.attempts()).isEqualTo(2);
    assertThat(again.error()).contains("Replicate answered 503");

    assertThat(
            generations.finish(g.id(), GenerationStatus.EXPIRED, "Replicate deleted the outputs"))
        .isTrue();
    Generation ended = generations.find(g.id()).orElseThrow();
    assertThat(ended.status()).isEqualTo(GenerationStatus.EXPIRED);
    assertThat(ended.error()).contains("Replicate deleted the outputs");
    clock.advance(Duration.ofHours(1));
    assertThat(generations.lease("instance-d", 10, LEASE))
        .as("ended generations are never recovered")
        .isEmpty();
    assertThatThrownBy(() -> generations.finish(g.id(), GenerationStatus.SUCCEEDED, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void releaseHandsLeasesBackAtOnce() {
    Generation g = generations.create(pending("ada"), "instance-a", LEASE);

    assertThat(generations.release("instance-a")).isEqualTo(1);

    assertThat(generations.lease("instance-b", 10, LEASE))
        .extracting(Generation::id)
        .containsExactly(g.id());
  }

  @Test
  void countUnfinishedCountsAUsersPendingRunningAndIngestingGenerationsOnly() {
    assertThat(generations.countUnfinished("ada")).isZero();
    Generation pending = generations.create(pending("ada"), "instance-a", LEASE);
    Generation running = generations.create(pending("ada"), "instance-b", LEASE);
    generations.started(running.id(), "pred-1");
    Generation ingesting = generations.create(pending("ada"), "instance-b", LEASE);
    generations.started(ingesting.id(), "pred-2");
    generations.ingesting(ingesting.id());
    Generation failed = generations.create(pending("ada"), "instance-a", LEASE);
    generations.finish(failed.id(), GenerationStatus.FAILED, "NSFW");
    Generation succeeded = generations.create(pending("ada"), "instance-a", LEASE);
    generations.started(succeeded.id(), "pred-3");
    generations.complete(succeeded.id(), List.of(output(succeeded, "pred-3", 0)));
    generations.create(pending("bob"), "instance-a", LEASE);

    assertThat(generations.countUnfinished("ada")).isEqualTo(3);
    assertThat(generations.countUnfinished("bob")).isEqualTo(1);
    generations.finish(pending.id(), GenerationStatus.CANCELED, "canceled");
    assertThat(generations.countUnfinished("ada")).isEqualTo(2);
    assertThat(generations.countUnfinished("nobody")).isZero();
    assertThatThrownBy(() -> generations.countUnfinished(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listIsNewestFirstPerUserAndStatus() {
    Generation older = generations.create(pending("ada"), "i", LEASE);
    clock.advance(Duration.ofSeconds(1));
    Generation newer = generations.create(pending("ada"), "i", LEASE);
    generations.create(pending("bob"), "i", LEASE);
    generations.finish(older.id(), GenerationStatus.FAILED, "NSFW");

    assertThat(generations.list("ada", Optional.empty(), 50))
        .extracting(Generation::id)
        .containsExactly(newer.id(), older.id());
    assertThat(generations.list("ada", Optional.of(GenerationStatus.FAILED), 50))
        .extracting(Generation::id)
        .containsExactly(older.id());
    assertThat(generations.list("ada", Optional.empty(), 1)).hasSize(1);
    assertThatThrownBy(() -> generations.list("ada", Optional.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSchemaVersionOneCatalogWithRowsUpgradesInPlace() throws Exception {
    DataSource v1 = freshDatabase();
    UUID image = UUID.randomUUID();
    try (Connection c = v1.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE renderlab_schema_history (version INTEGER NOT NULL PRIMARY KEY, "
              + "script VARCHAR(255) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
      for (String statement : v1Statements()) {
        s.execute(statement);
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO renderlab_schema_history VALUES (1, 'V1__images.sql', ?)")) {
        ps.setObject(1, OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO images (id, user_id, kind, name, url, storage_key, prediction_id, created_at) "
                  + "VALUES (?, 'ada', 'GENERATED', 'old', 'https://cdn.example.com/old.png', 'ada/old.png', 'pred-old', ?)")) {
        ps.setObject(1, image);
        ps.setObject(2, OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
        ps.executeUpdate();
      }
      s.execute(
          "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, updated_at) "
              + "SELECT id, 'PENDING', 0, created_at, created_at FROM images");
    }
    JdbcImageCatalog upgraded = JdbcImageCatalog.builder().dataSource(v1).clock(clock).build();
    assertThat(upgraded.schemaVersion()).isEqualTo(1);

    assertThat(upgraded.migrate()).containsExactly(2, 3, 4, 5);

    assertThat(upgraded.schemaVersion()).isEqualTo(5);
    assertThat(upgraded.find(image))
        .hasValueSatisfying(r -> assertThat(r.predictionId()).contains("pred-old"));
    assertThat(upgraded.thumbnailJobs().pending()).isEqualTo(1);
    try (Connection c = v1.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT generation_id, output_index FROM images WHERE id = ?")) {
      ps.setObject(1, image);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getObject(1)).isNull();
        assertThat(rs.getObject(2)).isNull();
      }
    }
    Generation g = upgraded.generations().create(pending("ada"), "i", LEASE);
    upgraded.generations().started(g.id(), "pred-new");
    assertThat(upgraded.generations().complete(g.id(), List.of(output(g, "pred-new", 0))))
        .hasSize(1);
    assertThat(upgraded.history(HistoryQuery.of("ada")).images()).hasSize(2);
  }

  /** The version 1 DDL as shipped, one statement per element. */
  private static List<String> v1Statements() throws Exception {
    {
      StringBuilder sql = new StringBuilder();
      for (String line : Migrations.read("V1__images.sql", TableNames.defaults()).split("\n")) {
        if (!line.strip().startsWith("--")) {
          sql.append(line).append('\n');
        }
      }
      List<String> out = new ArrayList<>();
      for (String statement : sql.toString().split(";")) {
        if (!statement.isBlank()) {
          out.add(statement.strip());
        }
      }
      return out;
    }
  }
}
