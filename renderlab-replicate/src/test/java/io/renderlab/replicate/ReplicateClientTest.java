package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.RetryPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReplicateClientTest {
  static final String TOKEN = "r8_TestTokenThatMustNeverBePrinted0123456789";
  MockWebServer server;
  ReplicateClient client;
  String base;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = server.url("/v1").toString();
    client = builder().build();
  }

  ReplicateClient.Builder builder() {
    return ReplicateClient.builder()
        .token(TOKEN)
        .baseUrl(base)
        .retryPolicy(RetryPolicy.builder().initialBackoff(Duration.ZERO).maxBackoff(Duration.ZERO).build())
        .pollSchedule(Duration.ofMillis(5), 1.5, Duration.ofMillis(20))
        .createsPerMinute(0);
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    server.close();
  }

  MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", code >= 400 ? "application/problem+json" : "application/json").body(body).build();
  }

  MockResponse prediction(String status, String output) {
    return json(status.equals("starting") ? 201 : 200, FakeReplicate.prediction(base, "p1", status, output, null, "step 1\nstep 2"));
  }

  static PredictionRequest request() {
    return PredictionRequest.model("google/nano-banana").put("prompt", "modern architecture").build();
  }

  @Test
  void aFastPredictionCostsOneRequestThanksToPreferWait() throws Exception {
    server.enqueue(prediction("succeeded", "\"https://replicate.delivery/pbxt/abc.png\""));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));

    assertThat(p.state()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(p.outputUrls()).containsExactly("https://replicate.delivery/pbxt/abc.png");
    assertThat(server.getRequestCount()).isEqualTo(1);
    RecordedRequest create = server.takeRequest();
    assertThat(create.getMethod()).isEqualTo("POST");
    assertThat(create.getUrl().encodedPath()).isEqualTo("/v1/models/google/nano-banana/predictions");
    assertThat(create.getHeaders().get("Prefer")).isEqualTo("wait=60");
    assertThat(create.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(create.getBody().utf8()).isEqualTo("{\"input\":{\"prompt\":\"modern architecture\"}}").doesNotContain("version");
  }

  @Test
  void versionsAndDeploymentsUseTheirEndpoints() throws Exception {
    server.enqueue(prediction("starting", null));
    server.enqueue(prediction("starting", null));

    client.predictions().create(PredictionRequest.version("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa").put("text", "x").build());
    client.predictions().create(PredictionRequest.deployment("acme/my-app-image-generator").put("prompt", "x").build());

    RecordedRequest version = server.takeRequest();
    assertThat(version.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(version.getBody().utf8()).contains("\"version\":\"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa\"");
    assertThat(version.getHeaders().get("Prefer")).isNull();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/deployments/acme/my-app-image-generator/predictions");
  }

  @Test
  void aModelNameIsNeverSentAsAVersion() {
    assertThatThrownBy(() -> PredictionRequest.version("google/nano-banana")).hasMessageContaining("model(");
    assertThatThrownBy(() -> PredictionRequest.model("nano-banana")).hasMessageContaining("owner/name");
  }

  @Test
  void anUnfinishedAnswerIsPolledUntilItSucceeds() throws Exception {
    server.enqueue(prediction("processing", null));
    server.enqueue(prediction("processing", null));
    server.enqueue(prediction("succeeded", "[\"https://replicate.delivery/a.png\",\"https://replicate.delivery/b.png\"]"));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));

    assertThat(p.outputUrls()).hasSize(2);
    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/predictions/p1");
  }

  @Test
  void unknownStatusesKeepWaiting() throws Exception {
    server.enqueue(prediction("processing", null));
    server.enqueue(json(200, FakeReplicate.prediction(base, "p1", "queued-in-a-new-way", null, null, "")));
    server.enqueue(prediction("succeeded", "\"https://replicate.delivery/a.png\""));

    assertThat(client.predictions().run(request(), Duration.ofMinutes(1)).state()).isEqualTo(PredictionStatus.SUCCEEDED);
  }

  @Test
  void failedCanceledAndAbortedEndTheWaitWithTheirIdErrorAndLogs() {
    for (String status : List.of("failed", "canceled", "aborted")) {
      server.enqueue(prediction("processing", null));
      server.enqueue(json(200, FakeReplicate.prediction(base, "p1", status, null, status.equals("failed") ? "CUDA out of memory" : null, "loading\nboom")));

      assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMinutes(1)))
          .isInstanceOf(PredictionFailedException.class)
          .hasMessageContaining("p1")
          .hasMessageContaining(status)
          .hasMessageContaining("boom")
          .satisfies(e -> assertThat(((PredictionFailedException) e).isRetryable()).isFalse());
    }
    assertThatThrownBy(() -> { throw new PredictionFailedException(Prediction.of(ReplicateClient.MAPPER.readTree(
        FakeReplicate.prediction(base, "p9", "failed", null, "CUDA out of memory", "")))); })
        .hasMessageContaining("CUDA out of memory");
  }

  @Test
  void cancelsOnTheDeadlineAndSaysSo() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        if (r.getUrl().encodedPath().endsWith("/cancel")) {
          return prediction("canceled", null);
        }
        return prediction("processing", null);
      }
    });

    assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMillis(300)))
        .isInstanceOf(PredictionTimeoutException.class)
        .hasMessageContaining("canceled")
        .satisfies(e -> assertThat(((PredictionTimeoutException) e).canceled()).isTrue());
    List<String> paths = new ArrayList<>();
    while (server.getRequestCount() > paths.size()) {
      paths.add(server.takeRequest().getUrl().encodedPath());
    }
    assertThat(paths).last().isEqualTo("/v1/predictions/p1/cancel");
  }

  @Test
  void aThrottledCreateIsRetriedAfterRetryAfter() throws Exception {
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "0").body(FakeReplicate.problem(429, "Too Many Requests", "Request was throttled.")).build());
    server.enqueue(prediction("succeeded", "\"https://replicate.delivery/a.png\""));

    assertThat(client.predictions().run(request(), Duration.ofMinutes(1)).state()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aThrottledGetIsRetriedAndPersistentThrottlingCarriesRetryAfter() {
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "0").body("{}").build());
    server.enqueue(prediction("processing", null));
    assertThat(client.predictions().get("p1").status()).isEqualTo("processing");

    ReplicateClient once = builder().retryPolicy(RetryPolicy.none()).build();
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "7").body(FakeReplicate.problem(429, "Too Many Requests", "slow down")).build());
    assertThatThrownBy(() -> once.predictions().get("p1"))
        .isInstanceOf(RateLimitedException.class)
        .satisfies(e -> assertThat(((RateLimitedException) e).retryAfter()).contains(Duration.ofSeconds(7)));
  }

  @Test
  void serverErrorsAreRetriedForReads() {
    server.enqueue(json(503, FakeReplicate.problem(503, "Service Unavailable", "try again")));
    server.enqueue(json(503, FakeReplicate.problem(503, "Service Unavailable", "try again")));
    server.enqueue(prediction("succeeded", "\"https://replicate.delivery/a.png\""));

    assertThat(client.predictions().get("p1").state()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void aCreateWhoseAnswerIsLostIsNotSentAgain() {
    server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket(true, false, false)).build());
    server.enqueue(prediction("succeeded", null));

    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(PredictionOutcomeUnknownException.class)
        .hasMessageContaining("not re-sent");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aServerErrorOnCreateIsNotSentAgainEither() {
    server.enqueue(json(502, FakeReplicate.problem(502, "Bad Gateway", "upstream")));

    assertThatThrownBy(() -> client.predictions().create(request())).isInstanceOf(PredictionOutcomeUnknownException.class);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void problemBodiesBecomeTypedExceptions() {
    server.enqueue(json(401, FakeReplicate.problem(401, "Unauthenticated", "You did not pass a valid authentication token")));
    server.enqueue(json(404, FakeReplicate.problem(404, "Not found", "The requested resource could not be found.")));
    server.enqueue(json(422, FakeReplicate.problem(422, "Input validation failed", "- input.prompt: Invalid type. Expected: string")));

    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.AuthenticationException.class)
        .hasMessageContaining("REPLICATE_API_TOKEN")
        .hasMessageNotContaining(TOKEN);
    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.NotFoundException.class)
        .hasMessageContaining("google/nano-banana");
    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.ValidationException.class)
        .hasMessageContaining("input.prompt")
        .satisfies(e -> assertThat(((ReplicateApiException) e).detail()).hasValueSatisfying(d -> assertThat(d).contains("Expected")));
  }

  @Test
  void outputUrlsAreFoundInEveryShape() throws Exception {
    String[] outputs = {
      "\"https://replicate.delivery/one.png\"",
      "[\"https://replicate.delivery/a.webp\",\"data:image/png;base64,iVBORw0KGgo=\"]",
      "{\"image\":\"https://replicate.delivery/x.jpg\",\"meta\":{\"thumb\":\"https://replicate.delivery/t.jpg\"},\"seed\":42}",
      "null",
      "\"just some text\""
    };
    int[] expected = {1, 2, 2, 0, 0};
    for (int i = 0; i < outputs.length; i++) {
      Prediction p = Prediction.of(ReplicateClient.MAPPER.readTree(FakeReplicate.prediction(base, "p", "succeeded", outputs[i], null, "")));
      assertThat(p.outputUrls()).hasSize(expected[i]);
    }
    Prediction p = Prediction.of(ReplicateClient.MAPPER.readTree(FakeReplicate.prediction(base, "p", "succeeded", "null", null, "")));
    assertThat(p.createdAt()).isPresent();
    assertThat(p.metrics().get("predict_time").asDouble()).isEqualTo(2.71);
  }

  @Test
  void waitsOfTwoHundredPredictionsShareATinyScheduler() throws Exception {
    Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        String id = path.substring(path.lastIndexOf('/') + 1);
        int n = polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        return json(200, FakeReplicate.prediction(base, id, n >= 3 ? "succeeded" : "processing", n >= 3 ? "\"https://replicate.delivery/" + id + ".png\"" : null, null, ""));
      }
    });
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    ExecutorService http = Executors.newFixedThreadPool(2);
    try (ReplicateClient tiny = builder().scheduler(scheduler).executor(http).build()) {
      int threadsBefore = Thread.activeCount();
      List<CompletableFuture<Prediction>> waits = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Prediction started = Prediction.of(ReplicateClient.MAPPER.readTree(FakeReplicate.prediction(base, "p" + i, "starting", null, null, "")));
        waits.add(tiny.predictions().operation(started).future(Duration.ofMinutes(1), true));
      }
      assertThat(Thread.activeCount() - threadsBefore).as("no thread per wait").isLessThan(20);
      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(waits).allSatisfy(f -> assertThat(f.join().state()).isEqualTo(PredictionStatus.SUCCEEDED));
    } finally {
      scheduler.shutdownNow();
      http.shutdownNow();
    }
  }

  @Test
  void listPagesLazilyAndNeverSendsTheTokenElsewhere() throws Exception {
    server.enqueue(json(200, "{\"previous\":null,\"next\":\"" + base + "/predictions?cursor=abc\",\"results\":[" + FakeReplicate.prediction(base, "a", "succeeded", "null", null, "") + "]}"));
    server.enqueue(json(200, "{\"previous\":null,\"next\":\"https://evil.example.com/steal?cursor=x\",\"results\":[" + FakeReplicate.prediction(base, "b", "succeeded", "null", null, "") + "]}"));

    var it = client.predictions().list().iterator();
    assertThat(server.getRequestCount()).isZero();
    assertThat(it.next().id()).isEqualTo("a");
    assertThat(it.next().id()).isEqualTo("b");
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(server.takeRequest().getUrl().queryParameter("cursor")).isEqualTo("abc");
    assertThatThrownBy(it::hasNext).hasMessageContaining("Refusing to send the API token");
  }

  @Test
  void fetchesTheWebhookSigningSecret() throws Exception {
    server.enqueue(json(200, "{\"key\":\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\"}"));

    assertThat(client.webhookSigningSecret()).isEqualTo("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/webhooks/default/secret");
  }

  @Test
  void theTokenIsNeverPrintedAndIsRequired() {
    assertThat(client.toString()).doesNotContain(TOKEN).contains("****");
    assertThatThrownBy(() -> ReplicateClient.fromEnv(Map.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("REPLICATE_API_TOKEN");
    try (ReplicateClient fromEnv = ReplicateClient.fromEnv(Map.of("REPLICATE_API_TOKEN", TOKEN, "REPLICATE_BASE_URL", base))) {
      assertThat(fromEnv.toString()).contains(base).doesNotContain(TOKEN);
    }
  }
}
