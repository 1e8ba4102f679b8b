package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.pipeline.StatefulReplicate;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.WebhookVerifier;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable-generation routes: respond-async, the status route, the inpaint route, webhooks for
 * any known prediction.
 */
class ServerGenerationRoutesTest {
  static final String SECRET = "test-secret-that-is-at-least-thirty-two-bytes";
  static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  @TempDir Path files;
  StatefulReplicate fake;
  ReplicateClient replicate;
  ThumbnailService thumbnails;
  JdbcImageCatalog catalog;
  RenderLabPipeline pipeline;
  RenderLabServer server;
  final HttpClient http = HttpClient.newHttpClient();
  final TestTokens tokens = TestTokens.hs256(SECRET, java.time.Clock.systemUTC());

  @BeforeEach
  void start() throws IOException {
    fake = new StatefulReplicate(ServerPipelineRoutesTest.PNG, true);
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    thumbnails =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store())
            .workers(1)
            .build()
            .start();
    startServer(0);
  }

  FolderImageStore store() {
    return FolderImageStore.of(files, "http://127.0.0.1/files/");
  }

  /**
   * The Replicate client (on {@link #fake}), pipeline and server over the catalog and thumbnail
   * service; {@code maxConcurrentGenerations} 0 keeps the server's default.
   */
  void startServer(int maxConcurrentGenerations) {
    replicate =
        ReplicateClient.builder()
            .token("r8_x")
            // Route and policy tests: model fields and the schema check are tested in the pipeline
            // and the Replicate client; here a model gets the fields it is told.
            .validateInputs(false)
            .baseUrl(fake.baseUrl())
            .createsPerMinute(0)
            .pollSchedule(Duration.ofMillis(20), 1.0, Duration.ofMillis(20))
            .retryPolicy(RetryPolicy.none())
            .build();
    Ingestor ingestor =
        Ingestor.builder()
            .store(store())
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    pipeline =
        RenderLabPipeline.builder()
            .replicate(replicate)
            .inputFields(io.renderlab.pipeline.InputFields.defaults())
            .ingestor(ingestor)
            .catalog(catalog)
            .thumbnails(thumbnails)
            .build();
    RenderLabServer.Builder builder =
        RenderLabServer.builder()
            .pipeline(pipeline, thumbnails)
            .filesRoot(files)
            .port(0)
            .jwtSecret(SECRET)
            .webhookSecret(WEBHOOK_SECRET);
    if (maxConcurrentGenerations > 0) {
      builder.maxConcurrentGenerations(maxConcurrentGenerations);
    }
    server = builder.build().start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    pipeline.close();
    thumbnails.close();
    replicate.close();
    fake.close();
  }

  HttpResponse<String> send(String method, String path, String user, String body, boolean async)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + tokens.issue(user, Duration.ofMinutes(5)))
            .header("Content-Type", "application/json");
    if (async) {
      b.header("Prefer", "respond-async");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return RenderLabServer.JSON.readTree(r.body());
  }

  /** Polls the status route, as a client does, until the generation ends (bounded). */
  JsonNode awaitEnd(String location, String user) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode g = json(send("GET", location, user, null, false));
      if (!g.path("status").asText().matches("pending|running|ingesting")
          || System.nanoTime() > deadline) {
        return g;
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void respondAsyncAnswers202WithALocationWhoseStatusEndsSucceededWithTheRecords()
      throws Exception {
    HttpResponse<String> r =
        send("POST", "/api/generate", "ada", "{\"prompt\":\"a red bicycle\"}", true);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = json(r).path("id").asText();
    assertThat(json(r).path("status").asText())
        .isIn("pending", "running", "ingesting", "succeeded");
    assertThat(r.headers().firstValue("Location")).contains("/api/generations/" + id);
    JsonNode done = awaitEnd("/api/generations/" + id, "ada");
    assertThat(done.path("status").asText()).isEqualTo("succeeded");
    assertThat(done.path("predictionId").asText()).isEqualTo("gen1");
    assertThat(done.path("error").isNull()).isTrue();
    assertThat(done.path("images")).hasSize(1);
    assertThat(done.path("images").get(0).path("prompt").asText()).isEqualTo("a red bicycle");
    assertThat(done.path("images").get(0).path("id").asText())
        .isEqualTo(catalog.history(HistoryQuery.of("ada")).images().get(0).id().toString());
    JsonNode list = json(send("GET", "/api/generations", "ada", null, false));
    assertThat(list.path("generations").get(0).path("id").asText()).isEqualTo(id);
  }

  @Test
  void anotherUsersGenerationAndUnknownIdsAre404() throws Exception {
    String id =
        json(send("POST", "/api/generate", "ada", "{\"prompt\":\"mine\"}", true))
            .path("id")
            .asText();

    assertThat(send("GET", "/api/generations/" + id, "bob", null, false).statusCode())
        .isEqualTo(404);
    assertThat(
            send("GET", "/api/generations/" + UUID.randomUUID(), "ada", null, false).statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/api/generations/not-a-uuid", "ada", null, false).statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/api/generations?status=bogus", "ada", null, false).statusCode())
        .isEqualTo(400);
  }

  @Test
  void aFailedAsyncGenerationSaysWhyOnItsStatusRoute() throws Exception {
    String id =
        json(send("POST", "/api/generate", "ada", "{\"prompt\":\"please fail\"}", true))
            .path("id")
            .asText();

    JsonNode done = awaitEnd("/api/generations/" + id, "ada");

    assertThat(done.path("status").asText()).isEqualTo("failed");
    assertThat(done.path("error").asText()).contains("NSFW");
    assertThat(done.path("images")).isEmpty();
  }

  @Test
  void asyncEditAndCollectionAnd202() throws Exception {
    String mask =
        "data:image/png;base64,"
            + java.util.Base64.getEncoder().encodeToString(ServerPipelineRoutesTest.PNG);
    HttpResponse<String> edit =
        send(
            "POST",
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\""
                + mask
                + "\",\"prompt\":\"add a door\"}",
            true);
    assertThat(edit.statusCode()).as(edit.body()).isEqualTo(202);
    JsonNode edited = awaitEnd("/api/generations/" + json(edit).path("id").asText(), "ada");
    assertThat(edited.path("images").get(0).path("mask_url").asText())
        .contains("inpaint-masks/ada/");

    HttpResponse<String> collection =
        send("POST", "/api/generate/collection", "ada", "{\"prompts\":[\"one\",\"two\"]}", true);
    assertThat(collection.statusCode()).as(collection.body()).isEqualTo(202);
    assertThat(json(collection).path("generations")).hasSize(2);
    for (JsonNode g : json(collection).path("generations")) {
      assertThat(
              awaitEnd("/api/generations/" + g.path("id").asText(), "ada").path("status").asText())
          .isEqualTo("succeeded");
    }
  }

  @Test
  void asyncGenerationsCountAgainstTheUsersCapWhileUnfinished() throws Exception {
    fake.close();
    StatefulReplicate slow = new StatefulReplicate(ServerPipelineRoutesTest.PNG, false);
    fake = slow;
    server.close();
    pipeline.close();
    replicate.close();
    startServer(2);

    assertThat(send("POST", "/api/generate", "ada", "{\"prompt\":\"one\"}", true).statusCode())
        .isEqualTo(202);
    assertThat(send("POST", "/api/generate", "ada", "{\"prompt\":\"two\"}", true).statusCode())
        .isEqualTo(202);
    HttpResponse<String> third =
        send("POST", "/api/generate", "ada", "{\"prompt\":\"three\"}", true);

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(
            send("POST", "/api/generate", "bob", "{\"prompt\":\"other user\"}", true).statusCode())
        .isEqualTo(202);
    // Accepted generations are created in the background: wait until all three are being polled.
    assertThat(slow.awaitPolled(3, java.time.Duration.ofSeconds(30))).isTrue();
    assertThat(slow.creates.get()).as("the refused one was never created").isEqualTo(3);
  }

  @Test
  void theSeedsInpaintRouteIsTheEditFlowKeepingMaskAndPrompt() throws Exception {
    String mask =
        "data:image/png;base64,"
            + java.util.Base64.getEncoder().encodeToString(ServerPipelineRoutesTest.PNG);
    HttpResponse<String> r =
        send(
            "POST",
            "/api/inpaint/nano-banana",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\""
                + mask
                + "\",\"prompt\":\"paint it red\","
                + "\"baseImageUrl\":\"https://cdn.example.com/base.png\"}",
            false);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.path("success").asBoolean()).isTrue();
    assertThat(body.path("output").asText()).startsWith("http://127.0.0.1/files/ada/edited_");
    assertThat(body.path("image").path("mask_url").asText()).contains("inpaint-masks/ada/");
    assertThat(body.path("image").path("prompt").asText()).isEqualTo("paint it red");
    assertThat(body.path("image").path("reference_url").asText())
        .isEqualTo("https://cdn.example.com/base.png");
  }

  @Test
  void aSignedWebhookCompletesAKnownGenerationNobodyWaitsFor() throws Exception {
    var input = RenderLabServer.JSON.createObjectNode().put("prompt", "a harbour");
    String predictionId = fake.startedElsewhere(input);
    Generation g =
        catalog
            .generations()
            .create(
                Generation.builder()
                    .userId("ada")
                    .kind(GenerationKind.GENERATE)
                    .model("google/nano-banana")
                    .prompt("a harbour")
                    .inputJson(input.toString())
                    .deadline(Instant.now().plusSeconds(600))
                    .build(),
                "another-instance",
                Duration.ofMinutes(10));
    catalog.generations().started(g.id(), predictionId);
    // Its instance stopped and handed its lease back (with a live holder the delivery would leave
    // the outputs to it, "accepted").
    catalog.generations().release("another-instance");
    String delivered = replicate.predictions().get(predictionId).rawJson();

    HttpResponse<String> first =
        http.send(signed("msg_1", delivered), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> again =
        http.send(signed("msg_1", delivered), HttpResponse.BodyHandlers.ofString());

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(json(first).path("outcome").asText()).isEqualTo("completed");
    assertThat(json(again).path("outcome").asText()).isEqualTo("duplicate");
    JsonNode status = json(send("GET", "/api/generations/" + g.id(), "ada", null, false));
    assertThat(status.path("status").asText()).isEqualTo("succeeded");
    assertThat(status.path("images")).hasSize(1);
    assertThat(catalog.findByPrediction(predictionId)).hasSize(1);
  }

  HttpRequest signed(String messageId, String body) {
    long now = System.currentTimeMillis() / 1000;
    String sig =
        WebhookVerifier.of(WEBHOOK_SECRET)
            .signature(messageId, now, body.getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/api/webhooks/replicate"))
        .header("webhook-id", messageId)
        .header("webhook-timestamp", Long.toString(now))
        .header("webhook-signature", sig)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
