package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.storage.FolderImageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Awaiting a thumbnail on a service that cannot render it fails at once, with a message. */
class ThumbnailServiceLifecycleTest {
  @TempDir Path folder;

  @Test
  void awaitingOnAServiceThatWasNeverStartedFailsFastAndSaysToStartIt() {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(ThumbnailServiceTest.h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord image =
        ThumbnailServiceTest.saveImage(catalog, store, "ada", ThumbnailServiceTest.SMALL_PNG);

    try (ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .build()) {
      assertThatThrownBy(() -> service.awaitThumbnail(image.id()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not started")
          .hasMessageContaining("start()")
          .hasMessageContaining(image.id().toString());
    }
  }

  @Test
  void awaitingAfterShutdownFailsFastButAnExistingThumbnailIsStillReturned() throws Exception {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(ThumbnailServiceTest.h2()).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(folder);
    ImageRecord rendered =
        ThumbnailServiceTest.saveImage(catalog, store, "ada", ThumbnailServiceTest.SMALL_PNG);
    ImageRecord pending;
    ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .pollInterval(Duration.ofMillis(20))
            .build()
            .start();
    try {
      // The nearest good input: a running service renders and completes the future.
      assertThat(service.awaitThumbnail(rendered.id()).get(30, TimeUnit.SECONDS).thumbUrl())
          .isPresent();
    } finally {
      service.shutdown(Duration.ofSeconds(10));
    }
    pending = ThumbnailServiceTest.saveImage(catalog, store, "ada", ThumbnailServiceTest.SMALL_PNG);

    assertThat(service.awaitThumbnail(rendered.id()).getNow(null).thumbUrl()).isPresent();
    assertThatThrownBy(() -> service.awaitThumbnail(pending.id()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shut down");
  }
}
