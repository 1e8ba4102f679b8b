package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Files API as replicate-python's {@code files.create} sends it and Replicate answers it. */
class ReplicateFilesTest {
  static final String TOKEN = "r8_FilesTestTokenNeverPrinted0123456789";
  MockWebServer server;
  ReplicateClient client;
  final TestClocks.InstantScheduler scheduler = new TestClocks.InstantScheduler();

  /** A {@code POST /v1/files} answer, with the fields of replicate-python's {@code File}. */
  static String fileJson(String base, String id, String name, String type, long size) {
    return "{\"id\":\""
        + id
        + "\",\"name\":\""
        + name
        + "\",\"content_type\":\""
        + type
        + "\",\"size\":"
        + size
        + ","
        + "\"etag\":\"a7e8e2e8d2a9c1f0e1\",\"checksums\":{\"sha256\":\"0f1e\",\"md5\":\"a7e8\"},\"metadata\":{},"
        + "\"created_at\":\"2025-11-14T10:00:00.000Z\",\"expires_at\":\"2025-11-15T10:00:00.000Z\","
        + "\"urls\":{\"get\":\""
        + base
        + "/files/"
        + id
        + "\"}}";
  }

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    client =
        ReplicateClient.builder()
            .token(TOKEN)
            .baseUrl(server.url("/v1").toString())
            .createsPerMinute(0)
            .scheduler(scheduler)
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    scheduler.shutdownNow();
    server.close();
  }

  @Test
  void uploadsAFileAsMultipartContentAndReturnsItsGetUrl() throws Exception {
    String base = server.url("/v1").toString();
    server.enqueue(
        new MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "application/json")
            .body(fileJson(base, "MTQzODcyNjYtZmU1Yy00", "mask.png", "image/png", 5))
            .build());

    ReplicateFile file =
        client
            .files()
            .create("\u0089PNG\r".getBytes(StandardCharsets.ISO_8859_1), "mask.png", "image/png");

    assertThat(file.id()).isEqualTo("MTQzODcyNjYtZmU1Yy00");
    assertThat(file.url()).isEqualTo(base + "/files/MTQzODcyNjYtZmU1Yy00");
    assertThat(file.contentType()).isEqualTo("image/png");
    assertThat(file.size()).isEqualTo(5);
    assertThat(file.expiresAt()).contains(Instant.parse("2025-11-15T10:00:00Z"));
    RecordedRequest r = server.takeRequest();
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/files");
    assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    String contentType = r.getHeaders().get("Content-Type");
    assertThat(contentType).startsWith("multipart/form-data; boundary=");
    String boundary = contentType.substring(contentType.indexOf('=') + 1);
    String body = r.getBody().string(StandardCharsets.ISO_8859_1);
    assertThat(body)
        .isEqualTo(
            "--"
                + boundary
                + "\r\n"
                + "Content-Disposition: form-data; name=\"content\"; filename=\"mask.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n"
                + "\u0089PNG\r"
                + "\r\n--"
                + boundary
                + "--\r\n");
  }

  @Test
  void getsAndDeletesByIdAndRefusesBadInputBeforeAnyRequest() throws Exception {
    String base = server.url("/v1").toString();
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body(fileJson(base, "abc", "a.png", "image/png", 9))
            .build());
    server.enqueue(new MockResponse.Builder().code(204).build());

    assertThat(client.files().get("abc").name()).isEqualTo("a.png");
    client.files().delete("abc");
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/files/abc");
    RecordedRequest delete = server.takeRequest();
    assertThat(delete.getMethod()).isEqualTo("DELETE");

    assertThatThrownBy(() -> client.files().get("../predictions"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.files().create(new byte[1], "a\".png", "image/png"))
        .hasMessageContaining("quotes");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  MockResponse created(long size) {
    return new MockResponse.Builder()
        .code(201)
        .addHeader("Content-Type", "application/json")
        .body(fileJson(server.url("/v1").toString(), "f1", "a.png", "image/png", size))
        .build();
  }

  @Test
  void emptyContentIsUploadedAsReplicateAcceptsIt() throws Exception {
    server.enqueue(created(0));

    assertThat(client.files().create(new byte[0], "empty.txt", "text/plain").size()).isZero();
    String body = server.takeRequest().getBody().string(StandardCharsets.ISO_8859_1);
    assertThat(body).contains("Content-Type: text/plain\r\n\r\n\r\n--renderlab-");
  }

  @Test
  void aFileFromDiskIsStreamedAsItsExactBytes(@TempDir Path dir) throws Exception {
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(bytes);
    Path file = Files.write(dir.resolve("photo.png"), bytes);
    server.enqueue(created(bytes.length));

    client.files().create(file, "photo.png", "image/png");

    RecordedRequest r = server.takeRequest();
    byte[] sent = r.getBody().toByteArray();
    String head = new String(sent, 0, 200, StandardCharsets.ISO_8859_1);
    int start = head.indexOf("\r\n\r\n") + 4;
    assertThat(Arrays.copyOfRange(sent, start, start + bytes.length)).isEqualTo(bytes);
    assertThat(
            new String(
                sent,
                start + bytes.length,
                sent.length - start - bytes.length,
                StandardCharsets.ISO_8859_1))
        .matches("\r\n--renderlab-[0-9a-f-]+--\r\n");
    assertThat(r.getHeaders().get("Content-Length")).isEqualTo(String.valueOf(sent.length));
  }

  @Test
  void contentOf100MegabytesIsRefusedBeforeAnythingIsSent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(100_000_000L); // sparse: no heap, little disk
    }

    assertThatThrownBy(() -> client.files().create(file, "big.bin", "application/octet-stream"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100000000 bytes")
        .hasMessageContaining("under 100 MB");
    assertThat(server.getRequestCount()).isZero();
    assertThat(ReplicateFiles.MAX_BYTES).isEqualTo(99_999_999L);
  }

  @Test
  void anUploadIsRetriedWhenThrottledButNeverAfterAServerErrorOrALostConnection() throws Exception {
    server.enqueue(FakeReplicate.throttled("2"));
    server.enqueue(created(5));
    assertThat(client.files().create(new byte[5], "a.png", "image/png").id()).isEqualTo("f1");
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(scheduler.delays).contains(Duration.ofSeconds(2));

    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(created(5));
    assertThatThrownBy(() -> client.files().create(new byte[5], "a.png", "image/png"))
        .hasMessageContaining("HTTP 503");
    assertThat(server.getRequestCount()).isEqualTo(3);
    client.files().create(new byte[5], "a.png", "image/png"); // takes the unused answer

    server.enqueue(ReplicateClientTest.dropped());
    server.enqueue(created(5));
    assertThatThrownBy(() -> client.files().create(new byte[5], "a.png", "image/png"))
        .hasMessageContaining("not sent again")
        .hasMessageContaining("uploading file a.png");
    assertThat(server.getRequestCount()).isEqualTo(5);
  }

  @Test
  void anUploadSlowerThanTheRequestTimeoutIsSentOnceAndSucceeds(@TempDir Path dir)
      throws Exception {
    // 2 MiB over a 1 MiB/s uplink (the fake reads the body throttled) takes ~2 s, twice the
    // request timeout: the upload's own timeout (1 s + 2 MiB at 128 KiB/s = 17 s) lets it finish.
    byte[] bytes = new byte[2 * 1024 * 1024];
    new Random(3).nextBytes(bytes);
    Path file = Files.write(dir.resolve("photo.png"), bytes);
    server.enqueue(
        new MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "application/json")
            .body(fileJson(server.url("/v1").toString(), "slow", "photo.png", "image/png", 1))
            .throttleBody(256 * 1024, 250, java.util.concurrent.TimeUnit.MILLISECONDS)
            .build());
    try (ReplicateClient slow = client.toBuilder().requestTimeout(Duration.ofSeconds(1)).build()) {
      long start = System.nanoTime();
      assertThat(slow.files().create(file, "photo.png", "image/png").id()).isEqualTo("slow");
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took)
          .as("the fake did throttle the upload")
          .isGreaterThan(Duration.ofMillis(1500));
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(server.takeRequest().getBody().size()).isGreaterThan(bytes.length);
  }

  @Test
  void anUploadsTimeoutGrowsWithItsSize() {
    Duration base = Duration.ofSeconds(30);
    assertThat(ReplicateFiles.uploadTimeout(base, 0)).isEqualTo(base);
    // 40 MiB over a 1 MiB/s uplink takes 40 s: the timeout leaves room for a slower one.
    assertThat(ReplicateFiles.uploadTimeout(base, 40L * 1024 * 1024))
        .isEqualTo(Duration.ofSeconds(30 + 320));
    assertThat(ReplicateFiles.uploadTimeout(base, ReplicateFiles.MAX_BYTES))
        .isGreaterThan(Duration.ofMinutes(12));
  }
}
