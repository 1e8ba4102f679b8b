package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.testing.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backfills in keyset batches, one transaction each; concurrent backfills never take the same
 * image.
 */
class BackfillTest {
  static final int IMAGES = 600; // more than one 500-image batch

  static Stream<Arguments> databases() {
    return Stream.of(
        Arguments.of(
            "postgres", (java.util.function.Supplier<DataSource>) EmbeddedPostgres::freshDatabase),
        Arguments.of(
            "h2",
            (java.util.function.Supplier<DataSource>)
                () -> {
                  JdbcDataSource h2 = new JdbcDataSource();
                  h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
                  return h2;
                }));
  }

  /**
   * Images saved before thumbnails existed: no job at all; every 10th has a job that failed for
   * good.
   */
  static Set<UUID> seed(DataSource db) throws Exception {
    Set<UUID> ids = new HashSet<>();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement image =
              c.prepareStatement(
                  "INSERT INTO images (id, user_id, kind, name, url, storage_key, created_at) VALUES (?, 'u', 'UPLOADED', 'n', ?, ?, ?)");
          PreparedStatement failed =
              c.prepareStatement(
                  "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, last_error, updated_at) VALUES (?, 'FAILED', 5, ?, 'boom', ?)")) {
        OffsetDateTime t =
            OffsetDateTime.ofInstant(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        for (int i = 0; i < IMAGES; i++) {
          UUID id = UUID.randomUUID();
          ids.add(id);
          image.setObject(1, id);
          image.setString(2, "https://x.test/" + id + ".png");
          image.setString(3, "u/" + id + ".png");
          image.setObject(4, t);
          image.addBatch();
          if (i % 10 == 0) {
            failed.setObject(1, id);
            failed.setObject(2, t);
            failed.setObject(3, t);
            failed.addBatch();
          }
        }
        image.executeBatch();
        failed.executeBatch();
        // One image already has its thumbnail: never enqueued.
        try (Statement s = c.createStatement()) {
          s.executeUpdate(
              "INSERT INTO images (id, user_id, kind, name, url, storage_key, thumb_url, created_at) "
                  + "VALUES ('00000000-0000-0000-0000-000000000001', 'u', 'UPLOADED', 'n', 'https://x.test/t', 'k', 'https://x.test/t.webp', TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00')");
        }
      }
      c.commit();
    }
    return ids;
  }

  static int count(DataSource db, String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void backfillCoversEveryImageInBatchesAndASecondRunFindsNothing(
      String name, java.util.function.Supplier<DataSource> database) throws Exception {
    DataSource db = database.get();
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
    catalog.migrate();
    seed(db);

    assertThat(catalog.thumbnailJobs().backfill(10_000_000)).isEqualTo(IMAGES);
    assertThat(
            count(
                db, "SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'PENDING' AND attempts = 0"))
        .isEqualTo(IMAGES);
    assertThat(catalog.thumbnailJobs().backfill(10_000_000)).isZero();
    assertThat(count(db, "SELECT COUNT(*) FROM thumbnail_jobs")).isEqualTo(IMAGES);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aLimitStopsTheBackfillAndTheStepsResumeFromTheLastId(
      String name, java.util.function.Supplier<DataSource> database) throws Exception {
    DataSource db = database.get();
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
    catalog.migrate();
    Set<UUID> ids = seed(db);

    assertThat(catalog.thumbnailJobs().backfill(300)).isEqualTo(300);
    BackfillStep first = catalog.thumbnailJobs().backfillStep(Optional.empty(), 100);
    assertThat(first.enqueued()).hasSize(100).allSatisfy(id -> assertThat(ids).contains(id));
    assertThat(first.next())
        .hasValueSatisfying(last -> assertThat(first.enqueued()).contains(last));
    BackfillStep second = catalog.thumbnailJobs().backfillStep(first.next(), 10_000);
    assertThat(second.enqueued())
        .hasSize(IMAGES - 400)
        .doesNotContainAnyElementsOf(first.enqueued());
    assertThat(catalog.thumbnailJobs().backfillStep(second.next(), 10).enqueued()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void threeBackfillsAtOnceEnqueueEachImageExactlyOnce(
      String name, java.util.function.Supplier<DataSource> database) throws Exception {
    DataSource db = database.get();
    JdbcImageCatalog setup = JdbcImageCatalog.builder().dataSource(db).build();
    setup.migrate();
    Set<UUID> ids = seed(db);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      CyclicBarrier start = new CyclicBarrier(3);
      List<Future<List<UUID>>> runs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        runs.add(
            pool.submit(
                () -> {
                  ThumbnailJobQueue jobs =
                      JdbcImageCatalog.builder().dataSource(db).build().thumbnailJobs();
                  start.await(30, TimeUnit.SECONDS);
                  List<UUID> mine = new ArrayList<>();
                  Optional<UUID> after = Optional.empty();
                  do {
                    BackfillStep step = jobs.backfillStep(after, 50);
                    mine.addAll(step.enqueued());
                    after = step.next();
                  } while (after.isPresent());
                  return mine;
                }));
      }
      List<UUID> all = new ArrayList<>();
      for (Future<List<UUID>> r : runs) {
        all.addAll(r.get(2, TimeUnit.MINUTES));
      }
      assertThat(all).doesNotHaveDuplicates().hasSize(IMAGES);
      assertThat(new HashSet<>(all)).isEqualTo(ids);
      assertThat(count(db, "SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'PENDING'"))
          .isEqualTo(IMAGES);
    } finally {
      pool.shutdownNow();
    }
  }
}
