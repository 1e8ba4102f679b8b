package io.renderlab.thumbnails;

import static io.renderlab.thumbnails.ThumbnailServiceTest.SMALL_PNG;
import static io.renderlab.thumbnails.ThumbnailServiceTest.saveImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StoredObject;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.ThumbnailJobStatus;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.storage.FolderImageStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short leases renewed while the render runs; a dead worker's job is taken over within one lease.
 */
class LeaseHeartbeatTest {
  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path folder;

  /** A store whose reads of originals wait for the test, so a render stays "in progress". */
  static final class BlockingStore implements ImageStore {
    final ImageStore delegate;
    final CountDownLatch reading = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);

    BlockingStore(ImageStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public InputStream open(String key) {
      reading.countDown();
      try {
        proceed.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return delegate.open(key);
    }

    @Override
    public StoredObject put(String key, InputStream body, PutOptions options) {
      return delegate.put(key, body, options);
    }

    @Override
    public boolean exists(String key) {
      return delegate.exists(key);
    }

    @Override
    public boolean delete(String key) {
      return delegate.delete(key);
    }

    @Override
    public String publicUrl(String key) {
      return delegate.publicUrl(key);
    }

    @Override
    public String signedUrl(String key, Duration lifetime) {
      return delegate.signedUrl(key, lifetime);
    }

    @Override
    public void close() {}
  }

  @Test
  void aRenderInProgressKeepsItsShortLeaseAndADeadWorkersJobIsTakenOverWhenItLapses()
      throws Exception {
    MutableClock clock = new MutableClock(T0);
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder()
            .dataSource(EmbeddedPostgres.freshDatabase())
            .clock(clock)
            .build();
    catalog.migrate();
    BlockingStore store = new BlockingStore(FolderImageStore.of(folder));
    ImageRecord image = saveImage(catalog, store.delegate, "ada", SMALL_PNG);
    ThumbnailJobQueue jobs = catalog.thumbnailJobs();
    try (ThumbnailService worker =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(jobs)
            .store(store)
            .workers(1)
            .clock(clock)
            // Leases run on the test's clock; the wall-clock heartbeat (1 h) never fires during the
            // test, so it beats only when the test says so.
            .leaseDuration(Duration.ofHours(2))
            .heartbeatInterval(Duration.ofHours(1))
            .pollInterval(Duration.ofMillis(20))
            .owner("worker-a")
            .build()
            .start()) {
      assertThat(store.reading.await(30, TimeUnit.SECONDS)).as("the render started").isTrue();

      clock.advance(Duration.ofMinutes(80));
      worker.heartbeat(); // lease now until T0 + 200 min
      clock.advance(
          Duration.ofMinutes(80)); // T0 + 160 min: past the first lease, within the renewed one
      assertThat(jobs.lease("worker-b", 10, Duration.ofHours(2)))
          .as("a renewed lease is not taken")
          .isEmpty();

      // worker-a stops beating (it died): once the lease lapses another worker takes the job.
      clock.advance(Duration.ofMinutes(41)); // T0 + 201 min
      List<ThumbnailJob> taken = jobs.lease("worker-b", 10, Duration.ofHours(2));
      assertThat(taken).extracting(ThumbnailJob::imageId).containsExactly(image.id());
      assertThat(taken.get(0).attempt()).isEqualTo(2);

      worker.heartbeat(); // the old owner's beat must not steal the job back
      clock.advance(Duration.ofMinutes(119));
      assertThat(jobs.lease("worker-c", 10, Duration.ofHours(2))).isEmpty();
      store.proceed.countDown();
    }
    assertThat(jobs.complete(image.id(), "worker-b")).as("worker-b still holds it").isTrue();
    assertThat(jobs.status(image.id()).orElseThrow().state())
        .isEqualTo(ThumbnailJobStatus.State.DONE);
  }

  @Test
  void theHeartbeatRenewsOnItsOwnScheduleWhileARenderRuns() throws Exception {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(ThumbnailServiceTest.h2()).build();
    catalog.migrate();
    BlockingStore store = new BlockingStore(FolderImageStore.of(folder));
    ImageRecord image = saveImage(catalog, store.delegate, "ada", SMALL_PNG);
    CountDownLatch beats = new CountDownLatch(3);
    ThumbnailJobQueue counting =
        new DelegatingQueue(catalog.thumbnailJobs()) {
          @Override
          public int renew(String owner, Collection<UUID> imageIds, Duration leaseDuration) {
            int n = super.renew(owner, imageIds, leaseDuration);
            if (n == 1 && imageIds.contains(image.id())) {
              beats.countDown();
            }
            return n;
          }
        };
    try (ThumbnailService worker =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(counting)
            .store(store)
            .workers(1)
            .leaseDuration(Duration.ofSeconds(15))
            .heartbeatInterval(Duration.ofMillis(20))
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      assertThat(store.reading.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(beats.await(30, TimeUnit.SECONDS))
          .as("three renewals while the render is blocked")
          .isTrue();
      store.proceed.countDown();
      assertThat(worker.awaitThumbnail(image.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
    }
  }

  @Test
  void aHeartbeatMustBeShorterThanTheLease() {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(ThumbnailServiceTest.h2()).build();
    ImageStore store = FolderImageStore.of(folder);
    assertThatThrownBy(
            () ->
                ThumbnailService.builder()
                    .catalog(catalog)
                    .jobs(catalog.thumbnailJobs())
                    .store(store)
                    .leaseDuration(Duration.ofSeconds(10))
                    .heartbeatInterval(Duration.ofSeconds(10))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> ThumbnailService.builder().heartbeatInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    ThumbnailService.builder()
        .catalog(catalog)
        .jobs(catalog.thumbnailJobs())
        .store(store)
        .leaseDuration(Duration.ofSeconds(10))
        .heartbeatInterval(Duration.ofSeconds(9))
        .build()
        .close();
  }

  /** Delegates every call; tests override what they watch. */
  static class DelegatingQueue implements ThumbnailJobQueue {
    final ThumbnailJobQueue d;

    DelegatingQueue(ThumbnailJobQueue d) {
      this.d = d;
    }

    @Override
    public boolean enqueue(UUID imageId) {
      return d.enqueue(imageId);
    }

    @Override
    public List<ThumbnailJob> lease(String owner, int max, Duration leaseDuration) {
      return d.lease(owner, max, leaseDuration);
    }

    @Override
    public int renew(String owner, Collection<UUID> imageIds, Duration leaseDuration) {
      return d.renew(owner, imageIds, leaseDuration);
    }

    @Override
    public boolean complete(UUID imageId, String owner) {
      return d.complete(imageId, owner);
    }

    @Override
    public boolean fail(UUID imageId, String owner, String error, Instant retryAt) {
      return d.fail(imageId, owner, error, retryAt);
    }

    @Override
    public int release(String owner) {
      return d.release(owner);
    }

    @Override
    public int backfill(int limit) {
      return d.backfill(limit);
    }

    @Override
    public Optional<ThumbnailJobStatus> status(UUID imageId) {
      return d.status(imageId);
    }

    @Override
    public int pending() {
      return d.pending();
    }

    @Override
    public void onEnqueue(Runnable listener) {
      d.onEnqueue(listener);
    }
  }
}
