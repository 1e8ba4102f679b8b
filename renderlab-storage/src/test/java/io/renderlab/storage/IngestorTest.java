package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.RemoteFetchFailedException;
import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StoredObject;
import io.renderlab.core.UnsupportedImageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IngestorTest {
  static final byte[] PNG = png(5000);
  static final byte[] JPEG = {
    (byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 3
  };

  @TempDir Path root;
  MockWebServer server;
  FolderImageStore store;
  Ingestor ingestor;

  static byte[] png(int size) {
    byte[] b = ImageStoreContract.bytes(size, 11);
    byte[] sig = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    System.arraycopy(sig, 0, b, 0, sig.length);
    return b;
  }

  @BeforeEach
  void setUp() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    store = FolderImageStore.of(root.resolve("objects"));
    ingestor =
        Ingestor.builder()
            .store(store)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").maxBytes(10_000).build())
            .retryPolicy(
                RetryPolicy.builder()
                    .initialBackoff(Duration.ZERO)
                    .maxBackoff(Duration.ZERO)
                    .build())
            .build();
  }

  @AfterEach
  void tearDown() throws IOException {
    server.close();
  }

  @Test
  void reuploadsAnExpiringOutputAndReturnsAPermanentUrl() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body(new Buffer().write(PNG))
            .addHeader("Content-Type", "application/octet-stream")
            .build());

    StoredObject stored =
        ingestor.ingest(server.url("/pbxt/abc.jpg?token=x").toString(), "user-1", "generated");

    assertThat(stored.key()).matches("user-1/generated_\\d+_[a-z0-9]{10}\\.png");
    assertThat(stored.contentType()).isEqualTo("image/png");
    assertThat(stored.bytes()).isEqualTo(PNG.length);
    assertThat(stored.sha256()).isEqualTo(ImageStoreContract.sha256(PNG));
    assertThat(Files.readAllBytes(Path.of(java.net.URI.create(stored.url())))).isEqualTo(PNG);
  }

  @Test
  void theExtensionComesFromTheContentNotTheUrl() {
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(JPEG)).build());

    assertThat(ingestor.ingest(server.url("/image.png").toString(), "u", "generated").key())
        .endsWith(".jpg");
  }

  @Test
  void retriesATransientFailureThenSucceeds() {
    server.enqueue(new MockResponse.Builder().code(503).build());
    server.enqueue(new MockResponse.Builder().code(502).build());
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThat(ingestor.ingest(server.url("/flaky.png").toString(), "u", "generated").bytes())
        .isEqualTo(PNG.length);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void anExpiredSourceIsReportedAndNotRetried() {
    server.enqueue(new MockResponse.Builder().code(404).build());

    assertThatThrownBy(
            () -> ingestor.ingest(server.url("/expired.png").toString(), "u", "generated"))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("expired");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void refusalsStoreNothing() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body("<html>hi</html>")
            .addHeader("Content-Type", "image/png")
            .build());
    server.enqueue(
        new MockResponse.Builder().chunkedBody(new Buffer().write(png(50_000)), 1000).build());

    assertThatThrownBy(() -> ingestor.ingest(server.url("/html").toString(), "u", "generated"))
        .isInstanceOf(RemoteFetchRefusedException.class);
    assertThatThrownBy(() -> ingestor.ingest(server.url("/huge").toString(), "u", "generated"))
        .isInstanceOf(RemoteFetchRefusedException.class);
    assertThatThrownBy(
            () -> ingestor.ingest("http://169.254.169.254/latest/meta-data", "u", "generated"))
        .isInstanceOf(RemoteFetchRefusedException.class);
    try (Stream<Path> files = Files.walk(store.root())) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  /** One hostile input: what the server answers, and the URL to ingest. */
  interface Hostile {
    String url(MockWebServer server);
  }

  static Stream<Arguments> hostileInputs() {
    return Stream.of(
        Arguments.of(
            "HTML served as image/png",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .body("<html>hi</html>")
                          .addHeader("Content-Type", "image/png")
                          .build());
                  return s.url("/fake.png").toString();
                }),
        Arguments.of(
            "over the cap with a length",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder().body(new Buffer().write(png(10_001))).build());
                  return s.url("/big.png").toString();
                }),
        Arguments.of(
            "over the cap without a length",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .chunkedBody(new Buffer().write(png(10_001)), 1000)
                          .build());
                  return s.url("/big-chunked.png").toString();
                }),
        Arguments.of(
            "slow body past the idle timeout",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .body(new Buffer().write(png(3000)))
                          .throttleBody(1000, 1, TimeUnit.SECONDS)
                          .build());
                  return s.url("/slow.png").toString();
                }),
        Arguments.of(
            "redirect into cloud metadata",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .code(302)
                          .addHeader("Location", "http://169.254.169.254/latest/meta-data/")
                          .build());
                  return s.url("/r1").toString();
                }),
        Arguments.of(
            "redirect into another loopback address",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .code(307)
                          .addHeader("Location", "http://[::ffff:127.0.0.2]/x.png")
                          .build());
                  return s.url("/r2").toString();
                }),
        Arguments.of(
            "redirect to file:",
            (Hostile)
                s -> {
                  s.enqueue(
                      new MockResponse.Builder()
                          .code(301)
                          .addHeader("Location", "file:///etc/passwd")
                          .build());
                  return s.url("/r3").toString();
                }),
        Arguments.of("decimal loopback", (Hostile) s -> "http://2130706434/x.png"),
        Arguments.of("hex loopback", (Hostile) s -> "http://0x7f.0.0.2/x.png"),
        Arguments.of("short loopback", (Hostile) s -> "http://127.2/x.png"),
        Arguments.of("IPv6 loopback", (Hostile) s -> "http://[::1]/x.png"),
        Arguments.of("unspecified", (Hostile) s -> "http://0.0.0.0/x.png"),
        Arguments.of("private", (Hostile) s -> "http://10.0.0.1/x.png"),
        Arguments.of("CGNAT", (Hostile) s -> "http://100.64.0.1/x.png"),
        Arguments.of("unique-local", (Hostile) s -> "http://[fd00::1]/x.png"),
        Arguments.of("credentials", (Hostile) s -> "http://user:pw@127.0.0.1/x.png"),
        Arguments.of("another scheme", (Hostile) s -> "ftp://example.com/x.png"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void everyHostileInputIsRefusedWithNothingStored(String name, Hostile hostile) throws Exception {
    Ingestor impatient =
        Ingestor.builder()
            .store(store)
            .fetcher(
                RemoteFetcher.builder()
                    .allowHost("127.0.0.1")
                    .maxBytes(10_000)
                    .readTimeout(Duration.ofMillis(300))
                    .build())
            .retryPolicy(
                RetryPolicy.builder()
                    .initialBackoff(Duration.ZERO)
                    .maxBackoff(Duration.ZERO)
                    .build())
            .build();
    String url = hostile.url(server);

    assertThatThrownBy(() -> impatient.ingest(url, "u", "generated"))
        .isInstanceOfAny(RemoteFetchRefusedException.class, DeadlineExceededException.class)
        .hasMessageNotContaining("pw@");
    try (Stream<Path> files = Files.walk(store.root())) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void theNearestGoodInputsAreStored() {
    server.enqueue(
        new MockResponse.Builder().chunkedBody(new Buffer().write(png(10_000)), 1000).build());
    server.enqueue(
        new MockResponse.Builder().code(302).addHeader("Location", "/final.png").build());
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThat(
            ingestor
                .ingest(server.url("/exactly-the-cap.png").toString(), "u", "generated")
                .bytes())
        .isEqualTo(10_000);
    assertThat(ingestor.ingest(server.url("/redirected").toString(), "u", "generated").bytes())
        .isEqualTo(PNG.length);
  }

  @Test
  void aCallerNamedKeyIsNeverOverwritten() {
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    String url = server.url("/a.png").toString();

    ingestor.ingestTo(url, "custom/key.png");
    assertThatThrownBy(() -> ingestor.ingestTo(url, "custom/key.png"))
        .isInstanceOf(ObjectExistsException.class);
  }

  @Test
  void uploadsAStreamAndRefusesWhatIsNotAnImage() {
    StoredObject stored = ingestor.upload(new ByteArrayInputStream(PNG), "u", "upload");
    assertThat(stored.key()).startsWith("u/upload_").endsWith(".png");

    assertThatThrownBy(
            () -> ingestor.upload(new ByteArrayInputStream("GIF? no".getBytes()), "u", "upload"))
        .isInstanceOf(UnsupportedImageException.class);
    assertThatThrownBy(() -> ingestor.upload(new ByteArrayInputStream(png(20_000)), "u", "upload"))
        .isInstanceOf(RemoteFetchRefusedException.class);
  }

  @Test
  void identicalMasksAreStoredOnce() throws Exception {
    Path mask = root.resolve("mask.png");
    Files.write(mask, PNG);
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    // masks are users' URLs: exempt loopback for them explicitly, as only a test would
    RemoteFetcher loopback = RemoteFetcher.builder().allowHost("127.0.0.1").build();
    Ingestor ingestor =
        Ingestor.builder().store(store).fetcher(loopback).userFetcher(loopback).build();
    StoredObject first = ingestor.storeMask(mask, "u");
    StoredObject second = ingestor.storeMask(server.url("/mask.png").toString(), "u");

    assertThat(first.key()).isEqualTo("inpaint-masks/u/" + ImageStoreContract.sha256(PNG) + ".png");
    assertThat(second.url()).isEqualTo(first.url());
    try (Stream<Path> files = Files.walk(store.root().resolve("inpaint-masks"))) {
      assertThat(files.filter(Files::isRegularFile)).hasSize(1);
    }
  }

  @Test
  void masksFromUserUrlsGetTheStrictPolicyEvenWhenTheOperatorAllowsLoopback() throws Exception {
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThatThrownBy(() -> ingestor.storeMask(server.url("/mask.png").toString(), "u"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(RemoteFetchRefusedException.Reason.UNREACHABLE));
    assertThat(server.getRequestCount()).isZero();

    // the operator's own sources still get the exemption
    ingestor.ingest(server.url("/output.png").toString(), "u", "generated");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aUserUrlUnderTheStoresPublicBaseIsReadFromTheStoreNotFetched() throws Exception {
    // port 1: nothing listens there, so a fetch would fail; the store is read instead
    FolderImageStore served =
        FolderImageStore.of(root.resolve("served"), "http://127.0.0.1:1/files/");
    Ingestor ingestor =
        Ingestor.builder().store(served).fetcher(RemoteFetcher.builder().build()).build();
    served.put(
        "u/my mask.png",
        new ByteArrayInputStream(PNG),
        io.renderlab.core.PutOptions.of("image/png"));

    StoredObject mask = ingestor.storeMask(served.publicUrl("u/my mask.png"), "u");

    assertThat(mask.key()).isEqualTo("inpaint-masks/u/" + ImageStoreContract.sha256(PNG) + ".png");
    assertThat(mask.sha256()).isEqualTo(ImageStoreContract.sha256(PNG));
    ingestor.checkUserUrl(served.publicUrl("u/my mask.png"));
    ingestor.checkUserUrl(served.publicUrl("u/my mask.png") + "?v=2");

    assertThatThrownBy(() -> ingestor.storeMask("http://127.0.0.1:1/files/u/missing.png", "u"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageContaining("no object there");
    // a path that does not decode to a valid key is not ours: fetched under the strict policy,
    // refused
    assertThatThrownBy(
            () -> ingestor.storeMask("http://127.0.0.1:1/files/u/%2e%2e/%2e%2e/etc/passwd", "u"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(RemoteFetchRefusedException.Reason.UNREACHABLE));
  }

  @Test
  void userUrlsMustBeHttpAndPublic() {
    for (String bad :
        new String[] {
          "javascript:alert(1)",
          "data:image/png;base64,AAAA",
          "file:///etc/passwd",
          "ftp://x.example/a.png"
        }) {
      assertThatThrownBy(() -> ingestor.checkUserUrl(bad))
          .as(bad)
          .isInstanceOf(RemoteFetchRefusedException.class);
    }
    assertThatThrownBy(() -> ingestor.checkUserUrl(server.url("/a.png").toString()))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageNotContaining("loopback");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void rejectsUserIdsThatWouldEscapeTheirFolder() {
    assertThatThrownBy(() -> ingestor.ingest("https://example.com/a.png", "../other", "generated"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId");
    assertThatThrownBy(() -> ingestor.upload(new ByteArrayInputStream(PNG), "a/b", "upload"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
