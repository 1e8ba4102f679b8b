package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StoredObject;
import io.renderlab.core.ThumbnailJobStatus;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.storage.FolderImageStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThumbnailServiceTest {
  static final RetryPolicy NO_WAIT =
      RetryPolicy.builder().initialBackoff(Duration.ZERO).maxBackoff(Duration.ZERO).build();
  static final byte[] SMALL_PNG = TestImages.encode(TestImages.bands(120, 80), "png");

  @TempDir Path folder;

  static DataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  /** A store that counts thumbnail writes per key, to prove nothing is rendered twice. */
  static class CountingStore implements ImageStore {
    final ImageStore delegate;
    final Map<String, AtomicInteger> thumbWrites = new ConcurrentHashMap<>();

    CountingStore(ImageStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public StoredObject put(String key, InputStream body, PutOptions options) {
      if (key.startsWith("thumbs/")) {
        thumbWrites.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      return delegate.put(key, body, options);
    }

    @Override
    public boolean exists(String key) {
      return delegate.exists(key);
    }

    @Override
    public InputStream open(String key) {
      return delegate.open(key);
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

  static ImageRecord saveImage(
      JdbcImageCatalog catalog, ImageStore store, String user, byte[] bytes) {
    String key = user + "/" + UUID.randomUUID() + ".png";
    StoredObject stored =
        store.put(key, new ByteArrayInputStream(bytes), PutOptions.of("image/png"));
    return catalog.save(
        ImageRecord.builder()
            .userId(user)
            .kind(ImageKind.UPLOADED)
            .name("img")
            .url(stored.url())
            .storageKey(key)
            .build());
  }

  @Test
  void rendersTheThumbnailOfEverySavedImageAndSetsItsUrl() throws Exception {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .build()
            .start()) {
      List<ImageRecord> saved = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        saved.add(saveImage(catalog, store, "ada", SMALL_PNG));
      }
      for (ImageRecord r : saved) {
        ImageRecord done = service.awaitThumbnail(r.id()).get(30, TimeUnit.SECONDS);
        assertThat(done.thumbUrl())
            .hasValueSatisfying(u -> assertThat(u).endsWith("thumbs/ada/" + r.id() + ".webp"));
        assertThat(catalog.find(r.id()).orElseThrow().thumbUrl()).isEqualTo(done.thumbUrl());
        try (InputStream in = store.open("thumbs/ada/" + r.id() + ".webp")) {
          assertThat(TestImages.decode(in.readAllBytes()).getWidth()).isEqualTo(400);
        }
      }
      assertThat(catalog.thumbnailJobs().pending()).isZero();
    }
  }

  @Test
  void aCorruptOriginalFailsAfterItsAttemptsWhileTheOthersComplete() throws Exception {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The listener hears of a render after its thumb_url is set, so after awaitThumbnail may have
    // returned: the test waits for all five events before it looks at them.
    java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(5);
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .listener(
                new io.renderlab.core.EventListener() {
                  @Override
                  public void thumbnailRendered(java.util.UUID imageId, Duration elapsed) {
                    events.add("rendered");
                    heard.countDown();
                  }

                  @Override
                  public void thumbnailFailed(
                      java.util.UUID imageId, Throwable cause, boolean retryable) {
                    events.add(retryable ? "failed, will retry" : "failed for good");
                    heard.countDown();
                    throw new IllegalStateException("a faulty listener never breaks the service");
                  }
                })
            .retryPolicy(NO_WAIT)
            .maxAttempts(3)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      byte[] corrupt = java.util.Arrays.copyOf(SMALL_PNG, 40);
      ImageRecord bad = saveImage(catalog, store, "ada", corrupt);
      ImageRecord good1 = saveImage(catalog, store, "ada", SMALL_PNG);
      ImageRecord good2 = saveImage(catalog, store, "ada", SMALL_PNG);

      CompletableFuture<ImageRecord> badResult = service.awaitThumbnail(bad.id());
      assertThat(service.awaitThumbnail(good1.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
      assertThat(service.awaitThumbnail(good2.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
      assertThatThrownBy(() -> badResult.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ThumbnailFailedException.class);
      ThumbnailJobStatus status = catalog.thumbnailJobs().status(bad.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(ThumbnailJobStatus.State.FAILED);
      assertThat(status.attempts()).isEqualTo(3);
      assertThat(status.lastError())
          .hasValueSatisfying(e -> assertThat(e).contains("UnsupportedImageException"));
      assertThat(catalog.find(bad.id()).orElseThrow().displayUrl()).isEqualTo(bad.url());
      assertThat(heard.await(30, TimeUnit.SECONDS)).as("five events heard").isTrue();
      assertThat(events)
          .containsExactlyInAnyOrder(
              "rendered",
              "rendered",
              "failed, will retry",
              "failed, will retry",
              "failed for good");
    }
  }

  @Test
  void anImageOverTheDecodeBudgetFailsAtOnceWithoutRetries() throws Exception {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .thumbnailer(Thumbnailer.builder().maxDecodeMemory(32L << 20).build())
            .retryPolicy(NO_WAIT)
            .maxAttempts(3)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      ImageRecord bomb =
          saveImage(catalog, store, "ada", HostileImages.interlacedGreyPng(8000, 8000));
      ImageRecord good = saveImage(catalog, store, "ada", SMALL_PNG);

      CompletableFuture<ImageRecord> bombResult = service.awaitThumbnail(bomb.id());
      assertThat(service.awaitThumbnail(good.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
      assertThatThrownBy(() -> bombResult.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ThumbnailFailedException.class);
      ThumbnailJobStatus status = catalog.thumbnailJobs().status(bomb.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(ThumbnailJobStatus.State.FAILED);
      assertThat(status.attempts()).isEqualTo(1);
      assertThat(status.lastError())
          .hasValueSatisfying(e -> assertThat(e).contains("ImageTooLargeException"));
    }
  }

  @Test
  void anInputThatRunsTheWorkerOutOfMemoryFailsAfterItsAttemptsAndTheWorkerGoesOn()
      throws Exception {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    FolderImageStore folderStore = FolderImageStore.of(folder);
    AtomicInteger opens = new AtomicInteger();
    // Reading this one original throws OutOfMemoryError, as a decoder bomb would.
    CountingStore store =
        new CountingStore(folderStore) {
          @Override
          public InputStream open(String key) {
            if (key.contains("bomb")) {
              opens.incrementAndGet();
              throw new OutOfMemoryError("Java heap space");
            }
            return super.open(key);
          }
        };
    String bombKey = "ada/bomb.png";
    folderStore.put(bombKey, new ByteArrayInputStream(SMALL_PNG), PutOptions.of("image/png"));
    ImageRecord bomb =
        catalog.save(
            ImageRecord.builder()
                .userId("ada")
                .kind(ImageKind.UPLOADED)
                .name("bomb")
                .url(folderStore.publicUrl(bombKey))
                .storageKey(bombKey)
                .build());
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .retryPolicy(NO_WAIT)
            .maxAttempts(3)
            .workers(1)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      assertThatThrownBy(() -> service.awaitThumbnail(bomb.id()).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ThumbnailFailedException.class)
          .hasMessageContaining("OutOfMemoryError");
      ThumbnailJobStatus status = catalog.thumbnailJobs().status(bomb.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(ThumbnailJobStatus.State.FAILED);
      assertThat(status.attempts()).isEqualTo(3);
      assertThat(status.lastError())
          .hasValueSatisfying(e -> assertThat(e).contains("OutOfMemoryError"));
      assertThat(opens).hasValue(3);
      // The single worker survived: the next image still gets its thumbnail.
      ImageRecord good = saveImage(catalog, store, "ada", SMALL_PNG);
      assertThat(service.awaitThumbnail(good.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
    }
  }

  @Test
  void aJobWhoseWorkersKeptDyingEndsFailedInsteadOfBeingLeasedForever() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).clock(clock).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord image = saveImage(catalog, store, "ada", SMALL_PNG);
    // Three workers in turn lease the job and die mid-render (say, killed out of memory).
    for (int i = 0; i < 3; i++) {
      assertThat(catalog.thumbnailJobs().lease("dead-worker-" + i, 1, Duration.ofMinutes(2)))
          .hasSize(1);
      clock.advance(Duration.ofMinutes(3));
    }
    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .clock(clock)
            .maxAttempts(3)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      assertThatThrownBy(() -> service.awaitThumbnail(image.id()).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ThumbnailFailedException.class);
      ThumbnailJobStatus status = catalog.thumbnailJobs().status(image.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(ThumbnailJobStatus.State.FAILED);
      assertThat(status.lastError())
          .hasValueSatisfying(e -> assertThat(e).contains("no result after 3 attempts"));
      assertThat(catalog.find(image.id()).orElseThrow().thumbUrl()).isEmpty();
    }
  }

  @Test
  void aJobWhoseWorkerDiedIsFinishedByAnotherWhenItsLeaseExpires() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).clock(clock).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord image = saveImage(catalog, store, "ada", SMALL_PNG);
    // A worker leases the job and dies without a word.
    assertThat(catalog.thumbnailJobs().lease("dead-worker", 1, Duration.ofMinutes(2))).hasSize(1);

    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .clock(clock)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      CompletableFuture<ImageRecord> done = service.awaitThumbnail(image.id());
      assertThat(catalog.thumbnailJobs().status(image.id()).orElseThrow().state())
          .isEqualTo(ThumbnailJobStatus.State.PENDING);
      clock.advance(Duration.ofMinutes(3)); // the lease expires
      assertThat(done.get(30, TimeUnit.SECONDS).thumbUrl()).isPresent();
      assertThat(catalog.thumbnailJobs().status(image.id()).orElseThrow().attempts()).isEqualTo(2);
    }
  }

  @Test
  void twoWorkerPoolsOnOnePostgresRenderEachImageOnce() throws Exception {
    DataSource pg = EmbeddedPostgres.freshDatabase();
    JdbcImageCatalog catalogA = JdbcImageCatalog.builder().dataSource(pg).build();
    catalogA.migrate();
    JdbcImageCatalog catalogB = JdbcImageCatalog.builder().dataSource(pg).build();
    CountingStore store = new CountingStore(FolderImageStore.of(folder));
    List<ImageRecord> saved = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      saved.add(saveImage(catalogA, store, "u" + (i % 3), SMALL_PNG));
    }
    try (ThumbnailService a =
            ThumbnailService.builder()
                .catalog(catalogA)
                .jobs(catalogA.thumbnailJobs())
                .store(store)
                .workers(2)
                .pollInterval(Duration.ofMillis(50))
                .owner("pool-a")
                .build();
        ThumbnailService b =
            ThumbnailService.builder()
                .catalog(catalogB)
                .jobs(catalogB.thumbnailJobs())
                .store(store)
                .workers(2)
                .pollInterval(Duration.ofMillis(50))
                .owner("pool-b")
                .build()) {
      a.start();
      b.start();
      for (ImageRecord r : saved) {
        a.awaitThumbnail(r.id()).get(60, TimeUnit.SECONDS);
      }
    }
    assertThat(store.thumbWrites).hasSize(200);
    assertThat(store.thumbWrites.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    assertThat(catalogA.withoutThumbnail(10)).isEmpty();
  }

  @Test
  void shutdownLeavesUnfinishedJobsQueued() {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord image = saveImage(catalog, store, "ada", SMALL_PNG);
    ThumbnailService never =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .build();
    never.close(); // never started: nothing leased, nothing lost

    assertThat(catalog.thumbnailJobs().status(image.id()).orElseThrow().state())
        .isEqualTo(ThumbnailJobStatus.State.PENDING);
  }
}
