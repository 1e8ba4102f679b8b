package io.renderlab.thumbnails;

import static io.renderlab.thumbnails.ThumbnailServiceTest.SMALL_PNG;
import static io.renderlab.thumbnails.ThumbnailServiceTest.saveImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.EventListener;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.ThumbnailJobStatus;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.storage.FolderImageStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a thumbnail costs the database on PostgreSQL, counted statement by statement through a JDBC
 * proxy: the budget the README states (lease to {@code thumb_url} set: at most 6), waiting that
 * does not grow with the number of waiters, and a malformed row that fails alone.
 */
class ThumbnailQueryBudgetTest {
  static final int IMAGES = 40;

  @TempDir Path folder;

  @Test
  void aThumbnailCostsAtMostSixStatementsFromLeaseToThumbUrl() throws Exception {
    StatementCounter meter = new StatementCounter();
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(meter.wrap(EmbeddedPostgres.freshDatabase())).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      ids.add(saveImage(catalog, store, "ada", SMALL_PNG).id());
    }
    CountDownLatch rendered = new CountDownLatch(IMAGES);
    long before = meter.statements();
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .pollInterval(Duration.ofHours(1)) // renders wake the dispatcher; no idle polls
            .listener(
                new EventListener() {
                  @Override
                  public void thumbnailRendered(UUID imageId, Duration elapsed) {
                    rendered.countDown();
                  }
                })
            .build()
            .start()) {
      assertThat(rendered.await(60, TimeUnit.SECONDS)).isTrue();
      double perThumbnail = (meter.statements() - before) / (double) IMAGES;
      System.out.printf("statements per thumbnail, lease to thumb_url: %.2f%n", perThumbnail);
      assertThat(perThumbnail).isLessThanOrEqualTo(6.0);
      assertThat(catalog.thumbnailJobs().pending()).isZero();

      // Awaiting many images at once reads where they stand in one query, then each record: not
      // one status query per image.
      long beforeAwait = meter.statements();
      List<CompletableFuture<ImageRecord>> done = service.awaitThumbnails(ids);
      assertThat(done).hasSize(IMAGES).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
      assertThat(done.get(7).join().id()).isEqualTo(ids.get(7));
      // One status query for all, one read per image (the dispatcher, polling once an hour here,
      // runs nothing alongside).
      assertThat(meter.statements() - beforeAwait).isEqualTo(1 + IMAGES);
    }
  }

  @Test
  void waitingForManyImagesCostsAConstantNumberOfStatementsPerImage() throws Exception {
    StatementCounter meter = new StatementCounter();
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(meter.wrap(EmbeddedPostgres.freshDatabase())).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    List<ImageRecord> images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      images.add(saveImage(catalog, store, "ada", SMALL_PNG));
    }
    long before = meter.statements();
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      List<CompletableFuture<ImageRecord>> waits = new ArrayList<>();
      for (ImageRecord image : images) {
        waits.add(service.awaitThumbnail(image.id()));
      }
      for (CompletableFuture<ImageRecord> wait : waits) {
        assertThat(wait.get(60, TimeUnit.SECONDS).thumbUrl()).isPresent();
      }
      // Before: every render re-read every outstanding waiter (2 statements each), about
      // IMAGES^2 statements in all; now one check on await, one per render, batched polls.
      double perImage = (meter.statements() - before) / (double) IMAGES;
      System.out.printf("statements per awaited thumbnail: %.2f%n", perImage);
      assertThat(perImage).isLessThanOrEqualTo(8.0);
    }
  }

  @Test
  void aMalformedRowFailsItsOwnJobWithAClearReasonAndTheOthersRender() throws Exception {
    DataSource db = EmbeddedPostgres.freshDatabase();
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord bad = saveImage(catalog, store, "ada", SMALL_PNG);
    ImageRecord good = saveImage(catalog, store, "ada", SMALL_PNG);
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("UPDATE images SET kind = ? WHERE id = ?")) {
      ps.setString(1, "SCULPTURE");
      ps.setObject(2, bad.id());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(1)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      CompletableFuture<ImageRecord> badWait = service.awaitThumbnail(bad.id());
      assertThat(service.awaitThumbnail(good.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
      assertThatThrownBy(() -> badWait.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(ThumbnailFailedException.class)
          .hasMessageContaining("MalformedRow")
          .hasMessageContaining("SCULPTURE");
      ThumbnailJobStatus status = catalog.thumbnailJobs().status(bad.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(ThumbnailJobStatus.State.FAILED);
      assertThat(status.attempts()).isEqualTo(1); // given up at once: it would fail every time
    }
  }
}
