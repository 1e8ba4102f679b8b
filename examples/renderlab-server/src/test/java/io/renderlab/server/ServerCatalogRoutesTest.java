package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.ThumbnailJobStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog-backed routes: history, lineage, thumbnail re-enqueue, files, auth and isolation. */
class ServerCatalogRoutesTest {
  static final String SECRET = "test-secret-that-is-at-least-thirty-two-bytes";
  @TempDir Path files;
  JdbcImageCatalog catalog;
  RenderLabServer server;
  final HttpClient http = HttpClient.newHttpClient();
  final TestTokens tokens = TestTokens.hs256(SECRET, Clock.systemUTC());

  @BeforeEach
  void start() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    server =
        RenderLabServer.builder()
            .catalog(catalog, catalog.thumbnailJobs())
            .jwtSecret(SECRET)
            .filesRoot(files)
            .port(0)
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> get(String path, String user) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (user != null) {
      b.header("Authorization", "Bearer " + tokens.issue(user, Duration.ofMinutes(5)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postJson(String path, String user, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Authorization", "Bearer " + tokens.issue(user, Duration.ofMinutes(5)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  ImageRecord save(String user, String name, String url, String reference, Instant at) {
    return catalog.save(
        ImageRecord.builder()
            .userId(user)
            .kind(ImageKind.GENERATED)
            .name(name)
            .url(url)
            .storageKey(user + "/" + name)
            .referenceUrl(reference)
            .prompt("prompt of " + name)
            .createdAt(at)
            .build());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return RenderLabServer.JSON.readTree(r.body());
  }

  @Test
  void historyUsesTheSeedsColumnNamesAndPages() throws Exception {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    ImageRecord a = save("ada", "a", "https://cdn.test/a.png", null, t);
    ImageRecord b = save("ada", "b", "https://cdn.test/b.png", a.url(), t.plusSeconds(1));
    save("bob", "c", "https://cdn.test/c.png", null, t.plusSeconds(2));

    HttpResponse<String> first = get("/api/history?limit=1", "ada");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(get("/api/history", null).headers().firstValue("Cache-Control"))
        .as("an error too")
        .hasValue("no-store");
    JsonNode page = json(first);
    assertThat(page.get("images")).hasSize(1);
    JsonNode row = page.get("images").get(0);
    assertThat(row.get("id").asText()).isEqualTo(b.id().toString());
    assertThat(row.get("reference_url").asText()).isEqualTo(a.url());
    assertThat(row.has("thumb_url")).isTrue();
    assertThat(row.get("created_at").asText()).isEqualTo("2026-01-01T00:00:01Z");

    JsonNode second =
        json(get("/api/history?limit=1&cursor=" + page.get("nextCursor").asText(), "ada"));
    assertThat(second.get("images").get(0).get("id").asText()).isEqualTo(a.id().toString());
    assertThat(second.get("nextCursor").isNull()).isTrue();
  }

  @Test
  void requestsWithoutAValidTokenGet401WithAJsonError() throws Exception {
    HttpResponse<String> none = get("/api/history", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(json(none).get("error").asText()).contains("Bearer");

    HttpResponse<String> forged =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/history"))
                .header(
                    "Authorization",
                    "Bearer "
                        + TestTokens.hs256(SECRET + "!", Clock.systemUTC())
                            .issue("ada", Duration.ofMinutes(1)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
  }

  @Test
  void aUserCannotSeeAnotherUsersImage() throws Exception {
    ImageRecord mine = save("ada", "a", "https://cdn.test/a.png", null, Instant.now());

    assertThat(get("/api/images/" + mine.id() + "/lineage", "ada").statusCode()).isEqualTo(200);
    assertThat(get("/api/images/" + mine.id() + "/lineage", "mallory").statusCode()).isEqualTo(404);
    assertThat(
            postJson("/api/generate-thumbnail", "mallory", "{\"imageId\":\"" + mine.id() + "\"}")
                .statusCode())
        .isEqualTo(404);
    assertThat(json(get("/api/history", "mallory")).get("images")).isEmpty();
  }

  @Test
  void lineageIsOldestFirst() throws Exception {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    ImageRecord v1 = save("ada", "v1", "https://cdn.test/v1.png", null, t);
    ImageRecord v2 = save("ada", "v2", "https://cdn.test/v2.png", v1.url(), t.plusSeconds(1));

    JsonNode chain = json(get("/api/images/" + v2.id() + "/lineage", "ada")).get("chain");
    assertThat(chain).extracting(n -> n.get("name").asText()).containsExactly("v1", "v2");
  }

  @Test
  void generateThumbnailReEnqueuesTheJob() throws Exception {
    ImageRecord a = save("ada", "a", "https://cdn.test/a.png", null, Instant.now());
    catalog.thumbnailJobs().lease("w", 1, Duration.ofMinutes(1));
    catalog.thumbnailJobs().fail(a.id(), "w", "boom", null);

    HttpResponse<String> r =
        postJson("/api/generate-thumbnail", "ada", "{\"imageId\":\"" + a.id() + "\"}");

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(catalog.thumbnailJobs().status(a.id()).orElseThrow().state())
        .isEqualTo(ThumbnailJobStatus.State.PENDING);
  }

  @Test
  void malformedOrIncompleteJsonGets400NamingTheField() throws Exception {
    HttpResponse<String> missing = postJson("/api/generate-thumbnail", "ada", "{}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(missing).get("error").asText()).contains("imageId");

    HttpResponse<String> broken = postJson("/api/generate-thumbnail", "ada", "{\"imageId\":");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(json(broken).get("error").asText()).contains("malformed");
  }

  @Test
  void anOversizedJsonBodyGets413() throws Exception {
    // The declared length is refused before the body is read and the connection closed without
    // draining it, so a client pushing the whole body may meet the close (a reset) before it reads
    // the 413: this one sends the headers and the body's first bytes, then reads the answer.
    byte[] body =
        ("{\"imageId\":\"" + "x".repeat(RenderLabServer.MAX_JSON_BYTES + 10) + "\"}")
            .getBytes(StandardCharsets.US_ASCII);
    ServerHardeningTest.Answer answer;
    try (java.net.Socket socket =
        new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST /api/generate-thumbnail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + tokens.issue("ada", Duration.ofMinutes(5))
                      + "\r\nContent-Type: application/json\r\nContent-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body, 0, Math.min(body.length, 16 * 1024));
      answer =
          ServerHardeningTest.readAnswer(new java.io.BufferedInputStream(socket.getInputStream()));
    }
    assertThat(answer.status()).isEqualTo(413);
  }

  @Test
  void filesAreServedWithTheirTypeButNeverOutsideTheRoot() throws Exception {
    Files.createDirectories(files.resolve("ada"));
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};
    Files.write(files.resolve("ada/a.png"), png);
    Files.writeString(files.getParent().resolve("secret.txt"), "top secret");

    HttpResponse<String> ok = get("/files/ada/a.png", null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(get("/files/../secret.txt", null).statusCode()).isEqualTo(404);
    assertThat(get("/files/%2e%2e/secret.txt", null).statusCode()).isEqualTo(404);
    assertThat(get("/files/ada/", null).statusCode()).isEqualTo(404);
    assertThat(get("/files/ada", null).statusCode()).isEqualTo(404);
  }

  @Test
  void healthAndGalleryNeedNoToken() throws Exception {
    assertThat(get("/healthz", null).body()).contains("ok");
    HttpResponse<String> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>RenderLab gallery</title>");
  }
}
