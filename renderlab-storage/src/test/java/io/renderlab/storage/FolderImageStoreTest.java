package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderImageStoreTest extends ImageStoreContract {
  @TempDir Path root;
  FolderImageStore store;

  @BeforeEach
  void setUp() {
    store = FolderImageStore.of(root.resolve("objects"));
  }

  @Override
  ImageStore store() {
    return store;
  }

  @Test
  void publicUrlsAreFileUrlsOrUnderTheConfiguredBase() {
    assertThat(store.publicUrl("u/a b.png")).startsWith("file:").endsWith("/objects/u/a%20b.png");
    FolderImageStore served =
        FolderImageStore.of(root.resolve("objects"), "http://localhost:8080/files/");
    assertThat(served.publicUrl("u/a.png")).isEqualTo("http://localhost:8080/files/u/a.png");
  }

  @Test
  void leavesNoTemporaryFilesBehind() throws Exception {
    store.put("u/a.png", new ByteArrayInputStream(new byte[100]), PutOptions.of("image/png"));
    try (Stream<Path> files = Files.walk(store.root())) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .containsExactly("a.png");
    }
  }

  @Test
  void aLengthMismatchStoresNothing() {
    assertThatThrownBy(
            () ->
                store.put(
                    "u/short.png",
                    new ByteArrayInputStream(new byte[10]),
                    PutOptions.of("image/png").withLength(20)))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("announced");
    assertThat(store.exists("u/short.png")).isFalse();
  }

  @Test
  void cannotSignUrls() {
    assertThatThrownBy(() -> store.signedUrl("u/a.png", Duration.ofMinutes(1)))
        .isInstanceOf(StorageException.class);
  }
}
