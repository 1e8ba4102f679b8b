package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every {@link ImageStore} must do. */
abstract class ImageStoreContract {
  abstract ImageStore store();

  static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static String key() {
    return "user-1/" + UUID.randomUUID() + ".png";
  }

  static byte[] read(ImageStore store, String key) throws Exception {
    try (InputStream in = store.open(key)) {
      return in.readAllBytes();
    }
  }

  @Test
  void storesAStreamOfKnownLengthAndReadsItBack() throws Exception {
    byte[] body = bytes(100_000, 1);
    String key = key();

    StoredObject stored =
        store()
            .put(
                key,
                new ByteArrayInputStream(body),
                PutOptions.of("image/png").withLength(body.length));

    assertThat(stored.bytes()).isEqualTo(body.length);
    assertThat(stored.sha256()).isEqualTo(sha256(body));
    assertThat(stored.url()).endsWith(key);
    assertThat(store().exists(key)).isTrue();
    assertThat(read(store(), key)).isEqualTo(body);
  }

  @Test
  void storesAStreamOfUnknownLength() throws Exception {
    byte[] body = bytes(70_000, 2);
    String key = key();

    StoredObject stored =
        store().put(key, new ByteArrayInputStream(body), PutOptions.of("image/png"));

    assertThat(stored.sha256()).isEqualTo(sha256(body));
    assertThat(read(store(), key)).isEqualTo(body);
  }

  @Test
  void neverOverwritesUnlessAsked() throws Exception {
    String key = key();
    store().put(key, new ByteArrayInputStream(bytes(10, 3)), PutOptions.of("image/png"));

    assertThatThrownBy(
            () ->
                store()
                    .put(key, new ByteArrayInputStream(bytes(10, 4)), PutOptions.of("image/png")))
        .isInstanceOf(ObjectExistsException.class)
        .hasMessageContaining(key);
    assertThat(read(store(), key)).isEqualTo(bytes(10, 3));

    store()
        .put(
            key,
            new ByteArrayInputStream(bytes(10, 5)),
            PutOptions.of("image/png").withOverwrite(true));
    assertThat(read(store(), key)).isEqualTo(bytes(10, 5));
  }

  @Test
  void aBodyThatFailsMidwayLeavesNoObject() {
    String key = key();
    InputStream failing =
        new InputStream() {
          int sent;

          @Override
          public int read() {
            if (sent++ > 50_000) {
              throw new IllegalStateException("connection reset");
            }
            return 7;
          }
        };

    assertThatThrownBy(() -> store().put(key, failing, PutOptions.of("image/png")))
        .isInstanceOf(RuntimeException.class);
    assertThat(store().exists(key)).isFalse();
  }

  /**
   * Whether the server under test evaluates the no-overwrite precondition atomically. The folder
   * store and AWS S3 do; S3Mock checks, then writes, so two racing writers can both pass its check.
   */
  boolean conditionalWriteIsAtomic() {
    return true;
  }

  @Test
  void concurrentWritersOfOneKeyLeaveOneWholeBodyAndTellTheLosers() throws Exception {
    String key = key();
    int writers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      byte[] body = bytes(20_000, i);
      bodies.add(body);
      results.add(
          pool.submit(
              () -> {
                go.await();
                try {
                  store().put(key, new ByteArrayInputStream(body), PutOptions.of("image/png"));
                  return true;
                } catch (ObjectExistsException e) {
                  return false;
                }
              }));
    }
    go.countDown();
    int winners = 0;
    for (Future<Boolean> f : results) {
      winners += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
    }
    pool.shutdown();
    if (conditionalWriteIsAtomic()) {
      assertThat(winners).isEqualTo(1);
    } else {
      assertThat(winners).isBetween(1, writers);
    }
    byte[] stored = read(store(), key);
    assertThat(bodies).anySatisfy(body -> assertThat(stored).isEqualTo(body));
  }

  @Test
  void deletesAndReportsWhetherSomethingWasThere() throws Exception {
    String key = key();
    store().put(key, new ByteArrayInputStream(bytes(10, 6)), PutOptions.of("image/png"));

    assertThat(store().delete(key)).isTrue();
    assertThat(store().exists(key)).isFalse();
    assertThat(store().delete(key)).isFalse();
    assertThatThrownBy(() -> store().open(key))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(key);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../etc/passwd",
        "/abs/key.png",
        "a/../b.png",
        "a\\b.png",
        "a//b.png",
        "a/./b.png",
        "tab\tkey",
        ""
      })
  void refusesUnsafeKeys(String key) {
    assertThatThrownBy(
            () ->
                store().put(key, new ByteArrayInputStream(new byte[1]), PutOptions.of("image/png")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key");
  }

  @Test
  void acceptsTheNearestSafeKeys() throws Exception {
    for (String key : List.of("thumbs/user 1/a..b.webp", "user-1/ünïcødé.png", "a/b/c/d.png")) {
      store()
          .put(
              key,
              new ByteArrayInputStream(bytes(5, 7)),
              PutOptions.of("image/png").withOverwrite(true));
      assertThat(read(store(), key)).hasSize(5);
    }
  }
}
