package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Files API as replicate-python's {@code files.create} sends it and Replicate answers it. */
class ReplicateFilesTest {
  static final String TOKEN = "r8_FilesTestTokenNeverPrinted0123456789";
  MockWebServer server;
  ReplicateClient client;

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
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
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
    assertThatThrownBy(() -> client.files().create(new byte[0], "a.png", "image/png"))
        .hasMessageContaining("1 byte");
    assertThatThrownBy(() -> client.files().create(new byte[1], "a\".png", "image/png"))
        .hasMessageContaining("quotes");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }
}
