package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.WebhookVerifier;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generation and upload routes over a real pipeline (Replicate faked on loopback). */
class ServerPipelineRoutesTest {
  static final String SECRET = "test-secret-that-is-at-least-thirty-two-bytes";
  static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final byte[] PNG = png();
  @TempDir Path files;
  MockWebServer fake;
  ReplicateClient replicate;
  ThumbnailService thumbnails;
  JdbcImageCatalog catalog;
  RenderLabServer server;
  RenderLabPipeline pipeline;
  final HttpClient http = HttpClient.newHttpClient();
  final TestTokens tokens = TestTokens.hs256(SECRET, Clock.systemUTC());
  final AtomicInteger ids = new AtomicInteger();

  /**
   * Each created prediction's JSON, as a poll of it answers (the fake's predictions never move).
   */
  final java.util.Map<String, String> predictions = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Predictions whose prompt contains "slow" wait for this gate (and count down slowArrived first).
   */
  final CountDownLatch slowGate = new CountDownLatch(1);

  final CountDownLatch slowArrived = new CountDownLatch(1);

  static byte[] png() {
    BufferedImage img = new BufferedImage(500, 300, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.MAGENTA);
    g.fillRect(0, 0, 500, 300);
    g.dispose();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static RenderLabServer.Builder pipelineServer(ServerPipelineRoutesTest t) throws IOException {
    t.fake = new MockWebServer();
    t.fake.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            if (path.startsWith("/files/")) {
              return new MockResponse.Builder().body(new Buffer().write(PNG)).build();
            }
            if ("GET".equals(r.getMethod()) && path.startsWith("/v1/predictions/")) {
              String known = t.predictions.get(path.substring("/v1/predictions/".length()));
              return known == null
                  ? new MockResponse.Builder().code(404).body("{\"detail\":\"Not found.\"}").build()
                  : new MockResponse.Builder()
                      .addHeader("Content-Type", "application/json")
                      .body(known)
                      .build();
            }
            String id = "p" + t.ids.incrementAndGet();
            String body = r.getBody() == null ? "" : r.getBody().utf8();
            if (body.contains("invalid")) {
              return new MockResponse.Builder()
                  .code(422)
                  .addHeader("Content-Type", "application/problem+json")
                  .body(
                      "{\"title\":\"Input validation failed\",\"detail\":\"prompt: too long\",\"status\":422}")
                  .build();
            }
            if (body.contains("slow")) {
              t.slowArrived.countDown();
              try {
                t.slowGate.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            String status =
                body.contains("fail")
                    ? "failed"
                    : body.contains("\"webhook\"") ? "starting" : "succeeded";
            String output =
                !status.equals("succeeded")
                    ? "null"
                    : "\"" + t.fake.url("/files/" + id + ".png") + "\"";
            String prediction =
                "{\"id\":\""
                    + id
                    + "\",\"model\":\"google/nano-banana\",\"status\":\""
                    + status
                    + "\",\"output\":"
                    + output
                    + ",\"error\":"
                    + (status.equals("failed") ? "\"boom\"" : "null")
                    + ",\"logs\":\"\",\"input\":{},\"urls\":{}}";
            t.predictions.put(id, prediction);
            return new MockResponse.Builder()
                .addHeader("Content-Type", "application/json")
                .body(prediction)
                .build();
          }
        });
    t.fake.start(InetAddress.getLoopbackAddress(), 0);
    t.replicate =
        ReplicateClient.builder()
            .token("r8_x")
            // Route and policy tests: model fields and the schema check are tested in the pipeline
            // and the Replicate client; here a model gets the fields it is told.
            .validateInputs(false)
            .baseUrl(t.fake.url("/v1").toString())
            .createsPerMinute(0)
            .retryPolicy(RetryPolicy.none())
            .build();
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    t.catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    t.catalog.migrate();
    FolderImageStore store = FolderImageStore.of(t.files, "http://127.0.0.1/files/");
    t.thumbnails =
        ThumbnailService.builder()
            .catalog(t.catalog)
            .jobs(t.catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .build()
            .start();
    Ingestor ingestor =
        Ingestor.builder()
            .store(store)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    t.pipeline =
        RenderLabPipeline.builder()
            .replicate(t.replicate)
            .inputFields(io.renderlab.pipeline.InputFields.defaults())
            .ingestor(ingestor)
            .catalog(t.catalog)
            .thumbnails(t.thumbnails)
            .build();
    return RenderLabServer.builder().pipeline(t.pipeline, t.thumbnails).filesRoot(t.files).port(0);
  }

  static RenderLabPipeline pipelineOf(ServerPipelineRoutesTest t) {
    return t.pipeline;
  }

  @BeforeEach
  void start() throws IOException {
    server =
        pipelineServer(this)
            .jwtSecret(SECRET)
            .webhookSecret(WEBHOOK_SECRET)
            .maxUploadBytes(1024 * 1024)
            .build()
            .start();
  }

  @AfterEach
  void stop() throws IOException {
    slowGate.countDown();
    server.close();
    thumbnails.close();
    replicate.close();
    fake.close();
  }

  HttpResponse<String> post(
      String path, String user, String contentType, HttpRequest.BodyPublisher body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).POST(body);
    if (user != null) {
      b.header("Authorization", "Bearer " + tokens.issue(user, Duration.ofMinutes(5)));
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postJson(String path, String user, String json) throws Exception {
    return post(path, user, "application/json", HttpRequest.BodyPublishers.ofString(json));
  }

  static HttpRequest.BodyPublisher multipart(String boundary, String filename, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HttpRequest.BodyPublishers.ofByteArray(out.toByteArray());
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return RenderLabServer.JSON.readTree(r.body());
  }

  @Test
  void generateAnswersInTheSeedsShape() throws Exception {
    HttpResponse<String> r =
        postJson(
            "/api/generate",
            "ada",
            "{\"prompt\":\"modern architecture\",\"imageUrl\":\"https://cdn.example.com/ref.png\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("status").asText()).isEqualTo("succeeded");
    assertThat(body.get("output").get("imageUrl").asText())
        .startsWith("http://127.0.0.1/files/ada/generated_");
    assertThat(body.get("image").get("reference_url").asText())
        .isEqualTo("https://cdn.example.com/ref.png");
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).hasSize(1);
  }

  @Test
  void aFailedPredictionAnswers502AndRecordsNothing() throws Exception {
    HttpResponse<String> r = postJson("/api/generate", "ada", "{\"prompt\":\"please fail\"}");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(json(r).get("error").asText()).contains("boom");
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).isEmpty();
  }

  @Test
  void editAndCollectionAnswerInTheSeedsShapes() throws Exception {
    HttpResponse<String> edit =
        postJson(
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\"data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString(PNG)
                + "\",\"prompt\":\"restore\"}");
    assertThat(edit.statusCode()).as(edit.body()).isEqualTo(200);
    assertThat(json(edit).get("success").asBoolean()).isTrue();
    assertThat(json(edit).get("image").get("mask_url").asText()).contains("inpaint-masks/ada/");

    HttpResponse<String> batch =
        postJson("/api/generate/collection", "ada", "{\"prompts\":[\"one\",\"please fail\"]}");
    assertThat(batch.statusCode()).isEqualTo(200);
    assertThat(json(batch).get("items"))
        .extracting(n -> n.get("status").asText())
        .containsExactly("succeeded", "failed");

    HttpResponse<String> missing =
        postJson(
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://x.test/a.png\",\"prompt\":\"p\"}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(missing).get("error").asText()).contains("maskUrl");
  }

  @Test
  void anUploadThatIsNotADecodableImageIs422AndNothingIsStored() throws Exception {
    // 70-odd bytes whose header claims 16000x16000 RGBA: under the pixel limit, but no data.
    java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
    bomb.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(16000).putInt(16000);
    ihdr.put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
    pngChunk(bomb, "IHDR", ihdr.array());
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(new byte[100]);
    deflater.finish();
    byte[] idat = new byte[64];
    pngChunk(bomb, "IDAT", java.util.Arrays.copyOf(idat, deflater.deflate(idat)));
    pngChunk(bomb, "IEND", new byte[0]);
    for (byte[] content :
        java.util.List.of(bomb.toByteArray(), "not an image".getBytes(StandardCharsets.UTF_8))) {
      String boundary = "renderlab" + UUID.randomUUID();
      HttpResponse<String> refused =
          post(
              "/api/upload",
              "ada",
              "multipart/form-data; boundary=" + boundary,
              multipart(boundary, "bomb.png", content));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
      assertThat(json(refused).get("error").asText()).isNotBlank();
    }
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).isEmpty();
    try (java.util.stream.Stream<Path> stored = java.nio.file.Files.walk(files)) {
      assertThat(stored.filter(java.nio.file.Files::isRegularFile)).isEmpty();
    }
  }

  private static void pngChunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    crc.update(t);
    crc.update(data);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  @Test
  void aStorageFailureAnswers502WithoutTheStoragePathTheKeyOrTheUsersFolder() throws Exception {
    // A file where ada's folder should be: the store cannot write under it.
    java.nio.file.Files.writeString(files.resolve("ada"), "in the way");
    String boundary = "renderlab" + UUID.randomUUID();
    HttpResponse<String> r =
        post(
            "/api/upload",
            "ada",
            "multipart/form-data; boundary=" + boundary,
            multipart(boundary, "photo.png", PNG));

    assertThat(r.statusCode()).isEqualTo(502);
    String error = json(r).get("error").asText();
    assertThat(error)
        .isEqualTo("the image store failed; try again later")
        .doesNotContain(files.toString())
        .doesNotContain(files.toRealPath().toString())
        .doesNotContain("ada/");
  }

  @Test
  void errorMessagesLoseAbsolutePathsButKeepUrlsAndKeys() {
    assertThat(
            ApiErrors.scrub(
                "No object at key 'bob/x.png' in /srv/renderlab/objects. Writing to"
                    + " /tmp/renderlab-123/part failed; see https://cdn.example.com/a/b.png or"
                    + " http://127.0.0.1:1/files/ada/c.png"))
        .isEqualTo(
            "No object at key 'bob/x.png' in <path>. Writing to <path> failed; see"
                + " https://cdn.example.com/a/b.png or http://127.0.0.1:1/files/ada/c.png");
    assertThat(ApiErrors.scrub("field 'model' must be owner/name")).contains("owner/name");
    assertThat(ApiErrors.scrub(null)).isNull();
  }

  @Test
  void uploadsAreStoredAndTooLargeOnesGet413WhileTheServerKeepsServing() throws Exception {
    String boundary = "renderlab" + UUID.randomUUID();
    HttpResponse<String> ok =
        post(
            "/api/upload",
            "ada",
            "multipart/form-data; boundary=" + boundary,
            multipart(boundary, "photo.png", PNG));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(json(ok).get("output").get("publicUrl").asText()).contains("/files/ada/upload_");

    // A 2 MiB upload over the 1 MiB cap. The declared length is refused before the body is read
    // and the connection closed without draining it, so a client pushing all 2 MiB may meet the
    // close (a reset) before it reads the 413: this client sends the headers and the body's first
    // 64 KiB (Jetty dispatches once content arrives), then reads the answer.
    ServerHardeningTest.Answer tooBig;
    try (java.net.Socket socket =
        new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + tokens.issue("ada", Duration.ofMinutes(5))
                      + "\r\nContent-Type: multipart/form-data; boundary="
                      + boundary
                      + "\r\nContent-Length: "
                      + 2 * 1024 * 1024
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(new byte[64 * 1024]);
      tooBig =
          ServerHardeningTest.readAnswer(new java.io.BufferedInputStream(socket.getInputStream()));
    }
    assertThat(tooBig.status()).isEqualTo(413);

    HttpResponse<String> notImage =
        post(
            "/api/upload",
            "ada",
            "multipart/form-data; boundary=" + boundary,
            multipart(boundary, "x.txt", "hello".getBytes(StandardCharsets.UTF_8)));
    assertThat(notImage.statusCode()).isEqualTo(422);

    assertThat(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void webhooksAreVerifiedAndDuplicatesAreHarmless() throws Exception {
    postJson("/api/generate", "ada", "{\"prompt\":\"x\"}");
    String body = "{\"id\":\"p1\",\"status\":\"succeeded\"}";
    long now = System.currentTimeMillis() / 1000;
    String sig =
        WebhookVerifier.of(WEBHOOK_SECRET)
            .signature("msg_1", now, body.getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder good =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/api/webhooks/replicate"))
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", Long.toString(now))
            .header("webhook-signature", sig)
            .POST(HttpRequest.BodyPublishers.ofString(body));

    HttpResponse<String> first = http.send(good.build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> again = http.send(good.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(again).get("alreadyRecorded").asBoolean()).isTrue();
    assertThat(catalog.findByPrediction("p1")).hasSize(1);

    HttpResponse<String> forged =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/webhooks/replicate"))
                .header("webhook-id", "msg_1")
                .header("webhook-timestamp", Long.toString(now))
                .header("webhook-signature", sig)
                .POST(HttpRequest.BodyPublishers.ofString(body.replace("succeeded", "failed")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
  }

  @Test
  void devUserModeOnlyBindsToLoopback() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                RenderLabServer.builder()
                    .catalog(catalog, catalog.thumbnailJobs())
                    .devUser("me")
                    .host("0.0.0.0")
                    .build())
        .hasMessageContaining("loopback");
  }

  HttpRequest signedDelivery(String secret, String messageId, String body) {
    long now = System.currentTimeMillis() / 1000;
    String sig =
        WebhookVerifier.of(secret).signature(messageId, now, body.getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/api/webhooks/replicate"))
        .header("webhook-id", messageId)
        .header("webhook-timestamp", Long.toString(now))
        .header("webhook-signature", sig)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  @Test
  void withAPublicUrlAGenerationCompletesByWebhookOnceWhateverTheDuplicates() throws Exception {
    server.close();
    pipeline.close();
    // serve --public-url builds the pipeline with the server's webhook URL.
    pipeline =
        RenderLabPipeline.builder()
            .replicate(replicate)
            .inputFields(io.renderlab.pipeline.InputFields.defaults())
            .ingestor(pipeline.ingestor())
            .catalog(catalog)
            .thumbnails(thumbnails)
            .webhookUrl("https://renderlab.example.com/api/webhooks/replicate")
            .build();
    server =
        RenderLabServer.builder()
            .pipeline(pipelineOf(this), thumbnails)
            .filesRoot(files)
            .port(0)
            .jwtSecret(SECRET)
            .webhookSecret(WEBHOOK_SECRET)
            .publicUrl("https://renderlab.example.com/")
            .build()
            .start();

    java.util.concurrent.CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/generate"))
                .header("Authorization", "Bearer " + tokens.issue("ada", Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"by webhook\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    RecordedRequest create = fake.takeRequest();
    assertThat(create.getBody().utf8())
        .contains("\"webhook\":\"https://renderlab.example.com/api/webhooks/replicate\"")
        .contains("completed");
    String done =
        "{\"id\":\"p1\",\"model\":\"google/nano-banana\",\"status\":\"succeeded\",\"output\":\""
            + fake.url("/files/p1.png")
            + "\",\"error\":null,\"input\":{},\"urls\":{}}";

    // The prediction ends at Replicate (a poll now sees it), which delivers the event, maybe more
    // than once, even at the same time.
    predictions.put("p1", done);
    java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> deliveries =
        new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      deliveries.add(
          http.sendAsync(
              signedDelivery(WEBHOOK_SECRET, "msg_p1", done),
              HttpResponse.BodyHandlers.ofString()));
    }
    HttpResponse<String> answer = pending.get(30, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer).get("image").get("prediction_id").asText()).isEqualTo("p1");
    java.util.List<String> outcomes = new java.util.ArrayList<>();
    for (var d : deliveries) {
      HttpResponse<String> r = d.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      outcomes.add(json(r).get("outcome").asText());
    }
    // A delivery may arrive before the create's answer is saved ("unknown": Replicate delivers it
    // again), while the waiting request stores the outputs ("not_terminal" is never answered for a
    // terminal prediction), or after ("duplicate"); the outputs are stored once whatever the order.
    assertThat(outcomes).isSubsetOf("completed", "unknown", "duplicate", "accepted");
    assertThat(catalog.findByPrediction("p1")).hasSize(1);
    HttpResponse<String> late =
        http.send(
            signedDelivery(WEBHOOK_SECRET, "msg_p1", done), HttpResponse.BodyHandlers.ofString());
    assertThat(json(late).get("alreadyRecorded").asBoolean()).isTrue();
    assertThat(catalog.findByPrediction("p1")).hasSize(1);
  }

  @Test
  void theWebhookSecretIsFetchedOnceWhenNotConfigured() throws Exception {
    server.close();
    AtomicInteger fetches = new AtomicInteger();
    server =
        RenderLabServer.builder()
            .pipeline(pipelineOf(this), thumbnails)
            .port(0)
            .jwtSecret(SECRET)
            .webhookSecret(
                () -> {
                  fetches.incrementAndGet();
                  return WEBHOOK_SECRET;
                })
            .build()
            .start();
    String body = "{\"id\":\"zz\",\"status\":\"processing\"}";

    assertThat(
            http.send(
                    signedDelivery(WEBHOOK_SECRET, "m1", body),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(
                    signedDelivery(WEBHOOK_SECRET, "m2", body),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(
                    signedDelivery(
                        "whsec_"
                            + java.util.Base64.getEncoder()
                                .encodeToString("other".getBytes(StandardCharsets.UTF_8)),
                        "m3",
                        body),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    assertThat(fetches).hasValue(1);
  }

  @Test
  void aUsersThirdConcurrentGenerationGets429WithRetryAfterWhileOthersProceed() throws Exception {
    server.close();
    server =
        RenderLabServer.builder()
            .pipeline(pipelineOf(this), thumbnails)
            .filesRoot(files)
            .port(0)
            .jwtSecret(SECRET)
            .maxConcurrentGenerations(1)
            .build()
            .start();
    var slow =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/generate"))
                .header("Authorization", "Bearer " + tokens.issue("ada", Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow one\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> refused = postJson("/api/generate", "ada", "{\"prompt\":\"another\"}");
    HttpResponse<String> otherUser = postJson("/api/generate", "bob", "{\"prompt\":\"bob's\"}");
    slowGate.countDown();

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
    assertThat(json(refused).get("error").asText()).contains("too many");
    assertThat(otherUser.statusCode()).as(otherUser.body()).isEqualTo(200);
    assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(postJson("/api/generate", "ada", "{\"prompt\":\"after\"}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void closingStopsAcceptingButFinishesTheRequestInFlight() throws Exception {
    var inFlight =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/generate"))
                .header("Authorization", "Bearer " + tokens.issue("ada", Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow but finished\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
    int port = server.port();

    Thread closing = new Thread(server::close);
    closing.start();
    while (accepts(port)) {
      Thread.onSpinWait(); // until the listener is gone
    }
    slowGate.countDown();
    closing.join(30_000);

    HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).as(finished.body()).isEqualTo(200);
    assertThat(closing.isAlive()).isFalse();
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).hasSize(1);
  }

  static boolean accepts(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void inputReplicateRejectsGets422AndAnUploadWithoutTheFileFieldGets400NamingIt()
      throws Exception {
    HttpResponse<String> invalid =
        postJson("/api/generate", "ada", "{\"prompt\":\"invalid prompt\"}");
    assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(422);

    String boundary = "b" + UUID.randomUUID();
    String form =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nxx\r\n--"
            + boundary
            + "--\r\n";
    HttpResponse<String> wrongField =
        post(
            "/api/upload",
            "ada",
            "multipart/form-data; boundary=" + boundary,
            HttpRequest.BodyPublishers.ofString(form));
    assertThat(wrongField.statusCode()).isEqualTo(400);
    assertThat(json(wrongField).get("error").asText()).contains("'file'");

    HttpResponse<String> notMultipart = postJson("/api/upload", "ada", "{}");
    assertThat(notMultipart.statusCode()).isEqualTo(400);
  }

  @Test
  void tokensWithAlgNoneOrExpiredGet401JsonOverHttp() throws Exception {
    String none =
        JwtVerifierTest.b64("{\"alg\":\"none\"}")
            + "."
            + JwtVerifierTest.b64("{\"sub\":\"ada\",\"exp\":9999999999}")
            + ".";
    String expired =
        TestTokens.hs256(SECRET, Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)))
            .issue("ada", Duration.ofHours(1));
    for (String token : java.util.List.of(none, expired)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.port() + "/api/history"))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(json(r).get("error").asText()).isNotBlank();
    }
  }
}
