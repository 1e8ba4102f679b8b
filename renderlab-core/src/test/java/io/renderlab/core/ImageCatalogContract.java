package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.testing.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link JdbcImageCatalog} database must show. Subclasses supply a fresh
 * database.
 */
abstract class ImageCatalogContract {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  MutableClock clock;
  DataSource database;
  JdbcImageCatalog catalog;
  ThumbnailJobQueue jobs;

  /** A new, empty database for each test. */
  abstract DataSource freshDatabase();

  /** The catalog's table names; the defaults unless a subclass says otherwise. */
  TableNames tableNames() {
    return TableNames.defaults();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(T0);
    database = freshDatabase();
    catalog =
        JdbcImageCatalog.builder()
            .dataSource(database)
            .clock(clock)
            .tableNames(tableNames())
            .build();
    assertThat(catalog.migrate()).containsExactly(1, 2, 3, 4, 5);
    jobs = catalog.thumbnailJobs();
  }

  static ImageRecord.Builder image(String user, String url) {
    return ImageRecord.builder()
        .userId(user)
        .kind(ImageKind.GENERATED)
        .name("generated")
        .url(url)
        .storageKey(user + "/" + UUID.randomUUID() + ".png");
  }

  @Test
  void migrateIsIdempotentAndReportsTheVersion() {
    assertThat(catalog.migrate()).isEmpty();
    assertThat(catalog.schemaVersion()).isEqualTo(5);
  }

  @Test
  void storesTextVerbatimWithoutInterpolatingIt() {
    String hostile = "it's \"quoted\" 🦄 ✨ '; DROP TABLE images; -- \\ % _";
    ImageRecord saved =
        catalog.save(
            image("user-'1", "https://cdn.example.com/a.png?x=1&y='2'")
                .prompt(hostile)
                .name(hostile)
                .model("google/nano-banana")
                .predictionId("p-1")
                .referenceUrl("https://cdn.example.com/ref.png")
                .maskUrl("https://cdn.example.com/mask.png")
                .collectionId(UUID.randomUUID())
                .createdAt(Instant.parse("2026-01-01T10:00:00.123456789Z"))
                .build());

    ImageRecord found = catalog.find(saved.id()).orElseThrow();
    assertThat(found).isEqualTo(saved);
    assertThat(found.prompt()).contains(hostile);
    assertThat(found.createdAt()).isEqualTo(Instant.parse("2026-01-01T10:00:00.123456Z"));
    assertThat(catalog.history(HistoryQuery.of("user-'1")).images()).containsExactly(saved);
  }

  @Test
  void findOfAnUnknownIdIsEmpty() {
    assertThat(catalog.find(UUID.randomUUID())).isEmpty();
  }

  @Test
  void savingTheSameIdTwiceFailsAndKeepsTheFirst() {
    ImageRecord first = catalog.save(image("u", "https://x.test/1.png").build());
    ImageRecord again = first.toBuilder().url("https://x.test/2.png").build();

    assertThatThrownBy(() -> catalog.save(again))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("already exists");
    assertThat(catalog.find(first.id())).contains(first);
    assertThat(jobs.pending()).isEqualTo(1);
  }

  @Test
  void historyIsNewestFirstAndCanBeOneKind() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").createdAt(T0).build());
    ImageRecord b =
        catalog.save(
            image("u", "https://x.test/b.png")
                .kind(ImageKind.EDITED)
                .createdAt(T0.plusSeconds(1))
                .build());
    ImageRecord c =
        catalog.save(image("u", "https://x.test/c.png").createdAt(T0.plusSeconds(2)).build());
    catalog.save(
        image("someone-else", "https://x.test/d.png").createdAt(T0.plusSeconds(3)).build());

