package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.core.testing.PgBouncer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Through a real pgbouncer in transaction mode (2 server connections) in front of the embedded
 * PostgreSQL, with {@code prepareThreshold=0}: catalogs migrating an empty database at once all
 * succeed and leave no advisory lock held, and the thumbnail queue's worker statements (lease,
 * renew, complete) from several workers take every job exactly once. Skipped without a {@code
 * pgbouncer} binary on the PATH ({@code .ci/run} installs Debian's).
 */
class PgBouncerTransactionPoolTest {
  private static final int MIGRATORS = 4;
  private static final int WORKERS = 3;
  private static final int IMAGES = 200;
  private static final int SERVER_CONNECTIONS = 2;

  @Test
  void migrationsAndWorkersThroughATransactionPoolerSucceedAndLeaveNoLock() throws Exception {
    assumeTrue(PgBouncer.available(), "no pgbouncer on the PATH");
    DataSource direct = EmbeddedPostgres.freshDatabase();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(MIGRATORS, WORKERS));
    try (PgBouncer bouncer = PgBouncer.start(direct, SERVER_CONNECTIONS)) {
      DataSource pooled = bouncer.dataSource(true);

      CyclicBarrier start = new CyclicBarrier(MIGRATORS);
      List<Future<List<Integer>>> migrations = new ArrayList<>();
      for (int i = 0; i < MIGRATORS; i++) {
        Callable<List<Integer>> migrate =
            () -> {
              JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(pooled).build();
              start.await(30, TimeUnit.SECONDS);
              return catalog.migrate();
            };
        migrations.add(pool.submit(migrate));
      }
      List<Integer> applied = new ArrayList<>();
      for (Future<List<Integer>> m : migrations) {
        applied.addAll(m.get(2, TimeUnit.MINUTES)); // throws if any failed
      }
      assertThat(applied).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
      assertThat(advisoryLocks(direct)).as("advisory locks after migrate").isZero();
      assertThat(JdbcImageCatalog.builder().dataSource(pooled).build().migrate()).isEmpty();

      Set<UUID> ids = seed(direct);
      assertThat(
              JdbcImageCatalog.builder().dataSource(pooled).build().thumbnailJobs().backfill(1000))
          .isEqualTo(IMAGES);
      List<Future<List<UUID>>> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        String owner = "worker-" + w;
        workers.add(
            pool.submit(
                () -> {
                  ThumbnailJobQueue jobs =
                      JdbcImageCatalog.builder().dataSource(pooled).build().thumbnailJobs();
                  List<UUID> done = new ArrayList<>();
                  while (true) {
                    List<ThumbnailJob> leased = jobs.lease(owner, 5, Duration.ofSeconds(30));
                    if (leased.isEmpty()) {
                      return done;
                    }
                    List<UUID> mine = leased.stream().map(ThumbnailJob::imageId).toList();
                    assertThat(jobs.renew(owner, mine, Duration.ofSeconds(30)))
                        .isEqualTo(mine.size());
                    for (UUID id : mine) {
                      assertThat(jobs.complete(id, owner)).isTrue();
                      done.add(id);
                    }
                  }
                }));
      }
      List<UUID> completed = new ArrayList<>();
      for (Future<List<UUID>> w : workers) {
        completed.addAll(w.get(2, TimeUnit.MINUTES));
      }
      assertThat(completed).doesNotHaveDuplicates().hasSize(IMAGES);
      assertThat(new HashSet<>(completed)).isEqualTo(ids);
      assertThat(JdbcImageCatalog.builder().dataSource(pooled).build().thumbnailJobs().pending())
          .isZero();
      assertThat(advisoryLocks(direct)).isZero();
      assertThat(serverConnections(direct))
          .as("pgbouncer's server connections, pgbouncer output:%n%s", bouncer.output())
          .isLessThanOrEqualTo(SERVER_CONNECTIONS);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Set<UUID> seed(DataSource db) throws Exception {
    Set<UUID> ids = new HashSet<>();
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO images (id, user_id, kind, name, url, storage_key, created_at)"
                    + " VALUES (?, 'u', 'UPLOADED', 'n', ?, ?, ?)")) {
      OffsetDateTime t =
          OffsetDateTime.ofInstant(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
      for (int i = 0; i < IMAGES; i++) {
        UUID id = UUID.randomUUID();
        ids.add(id);
        ps.setObject(1, id);
        ps.setString(2, "https://x.test/" + id + ".png");
        ps.setString(3, "u/" + id + ".png");
        ps.setObject(4, t);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return ids;
  }

  private static int advisoryLocks(DataSource direct) throws Exception {
    return count(direct, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'");
  }

  /** Backends of this database other than the asking one: pgbouncer's server connections. */
  private static int serverConnections(DataSource direct) throws Exception {
    return count(
        direct,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND pid <> pg_backend_pid()");
  }

  private static int count(DataSource db, String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