    assertThat(catalog.history(HistoryQuery.of("u")).images()).containsExactly(c, b, a);
    assertThat(catalog.history(HistoryQuery.of("u").withKind(ImageKind.EDITED)).images())
        .containsExactly(b);
    assertThat(catalog.history(HistoryQuery.of("nobody")).images()).isEmpty();
    assertThat(catalog.history(HistoryQuery.of("nobody")).nextCursor()).isEmpty();
  }

  @Test
  void pagingVisitsEveryImageOnceEvenWhenTimestampsTie() {
    Set<UUID> saved = new HashSet<>();
    for (int i = 0; i < 23; i++) {
      // groups of equal timestamps force the id tie-breaker
      saved.add(
          catalog
              .save(
                  image("u", "https://x.test/" + i + ".png")
                      .createdAt(T0.plusSeconds(i / 5))
                      .build())
              .id());
    }
    List<ImageRecord> all = pageThrough("u", 4);

    assertThat(all)
        .extracting(ImageRecord::id)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(saved);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i - 1).createdAt()).isAfterOrEqualTo(all.get(i).createdAt());
    }
  }

  private List<ImageRecord> pageThrough(String user, int pageSize) {
    List<ImageRecord> all = new ArrayList<>();
    HistoryQuery query = HistoryQuery.of(user).withLimit(pageSize);
    while (true) {
      ImagePage page = catalog.history(query);
      all.addAll(page.images());
      if (page.nextCursor().isEmpty()) {
        return all;
      }
      query = query.withCursor(page.nextCursor().get());
    }
  }

  @Test
  void aCursorThatThisCatalogDidNotMakeIsRejected() {
    assertThatThrownBy(() -> catalog.history(HistoryQuery.of("u").withCursor("not-a-cursor")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cursor");
  }

  @Test
  void lineageFollowsReferencesOfTheSameUserOldestFirst() {
    ImageRecord v1 = catalog.save(image("u", "https://x.test/v1.png").createdAt(T0).build());
    ImageRecord v2 =
        catalog.save(
            image("u", "https://x.test/v2.png")
                .referenceUrl(v1.url())
                .createdAt(T0.plusSeconds(1))
                .build());
    ImageRecord v3 =
        catalog.save(
            image("u", "https://x.test/v3.png")
                .referenceUrl(v2.url())
                .createdAt(T0.plusSeconds(2))
                .build());
    // Another user's image at v1's URL never joins u's chain.
    catalog.save(image("intruder", "https://x.test/v2.png").createdAt(T0.minusSeconds(5)).build());

    assertThat(catalog.lineage(v3.id())).containsExactly(v1, v2, v3);
    assertThat(catalog.lineage(v1.id())).containsExactly(v1);
    assertThat(catalog.lineage(UUID.randomUUID())).isEmpty();
  }

  @Test
  void lineageStopsAtACycle() {
    ImageRecord a =
        catalog.save(
            image("u", "https://x.test/a.png")
                .referenceUrl("https://x.test/b.png")
                .createdAt(T0)
                .build());
    ImageRecord b =
        catalog.save(
            image("u", "https://x.test/b.png")
                .referenceUrl("https://x.test/a.png")
                .createdAt(T0.plusSeconds(1))
                .build());

    assertThat(catalog.lineage(b.id())).containsExactly(a, b);
    assertThat(catalog.lineage(a.id())).containsExactly(b, a);
  }

  @Test
  void lineageIsCappedInDepth() {
    String previous = null;
    ImageRecord last = null;
    for (int i = 0; i < ImageCatalog.MAX_LINEAGE_DEPTH + 20; i++) {
      last =
          catalog.save(
              image("u", "https://x.test/v" + i + ".png")
                  .referenceUrl(previous)
                  .createdAt(T0.plusSeconds(i))
                  .build());
      previous = last.url();
    }
    assertThat(catalog.lineage(last.id()))
        .hasSize(ImageCatalog.MAX_LINEAGE_DEPTH + 1)
        .last()
        .isEqualTo(last);
  }

  @Test
  void thumbnailUrlIsSetAndImagesWithoutOneAreListed() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").createdAt(T0).build());
    ImageRecord b =
        catalog.save(image("u", "https://x.test/b.png").createdAt(T0.plusSeconds(1)).build());

    assertThat(catalog.setThumbUrl(a.id(), "https://x.test/thumbs/u/a.webp")).isTrue();
    assertThat(catalog.setThumbUrl(UUID.randomUUID(), "https://x.test/t.webp")).isFalse();

    assertThat(catalog.find(a.id()).orElseThrow().displayUrl())
        .isEqualTo("https://x.test/thumbs/u/a.webp");
    assertThat(catalog.find(b.id()).orElseThrow().displayUrl()).isEqualTo(b.url());
    assertThat(catalog.withoutThumbnail(10)).containsExactly(b);
  }

  @Test
  void findsTheImagesOfAPredictionAndDeletes() {
    ImageRecord a =
        catalog.save(
            image("u", "https://x.test/a.png").predictionId("pred-1").createdAt(T0).build());
    ImageRecord b =
        catalog.save(
            image("u", "https://x.test/b.png")
                .predictionId("pred-1")
                .createdAt(T0.plusSeconds(1))
                .build());

    assertThat(catalog.findByPrediction("pred-1")).containsExactly(a, b);
    assertThat(catalog.delete(a.id())).isTrue();
    assertThat(catalog.delete(a.id())).isFalse();
    assertThat(catalog.findByPrediction("pred-1")).containsExactly(b);
    assertThat(jobs.status(a.id())).isEmpty();
  }

  // ---- thumbnail jobs ----

  @Test
  void savingAnImageEnqueuesItsThumbnailJobAndWakesListeners() {
    AtomicInteger wakeUps = new AtomicInteger();
    jobs.onEnqueue(wakeUps::incrementAndGet);

    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    catalog.save(image("u", "https://x.test/b.png").thumbUrl("https://x.test/b.webp").build());

    assertThat(jobs.pending()).isEqualTo(1);
    assertThat(jobs.status(a.id()))
        .contains(new ThumbnailJobStatus(ThumbnailJobStatus.State.PENDING, 0, Optional.empty()));
    assertThat(wakeUps).hasValue(1);
  }

  @Test
  void aLeasedJobIsNotLeasedAgainUntilItsLeaseExpires() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());

    List<ThumbnailJob> first = jobs.lease("worker-1", 10, Duration.ofMinutes(1));
    assertThat(first).extracting(ThumbnailJob::imageId).containsExactly(a.id());
    assertThat(first.get(0).attempt()).isEqualTo(1);
    assertThat(jobs.lease("worker-2", 10, Duration.ofMinutes(1))).isEmpty();

    clock.advance(Duration.ofMinutes(2)); // worker-1 died
    List<ThumbnailJob> second = jobs.lease("worker-2", 10, Duration.ofMinutes(1));
    assertThat(second).extracting(ThumbnailJob::attempt).containsExactly(2);

    assertThat(jobs.complete(a.id(), "worker-1"))
        .as("the dead worker's late answer is ignored")
        .isFalse();
    assertThat(jobs.complete(a.id(), "worker-2")).isTrue();
    assertThat(jobs.status(a.id()).orElseThrow().state()).isEqualTo(ThumbnailJobStatus.State.DONE);
    assertThat(jobs.pending()).isZero();
  }

  @Test
  void aFailedAttemptIsRetriedAtItsTimeAndFailsForGoodWithoutOne() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    jobs.lease("w", 1, Duration.ofMinutes(1));

    assertThat(jobs.fail(a.id(), "w", "decoder exploded", clock.instant().plusSeconds(30)))
        .isTrue();
    assertThat(jobs.lease("w", 1, Duration.ofMinutes(1))).as("not due yet").isEmpty();
    clock.advance(Duration.ofSeconds(31));
    List<ThumbnailJob> retry = jobs.lease("w", 1, Duration.ofMinutes(1));
    assertThat(retry).hasSize(1);
    assertThat(retry.get(0).lastError()).contains("decoder exploded");

    assertThat(jobs.fail(a.id(), "w", "still broken", null)).isTrue();
    assertThat(jobs.status(a.id()))
        .contains(
            new ThumbnailJobStatus(
                ThumbnailJobStatus.State.FAILED, 2, Optional.of("still broken")));
    clock.advance(Duration.ofDays(1));
    assertThat(jobs.lease("w", 1, Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void releasedJobsGoBackUnchargedToTheQueue() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    jobs.lease("w", 1, Duration.ofMinutes(10));

    assertThat(jobs.release("w")).isEqualTo(1);
    List<ThumbnailJob> again = jobs.lease("other", 1, Duration.ofMinutes(10));
    assertThat(again).extracting(ThumbnailJob::imageId).containsExactly(a.id());
    assertThat(again.get(0).attempt()).isEqualTo(1);
  }

  @Test
  void backfillEnqueuesImagesWithoutThumbnailsWhoseJobIsMissingOrFailed() {
    ImageRecord failed =
        catalog.save(image("u", "https://x.test/failed.png").createdAt(T0).build());
    jobs.lease("w", 1, Duration.ofMinutes(1));
    jobs.fail(failed.id(), "w", "boom", null);
    ImageRecord pending =
        catalog.save(image("u", "https://x.test/pending.png").createdAt(T0.plusSeconds(1)).build());
    ImageRecord done =
        catalog.save(
            image("u", "https://x.test/done.png")
                .thumbUrl("https://x.test/t.webp")
                .createdAt(T0)
                .build());

    assertThat(jobs.backfill(100)).isEqualTo(1);
    assertThat(jobs.status(failed.id()).orElseThrow().state())
        .isEqualTo(ThumbnailJobStatus.State.PENDING);
    assertThat(jobs.status(pending.id()).orElseThrow().state())
        .isEqualTo(ThumbnailJobStatus.State.PENDING);
    assertThat(jobs.status(done.id())).isEmpty();
    assertThat(jobs.backfill(100)).isZero();
  }

  @Test
  void enqueueResetsAJobAndRefusesUnknownImages() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    jobs.lease("w", 1, Duration.ofMinutes(1));
    jobs.fail(a.id(), "w", "boom", null);

    assertThat(jobs.enqueue(a.id())).isTrue();
    assertThat(jobs.status(a.id()))
        .contains(new ThumbnailJobStatus(ThumbnailJobStatus.State.PENDING, 0, Optional.empty()));
    assertThat(jobs.enqueue(UUID.randomUUID())).isFalse();
  }

  @Test
  void reEnqueueingAJobBeingRenderedLeavesItToItsWorker() {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    List<ThumbnailJob> rendering = jobs.lease("w", 1, Duration.ofMinutes(1));
    assertThat(rendering).hasSize(1);

    for (int i = 0; i < 3; i++) {
      assertThat(jobs.enqueue(a.id())).as("the image exists").isTrue();
    }

    assertThat(jobs.lease("other", 10, Duration.ofMinutes(1)))
        .as("no second worker is set on a job being rendered")
        .isEmpty();
    assertThat(jobs.status(a.id()))
        .contains(new ThumbnailJobStatus(ThumbnailJobStatus.State.PENDING, 1, Optional.empty()));
    clock.advance(Duration.ofSeconds(20));
    assertThat(jobs.renew("w", List.of(a.id()), Duration.ofMinutes(1)))
        .as("its worker still holds it")
        .isEqualTo(1);
    assertThat(jobs.complete(a.id(), "w")).isTrue();

    clock.advance(Duration.ofSeconds(1));
    assertThat(jobs.enqueue(a.id())).isTrue();
    assertThat(jobs.status(a.id()))
        .as("a job no one renders is reset")
        .contains(new ThumbnailJobStatus(ThumbnailJobStatus.State.PENDING, 0, Optional.empty()));
    List<ThumbnailJob> again = jobs.lease("other", 1, Duration.ofMinutes(1));
    assertThat(again).extracting(ThumbnailJob::imageId).containsExactly(a.id());

    clock.advance(Duration.ofMinutes(2)); // "other" died mid-render: its lease lapsed
    assertThat(jobs.enqueue(a.id())).isTrue();
    assertThat(jobs.lease("third", 1, Duration.ofMinutes(1)))
        .as("a lapsed lease does not protect the job")
        .extracting(ThumbnailJob::attempt)
        .containsExactly(1);
  }

  @Test
  void aLeasedJobIsNotScannedOverAndFinishedJobsLeaveTheLeaseIndex() throws Exception {
    ImageRecord a = catalog.save(image("u", "https://x.test/a.png").build());
    ImageRecord b = catalog.save(image("u", "https://x.test/b.png").build());
    jobs.lease("w", 2, Duration.ofMinutes(1));

    jobs.complete(a.id(), "w");
    jobs.fail(b.id(), "w", "boom", null);

    try (Connection c = database.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT COUNT(*) FROM "
                    + catalog.tableNames().thumbnailJobs()
                    + " WHERE run_after IS NOT NULL");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      assertThat(rs.getInt(1)).as("finished jobs have no run_after").isZero();
    }
    assertThat(jobs.enqueue(a.id())).isTrue();
    List<ThumbnailJob> leased = jobs.lease("w", 1, Duration.ofMinutes(1));
    assertThat(leased).extracting(ThumbnailJob::imageId).containsExactly(a.id());
    try (Connection c = database.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT run_after, lease_until FROM "
                    + catalog.tableNames().thumbnailJobs()
                    + " WHERE image_id = ?")) {
      ps.setObject(1, a.id());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getObject(1, OffsetDateTime.class).toInstant())
            .as("a lease moves run_after to its end")
            .isEqualTo(rs.getObject(2, OffsetDateTime.class).toInstant())
            .isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
      }
    }
  }

  @Test
  void concurrentWorkersNeverLeaseTheSameJob() throws Exception {
    int count = 60;
    for (int i = 0; i < count; i++) {
      catalog.save(image("u", "https://x.test/" + i + ".png").build());
    }
    Set<UUID> leased = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        String owner = "worker-" + w;
        futures.add(
            pool.submit(
                () -> {
                  List<ThumbnailJob> batch;
                  while (!(batch = jobs.lease(owner, 3, Duration.ofMinutes(5))).isEmpty()) {
                    for (ThumbnailJob job : batch) {
                      if (!leased.add(job.imageId())) {
                        duplicates.incrementAndGet();
                      }
                      assertThat(jobs.complete(job.imageId(), owner)).isTrue();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(duplicates).hasValue(0);
    assertThat(leased).hasSize(count);
    assertThat(jobs.pending()).isZero();
  }

  // ---- concurrency of records ----

  @Test
  void concurrentSavesAreEachStoredOnceAndPagingStaysConsistent() throws Exception {
    String[] users = {"ada", "grace", "linus"};
    int total = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(9);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger pageDuplicates = new AtomicInteger();
    AtomicInteger pagesRead = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    Set<UUID> savedIds = ConcurrentHashMap.newKeySet();
    try {
      Future<?> reader =
          pool.submit(
              () -> {
                go.await();
                while (writing.get()) {
                  for (String user : users) {
                    Set<UUID> seen = new HashSet<>();
                    for (ImageRecord r : pageThrough(user, 37)) {
                      if (!seen.add(r.id())) {
                        pageDuplicates.incrementAndGet();
                      }
                    }
                    pagesRead.incrementAndGet();
                  }
                }
                return null;
              });
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        writers.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = thread; i < total; i += 8) {
                    savedIds.add(
                        catalog
                            .save(image(users[i % 3], "https://x.test/" + i + ".png").build())
                            .id());
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      reader.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(savedIds).hasSize(total);
    assertThat(pageDuplicates).hasValue(0);
    assertThat(pagesRead.get()).isPositive();
    List<UUID> all = new ArrayList<>();
    for (String user : users) {
      all.addAll(pageThrough(user, 50).stream().map(ImageRecord::id).toList());
    }
    assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(savedIds);
    assertThat(jobs.pending()).isEqualTo(total);
  }
}
