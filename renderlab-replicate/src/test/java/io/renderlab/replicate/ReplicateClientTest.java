package io.renderlab.replicate;

import static io.renderlab.replicate.FakeReplicate.created;
import static io.renderlab.replicate.FakeReplicate.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.replicate.internal.CreateRateLimiter;
import io.renderlab.replicate.internal.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
  static final String VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
  MockWebServer server;
  TestClocks.InstantScheduler scheduler;
  MutableClock clock;
  ReplicateClient client;
  String base;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = server.url("/v1").toString();
    scheduler = new TestClocks.InstantScheduler();
    clock = new MutableClock(Instant.parse("2025-11-14T10:00:00Z"));
    client = builder().build();
  }

  /**
   * Real retry and poll settings; the scheduler records their delays and runs at once. Inputs are
   * not checked against a schema here (ModelInputsTest does that), so each test's queue holds only
   * the predictions endpoints' answers.
   */
  ReplicateClient.Builder builder() {
    return ReplicateClient.builder()
        .token(TOKEN)
        .baseUrl(base)
        .scheduler(scheduler)
        .clock(clock)
        .createsPerMinute(0)
        .validateInputs(false);
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    scheduler.shutdownNow();
    server.close();
  }

  String body(String id, String status, String output) {
    return FakeReplicate.prediction(base, id, status, output, null, "step 1\nstep 2");
  }

  static PredictionRequest request() {
    return PredictionRequest.model("google/nano-banana")
        .put("prompt", "modern architecture")
        .build();
  }

  List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> all = new ArrayList<>();
    while (all.size() < server.getRequestCount()) {
      all.add(server.takeRequest());
    }
    return all;
  }

  // ---- targets and Prefer: wait ----

  @Test
  void aPredictionFinishedWithinPreferWaitCostsOneRequest() throws Exception {
    server.enqueue(
        created(body("p1", "succeeded", "\"https://replicate.delivery/pbxt/abc.png\""), "wait=60"));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(5));

    assertThat(p.status()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(p.outputUrls()).containsExactly("https://replicate.delivery/pbxt/abc.png");
    assertThat(server.getRequestCount()).isEqualTo(1);
    RecordedRequest create = server.takeRequest();
    assertThat(create.getMethod()).isEqualTo("POST");
    assertThat(create.getUrl().encodedPath())
        .isEqualTo("/v1/models/google/nano-banana/predictions");
    assertThat(create.getHeaders().get("Prefer")).isEqualTo("wait=60");
    assertThat(create.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(create.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(create.getBody().utf8())
        .isEqualTo("{\"input\":{\"prompt\":\"modern architecture\"}}");
  }

  @Test
  void dataRemovedIsReadFromTheApiJson() throws Exception {
    server.enqueue(ok(body("p1", "succeeded", "\"https://replicate.delivery/pbxt/abc.png\"")));
    server.enqueue(
        ok(
            body("p2", "succeeded", "null")
                .replace("\"data_removed\":false", "\"data_removed\":true")));

    Prediction kept = client.predictions().get("p1");
    Prediction removed = client.predictions().get("p2");

    assertThat(kept.dataRemoved()).isFalse();
    assertThat(removed.dataRemoved()).isTrue();
    assertThat(
            Prediction.of(
                    ((com.fasterxml.jackson.databind.node.ObjectNode)
                            Transport.MAPPER.readTree(removed.rawJson()))
                        .without("data_removed"))
                .dataRemoved())
        .as("absent means false")
        .isFalse();
  }

  @Test
  void preferWaitIsTheTimeoutWhenShorterThanAMinute() throws Exception {
    server.enqueue(created(body("p1", "succeeded", "null"), "wait=12"));

    client.predictions().run(request(), Duration.ofSeconds(12));

    assertThat(server.takeRequest().getHeaders().get("Prefer")).isEqualTo("wait=12");
  }

  @Test
  void eachTargetKindUsesItsEndpointAndBody() throws Exception {
    server.enqueue(created(body("p1", "starting", null), null));
    server.enqueue(created(body("p2", "succeeded", "null"), "wait=60"));
    server.enqueue(created(body("p3", "succeeded", "null"), "wait=60"));

    client.predictions().create(request());
    client
        .predictions()
        .run(
            PredictionRequest.version(VERSION).put("text", "Alice").build(), Duration.ofMinutes(2));
    client
        .predictions()
        .run(
            PredictionRequest.deployment("acme/my-app-image-generator")
                .put("prompt", "x")
                .webhook("https://example.com/hooks/replicate", List.of("completed"))
                .build(),
            Duration.ofMinutes(2));

    RecordedRequest model = server.takeRequest();
    assertThat(model.getUrl().encodedPath()).isEqualTo("/v1/models/google/nano-banana/predictions");
    assertThat(model.getHeaders().get("Prefer")).as("create() alone does not wait").isNull();
    RecordedRequest version = server.takeRequest();
    assertThat(version.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(version.getBody().utf8())
        .isEqualTo("{\"version\":\"" + VERSION + "\",\"input\":{\"text\":\"Alice\"}}");
    assertThat(version.getHeaders().get("Prefer")).isEqualTo("wait=60");
    RecordedRequest deployment = server.takeRequest();
    assertThat(deployment.getUrl().encodedPath())
        .isEqualTo("/v1/deployments/acme/my-app-image-generator/predictions");
    assertThat(deployment.getBody().utf8())
        .isEqualTo(
            "{\"input\":{\"prompt\":\"x\"},\"webhook\":\"https://example.com/hooks/replicate\",\"webhook_events_filter\":[\"completed\"]}");
  }

  @Test
  void aServerSideDeadlineIsSentAsCancelAfterWhenAsked() throws Exception {
    server.enqueue(created(body("p1", "starting", null), null));
    server.enqueue(created(body("p2", "starting", null), null));
    server.enqueue(created(body("p3", "starting", null), null));

    client
        .predictions()
        .create(
            PredictionRequest.model("google/nano-banana")
                .put("prompt", "x")
                .cancelAfter(Duration.ofMinutes(5))
                .build());
    client
        .predictions()
        .create(
            PredictionRequest.model("google/nano-banana")
                .put("prompt", "x")
                .cancelAfter(Duration.ofSeconds(90))
                .build());
    client.predictions().create(request());

    assertThat(server.takeRequest().getHeaders().get("Cancel-After")).isEqualTo("5m");
    assertThat(server.takeRequest().getHeaders().get("Cancel-After")).isEqualTo("90s");
    assertThat(server.takeRequest().getHeaders().get("Cancel-After"))
        .as("only when asked")
        .isNull();
    assertThatThrownBy(() -> PredictionRequest.model("a/b").cancelAfter(Duration.ofMillis(1500)))
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> PredictionRequest.model("a/b").cancelAfter(Duration.ZERO))
        .hasMessageContaining("at least 5 s");
    assertThat(
            PredictionRequest.model("a/b").cancelAfter(Duration.ofHours(2)).build().cancelAfter())
        .contains(Duration.ofHours(2));
  }

  @Test
  void aCancelAfterBelowReplicatesFiveSecondMinimumIsRefusedWhenTheRequestIsBuilt()
      throws Exception {
    assertThatThrownBy(() -> PredictionRequest.model("a/b").cancelAfter(Duration.ofSeconds(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 5 s");
    assertThatThrownBy(() -> PredictionRequest.model("a/b").cancelAfter(Duration.ofSeconds(1)))
        .hasMessageContaining("at least 5 s");
    server.enqueue(created(body("p1", "starting", null), null));

    client
        .predictions()
        .create(
            PredictionRequest.model("google/nano-banana")
                .put("prompt", "x")
                .cancelAfter(Duration.ofSeconds(5))
                .build());

    assertThat(server.takeRequest().getHeaders().get("Cancel-After")).isEqualTo("5s");
  }

  @Test
  void aThrottleWithoutRetryAfterWaitsForTheResetHintInReplicatesBody() throws Exception {
    // Replicate's documented 429 body (replicate.com/docs/topics/predictions/rate-limits), no
    // Retry-After.
    server.enqueue(
        FakeReplicate.problemWith(
            429, "{\"detail\":\"Request was throttled. Your rate limit resets in ~30s.\"}"));
    server.enqueue(
        FakeReplicate.problemWith(
            429,
            "{\"detail\":\"Request was throttled. Your rate limit for creating predictions is reduced to 6 requests per minute "
                + "with a burst of 1 requests until you add a payment method. Your rate limit resets in ~9s.\",\"status\":429}"));
    server.enqueue(
        created(body("p1", "succeeded", "\"https://replicate.delivery/a.png\""), "wait=60"));

    assertThat(client.predictions().run(request(), Duration.ofMinutes(1)).status())
        .isEqualTo(PredictionStatus.SUCCEEDED);

    assertThat(scheduler.delays).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(9));
  }

  @Test
  void aThrottleWithNeitherRetryAfterNorAHintBacksOffAsUsualAndAnAbsurdHintIsCapped()
      throws Exception {
    server.enqueue(FakeReplicate.problemWith(429, "{\"detail\":\"Request was throttled.\"}"));
    server.enqueue(
        FakeReplicate.problemWith(
            429, "{\"detail\":\"Your rate limit resets in ~99999999999999999999s.\"}"));
    server.enqueue(ok(body("p1", "processing", null)));

    assertThat(client.predictions().get("p1").rawStatus()).isEqualTo("processing");

    assertThat(scheduler.delays).hasSize(2);
    assertThat(scheduler.delays.get(0)).isLessThan(Duration.ofSeconds(5));
    assertThat(scheduler.delays.get(1))
        .isEqualTo(Duration.ofSeconds(60)); // RetryPolicy's maxRetryAfter
  }

  @Test
  void aLargeDataUriOutputWithinTheBodyCapIsRead() throws Exception {
    // 24 M characters: above Jackson's default 20 M string limit, below the 32 MiB body cap.
    StringBuilder data = new StringBuilder(24_000_100).append("data:image/png;base64,");
    while (data.length() < 24_000_000) {
      data.append("iVBORw0KGgoAAAANSUhEUgAA");
    }
    String uri = data.toString();
    server.enqueue(created(body("p1", "succeeded", "\"" + uri + "\""), "wait=60"));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));

    assertThat(p.status()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(p.outputUrls()).hasSize(1);
    assertThat(p.outputUrls().get(0)).hasSize(uri.length()).startsWith("data:image/png;base64,");
  }

  @Test
  void targetsAreCheckedAndAModelNameIsNeverSentAsAVersion() {
    assertThatThrownBy(() -> PredictionRequest.version("google/nano-banana"))
        .hasMessageContaining("model(");
    assertThatThrownBy(() -> PredictionRequest.model("nano-banana"))
        .hasMessageContaining("owner/name");
    assertThatThrownBy(() -> PredictionRequest.deployment("acme/../x"))
        .hasMessageContaining("owner/name");
    assertThat(PredictionRequest.version("google/nano-banana:" + VERSION).build().target())
        .isEqualTo(VERSION);
    assertThatThrownBy(() -> PredictionRequest.model("a/b").webhook("ftp://x", List.of()))
        .hasMessageContaining("http(s)");
    assertThatThrownBy(() -> PredictionRequest.model("a/b").webhook("https://x", List.of("done")))
        .hasMessageContaining("completed");
  }

  // ---- waiting ----

  @Test
  void anUnfinishedPreferWaitAnswerIsPolledWithAGrowingIntervalUntilItSucceeds() throws Exception {
    server.enqueue(created(body("p1", "processing", null), "wait=60"));
    server.enqueue(ok(body("p1", "processing", null)));
    server.enqueue(ok(body("p1", "processing", null)));
    server.enqueue(
        ok(
            body(
                "p1",
                "succeeded",
                "[\"https://replicate.delivery/a.png\",\"https://replicate.delivery/b.png\"]")));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(5));

    assertThat(p.outputUrls()).hasSize(2);
    List<RecordedRequest> all = requests();
    assertThat(all).hasSize(4);
    assertThat(all.subList(1, 4))
        .allSatisfy(
            r -> {
              assertThat(r.getMethod()).isEqualTo("GET");
              assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/predictions/p1");
              assertThat(r.getHeaders().get("Prefer")).isNull();
            });
    assertThat(scheduler.delays)
        .containsExactly(
            Duration.ofMillis(250),
            Duration.ofMillis(375),
            Duration.ofMillis(562).plusNanos(500_000));
  }

  @Test
  void pollingEndsOnEachTerminalStateWithIdErrorAndLogsTail() {
    for (String status : List.of("failed", "canceled", "aborted")) {
      server.enqueue(created(body("p1", "starting", null), "wait=60"));
      server.enqueue(ok(body("p1", "processing", null)));
      server.enqueue(
          ok(
              FakeReplicate.prediction(
                  base,
                  "p1",
                  status,
                  null,
                  status.equals("failed") ? "CUDA out of memory" : null,
                  "loading weights\nline 2\nline 3\nline 4\nline 5\nboom")));

      assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMinutes(5)))
          .isInstanceOf(PredictionFailedException.class)
          .hasMessageContaining("p1")
          .hasMessageContaining(status)
          .hasMessageContaining("boom")
          .hasMessageNotContaining("loading weights")
          .satisfies(
              e -> {
                PredictionFailedException f = (PredictionFailedException) e;
                assertThat(f.isRetryable()).isFalse();
                assertThat(f.predictionId()).isEqualTo("p1");
                assertThat(f.prediction().rawStatus()).isEqualTo(status);
                assertThat(f.error().isPresent()).isEqualTo(status.equals("failed"));
              });
    }
  }

  @Test
  void aFailedPredictionNamesItsError() throws Exception {
    server.enqueue(
        created(
            FakeReplicate.prediction(base, "p9", "failed", null, "CUDA out of memory", ""),
            "wait=60"));

    assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMinutes(1)))
        .isInstanceOf(PredictionFailedException.class)
        .hasMessageContaining("CUDA out of memory")
        .satisfies(
            e ->
                assertThat(((PredictionFailedException) e).error()).contains("CUDA out of memory"));
  }

  @Test
  void unknownStatusesKeepWaiting() throws Exception {
    server.enqueue(created(body("p1", "queued-in-a-new-way", null), "wait=60"));
    server.enqueue(ok(body("p1", "processing", null)));
    server.enqueue(ok(body("p1", "booting-gpu", null)));
    server.enqueue(ok(body("p1", "succeeded", "\"https://replicate.delivery/a.png\"")));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));

    assertThat(p.status()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(PredictionStatus.parse("booting-gpu")).isEqualTo(PredictionStatus.UNKNOWN);
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void cancelsOnTheDeadlineAndSaysSo() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            if (r.getUrl().encodedPath().endsWith("/cancel")) {
              return ok(body("p1", "canceled", null));
            }
            clock.advance(Duration.ofSeconds(40)); // each answer takes 40 s of model time
            return r.getMethod().equals("POST")
                ? created(body("p1", "processing", null), "wait=60")
                : ok(body("p1", "processing", null));
          }
        });

    assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMinutes(2)))
        .isInstanceOf(PredictionTimeoutException.class)
        .hasMessageContaining("p1")
        .hasMessageContaining("canceled")
        .satisfies(
            e -> {
              PredictionTimeoutException t = (PredictionTimeoutException) e;
              assertThat(t.canceled()).isTrue();
              assertThat(t.predictionId()).isEqualTo("p1");
            });
    List<String> calls =
        requests().stream().map(r -> r.getMethod() + " " + r.getUrl().encodedPath()).toList();
    assertThat(calls)
        .containsExactly(
            "POST /v1/models/google/nano-banana/predictions",
            "GET /v1/predictions/p1",
            "GET /v1/predictions/p1",
            "POST /v1/predictions/p1/cancel");
  }

  @Test
  void aDeadlineWithoutCancelLeavesThePredictionRunning() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            clock.advance(Duration.ofSeconds(30));
            return ok(body("p1", "processing", null));
          }
        });
    Prediction started = Prediction.of(Transport.MAPPER.readTree(body("p1", "starting", null)));

    CompletableFuture<Prediction> wait =
        client.predictions().operation(started).future(Duration.ofMinutes(1));

    assertThatThrownBy(wait::get)
        .hasCauseInstanceOf(PredictionTimeoutException.class)
        .satisfies(
            e -> assertThat(((PredictionTimeoutException) e.getCause()).canceled()).isFalse());
    assertThat(requests()).noneMatch(r -> r.getUrl().encodedPath().endsWith("/cancel"));
  }

  @Test
  void aPredictionThatSucceedsJustBeforeTheCancelKeepsItsResult() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            clock.advance(Duration.ofSeconds(61));
            return r.getUrl().encodedPath().endsWith("/cancel")
                ? ok(body("p1", "succeeded", "\"https://replicate.delivery/late.png\""))
                : ok(body("p1", "processing", null));
          }
        });
    Prediction started = Prediction.of(Transport.MAPPER.readTree(body("p1", "starting", null)));

    Prediction p = client.predictions().operation(started).awaitOrCancel(Duration.ofMinutes(1));

    assertThat(p.outputUrls()).containsExactly("https://replicate.delivery/late.png");
  }

  @Test
  void anOperationPollsAwaitsAndCancels() throws Exception {
    server.enqueue(ok(body("p1", "processing", null)));
    server.enqueue(ok(body("p1", "canceled", null)));
    PredictionOperation op =
        client
            .predictions()
            .operation(Prediction.of(Transport.MAPPER.readTree(body("p1", "starting", null))));

    assertThat(op.poll().rawStatus()).isEqualTo("processing");
    assertThat(op.cancel().rawStatus()).isEqualTo("canceled");
    assertThat(op.latest().status()).isEqualTo(PredictionStatus.CANCELED);
    assertThatThrownBy(() -> op.awaitOrCancel(Duration.ofMinutes(1)))
        .isInstanceOf(PredictionFailedException.class);
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/predictions/p1");
    RecordedRequest cancel = server.takeRequest();
    assertThat(cancel.getMethod()).isEqualTo("POST");
    assertThat(cancel.getUrl().encodedPath()).isEqualTo("/v1/predictions/p1/cancel");
  }

  @Test
  void twoHundredConcurrentWaitsShareATinySchedulerWithoutAThreadEach() throws Exception {
    Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    AtomicInteger mostClientThreads = new AtomicInteger();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            String id = path.substring(path.lastIndexOf('/') + 1);
            int n = polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (n == 2 && id.endsWith("0")) {
              // sampled while every wait is in flight; the server's own threads (one per
              // connection) are not the client's
              long clientThreads =
                  Thread.getAllStackTraces().keySet().stream()
                      .filter(t -> !t.getName().startsWith("MockWebServer"))
                      .count();
              mostClientThreads.accumulateAndGet((int) clientThreads, Math::max);
            }
            return ok(
                FakeReplicate.prediction(
                    base,
                    id,
                    n >= 3 ? "succeeded" : "processing",
                    n >= 3 ? "\"https://replicate.delivery/" + id + ".png\"" : null,
                    null,
                    ""));
          }
        });
    long threadsBefore =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !t.getName().startsWith("MockWebServer"))
            .count();
    ScheduledExecutorService tinyScheduler = Executors.newSingleThreadScheduledExecutor();
    ExecutorService tinyHttp = Executors.newFixedThreadPool(2);
    try (ReplicateClient tiny =
        ReplicateClient.builder()
            .token(TOKEN)
            .baseUrl(base)
            .scheduler(tinyScheduler)
            .executor(tinyHttp)
            .pollSchedule(Duration.ofMillis(1), 1.0, Duration.ofMillis(1))
            .build()) {
      List<CompletableFuture<Prediction>> waits = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Prediction started =
            Prediction.of(
                Transport.MAPPER.readTree(
                    FakeReplicate.prediction(base, "p" + i, "starting", null, null, "")));
        waits.add(tiny.predictions().operation(started).futureOrCancel(Duration.ofMinutes(1)));
      }
      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(waits)
          .allSatisfy(f -> assertThat(f.join().status()).isEqualTo(PredictionStatus.SUCCEEDED));
      assertThat(server.getRequestCount()).isEqualTo(600);
      // 1 scheduler + 2 HTTP workers + the HTTP client's selector, plus slack for the JVM's own
      assertThat(mostClientThreads.get() - threadsBefore)
          .as("threads added while 200 waits ran")
          .isLessThanOrEqualTo(8);
    } finally {
      tinyScheduler.shutdownNow();
      tinyHttp.shutdownNow();
    }
  }

  @Test
  void cancelingTheFutureStopsThePolling() throws Exception {
    CompletableFuture<Void> firstPoll = new CompletableFuture<>();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            firstPoll.complete(null);
            return ok(body("p1", "processing", null));
          }
        });
    ReplicateClient slow =
        builder().scheduler(Executors.newSingleThreadScheduledExecutor()).build();
    CompletableFuture<Prediction> wait =
        slow.predictions()
            .operation(Prediction.of(Transport.MAPPER.readTree(body("p1", "starting", null))))
            .futureOrCancel(Duration.ofHours(1));
    firstPoll.get(10, TimeUnit.SECONDS);

    wait.cancel(false);

    assertThat(wait).isCancelled();
    slow.close();
  }

  // ---- retries ----

  @Test
  void aThrottledCreateIsRetriedAfterRetryAfter() throws Exception {
    server.enqueue(FakeReplicate.throttled("7"));
    server.enqueue(
        created(body("p1", "succeeded", "\"https://replicate.delivery/a.png\""), "wait=60"));

    assertThat(client.predictions().run(request(), Duration.ofMinutes(1)).status())
        .isEqualTo(PredictionStatus.SUCCEEDED);

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(scheduler.delays).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void aThrottledGetIsRetriedAfterRetryAfterAndPersistentThrottlingCarriesIt() {
    server.enqueue(FakeReplicate.throttled("3"));
    server.enqueue(ok(body("p1", "processing", null)));

    assertThat(client.predictions().get("p1").rawStatus()).isEqualTo("processing");
    assertThat(scheduler.delays).containsExactly(Duration.ofSeconds(3));

    for (int i = 0; i < 4; i++) {
      server.enqueue(FakeReplicate.throttled("1"));
    }
    assertThatThrownBy(() -> client.predictions().get("p1"))
        .isInstanceOf(RateLimitedException.class)
        .hasMessageContaining("throttled")
        .hasMessageNotContaining(TOKEN)
        .satisfies(
            e -> {
              assertThat(((RateLimitedException) e).retryAfter()).contains(Duration.ofSeconds(1));
              assertThat(((RateLimitedException) e).isRetryable()).isTrue();
            });
    assertThat(server.getRequestCount()).isEqualTo(2 + 4);
  }

  @Test
  void serverErrorsTwiceThenSuccessAreRetriedForGetCancelAndList() throws Exception {
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(ok(body("p1", "succeeded", "\"https://replicate.delivery/a.png\"")));
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(ok(body("p1", "canceled", null)));
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(FakeReplicate.unavailable());
    server.enqueue(
        ok(
            "{\"previous\":null,\"next\":null,\"results\":["
                + body("p1", "succeeded", "null")
                + "]}"));

    assertThat(client.predictions().get("p1").status()).isEqualTo(PredictionStatus.SUCCEEDED);
    assertThat(client.predictions().cancel("p1").status()).isEqualTo(PredictionStatus.CANCELED);
    assertThat(client.predictions().list()).extracting(Prediction::id).containsExactly("p1");

    assertThat(server.getRequestCount()).isEqualTo(9);
    assertThat(scheduler.delays)
        .hasSize(6)
        .allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(1)));
  }

  @Test
  void aDroppedConnectionOnAGetIsRetried() {
    server.enqueue(dropped());
    server.enqueue(ok(body("p1", "processing", null)));

    assertThat(client.predictions().get("p1").rawStatus()).isEqualTo("processing");
  }

  static MockResponse dropped() {
    return new MockResponse.Builder()
        .onResponseStart(new SocketEffect.CloseSocket(true, false, false))
        .build();
  }

  String page(String... predictions) {
    return "{\"previous\":null,\"next\":null,\"results\":[" + String.join(",", predictions) + "]}";
  }

  @Test
  void aCreateWhoseResponseIsLostIsNeverSentAgainAndRunLooksForItInstead() throws Exception {
    server.enqueue(dropped());
    String other =
        body("someone-elses", "processing", null).replace("modern architecture", "a cat");
    String older =
        body("yesterdays", "succeeded", "null")
            .replace("2025-11-14T10:00:00.123Z", "2025-11-13T10:00:00.000Z");
    server.enqueue(ok(page(other, older)));

    assertThatThrownBy(() -> client.predictions().run(request(), Duration.ofMinutes(1)))
        .isInstanceOf(PredictionOutcomeUnknownException.class)
        .hasMessageContaining("model google/nano-banana")
        .hasMessageContaining("not re-sent")
        .hasMessageContaining("list()")
        .satisfies(
            e -> {
              PredictionOutcomeUnknownException lost = (PredictionOutcomeUnknownException) e;
              assertThat(lost.isRetryable()).isFalse();
              assertThat(lost.sentAt()).isEqualTo(clock.instant());
              assertThat(lost.request().target()).isEqualTo("google/nano-banana");
            });
    List<String> calls =
        requests().stream().map(r -> r.getMethod() + " " + r.getUrl().encodedPath()).toList();
    assertThat(calls)
        .containsExactly("POST /v1/models/google/nano-banana/predictions", "GET /v1/predictions");
  }

  @Test
  void runAdoptsThePredictionALostCreateStartedAndWaitsForIt() throws Exception {
    server.enqueue(dropped());
    server.enqueue(
        ok(
            page(
                body("p7", "processing", null)
                    .replace("\"status\"", "\"source\":\"api\",\"status\""))));
    server.enqueue(ok(body("p7", "succeeded", "\"https://replicate.delivery/p7.png\"")));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));

    assertThat(p.id()).isEqualTo("p7");
    assertThat(p.outputUrls()).containsExactly("https://replicate.delivery/p7.png");
    List<String> calls =
        requests().stream().map(r -> r.getMethod() + " " + r.getUrl().encodedPath()).toList();
    assertThat(calls)
        .containsExactly(
            "POST /v1/models/google/nano-banana/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions/p7");
  }

  @Test
  void createAloneReportsALostAnswerWithoutLookingAndFindLostLooksOnRequest() throws Exception {
    server.enqueue(dropped());
    server.enqueue(ok(page(body("p8", "starting", null))));

    PredictionOutcomeUnknownException lost =
        org.junit.jupiter.api.Assertions.assertThrows(
            PredictionOutcomeUnknownException.class, () -> client.predictions().create(request()));
    assertThat(server.getRequestCount()).isEqualTo(1);

    assertThat(client.predictions().findLost(lost))
        .hasValueSatisfying(p -> assertThat(p.id()).isEqualTo("p8"));
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aServerErrorOnCreateIsNotSentAgainEither() {
    server.enqueue(FakeReplicate.problem(502, "Bad Gateway", "upstream"));

    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(PredictionOutcomeUnknownException.class)
        .hasMessageContaining("HTTP 502")
        .satisfies(
            e -> assertThat(((PredictionOutcomeUnknownException) e).statusCode()).hasValue(502));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  // ---- errors ----

  @Test
  void problemBodiesBecomeTypedExceptions() {
    server.enqueue(FakeReplicate.unauthenticated());
    server.enqueue(FakeReplicate.notFound()); // the create
    server.enqueue(FakeReplicate.notFound()); // GET /models/google/nano-banana: it does not exist
    server.enqueue(FakeReplicate.invalidInput());
    server.enqueue(FakeReplicate.notFound());

    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.AuthenticationException.class)
        .hasMessageContaining("REPLICATE_API_TOKEN")
        .hasMessageNotContaining(TOKEN)
        .satisfies(
            e -> {
              ReplicateApiException a = (ReplicateApiException) e;
              assertThat(a.statusCode()).hasValue(401);
              assertThat(a.title()).contains("Unauthenticated");
              assertThat(a.detail()).contains("You did not pass a valid authentication token");
            });
    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.NotFoundException.class)
        .hasMessageContaining("has no model google/nano-banana")
        .hasMessageContaining("https://replicate.com/google/nano-banana");
    assertThatThrownBy(() -> client.predictions().create(request()))
        .isInstanceOf(ReplicateApiException.ValidationException.class)
        .hasMessageContaining("input.prompt: Invalid type")
        .satisfies(
            e -> {
              assertThat(((ReplicateApiException) e).statusCode()).hasValue(422);
              assertThat(((ReplicateApiException) e).isRetryable()).isFalse();
            });
    assertThatThrownBy(() -> client.predictions().get("nope"))
        .isInstanceOf(ReplicateApiException.NotFoundException.class)
        .hasMessageContaining("has no prediction nope");
    assertThat(server.getRequestCount()).as("4xx is never retried").isEqualTo(5);
  }

  @Test
  void aNonJsonErrorPageKeepsItsStatus() {
    server.enqueue(
        new MockResponse.Builder()
            .code(403)
            .addHeader("Content-Type", "text/html")
            .body("<html>Forbidden</html>")
            .build());

    assertThatThrownBy(() -> client.predictions().get("p1"))
        .isInstanceOf(ReplicateApiException.AuthenticationException.class)
        .hasMessageContaining("HTTP 403");
  }

  @Test
  void hostileIdsAreRefusedBeforeAnyRequest() {
    assertThatThrownBy(() -> client.predictions().get("../models/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id");
    assertThatThrownBy(() -> client.predictions().cancel("a b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(server.getRequestCount()).isZero();
  }

  // ---- the prediction view ----

  @Test
  void outputUrlsAreFoundWhetherTheOutputIsAStringAnArrayAnObjectOrNull() throws Exception {
    String[] outputs = {
      "\"https://replicate.delivery/one.png\"",
      "[\"https://replicate.delivery/a.webp\",\"data:image/png;base64,iVBORw0KGgo=\"]",
      "{\"image\":\"https://replicate.delivery/x.jpg\",\"meta\":{\"thumb\":\"https://replicate.delivery/t.jpg\"},\"seed\":42}",
      "null",
      "\"just some text\""
    };
    List<List<String>> expected =
        List.of(
            List.of("https://replicate.delivery/one.png"),
            List.of("https://replicate.delivery/a.webp", "data:image/png;base64,iVBORw0KGgo="),
            List.of("https://replicate.delivery/x.jpg", "https://replicate.delivery/t.jpg"),
            List.of(),
            List.of());
    for (int i = 0; i < outputs.length; i++) {
      server.enqueue(created(body("p" + i, "succeeded", outputs[i]), "wait=60"));
      Prediction p = client.predictions().run(request(), Duration.ofMinutes(1));
      assertThat(p.outputUrls()).as(outputs[i]).isEqualTo(expected.get(i));
    }
  }

  @Test
  void thePredictionViewReadsEveryFieldAndKeepsTheRawJson() throws Exception {
    String raw = body("p1", "succeeded", "\"https://replicate.delivery/a.png\"");
    Prediction p = Prediction.of(Transport.MAPPER.readTree(raw));

    assertThat(p.id()).isEqualTo("p1");
    assertThat(p.model()).contains("google/nano-banana");
    assertThat(p.version()).contains("hidden");
    assertThat(p.input().get("prompt").flatMap(JsonValue::asString))
        .contains("modern architecture");
    assertThat(p.output().asString()).contains("https://replicate.delivery/a.png");
    assertThat(p.error()).isEmpty();
    assertThat(p.logsTail(1)).isEqualTo("step 2");
    assertThat(p.metrics().get("predict_time").flatMap(JsonValue::asNumber)).contains(2.71);
    assertThat(p.urls().get("cancel").flatMap(JsonValue::asString).orElseThrow())
        .endsWith("/predictions/p1/cancel");
    assertThat(p.createdAt()).contains(java.time.Instant.parse("2025-11-14T10:00:00.123Z"));
    assertThat(p.startedAt()).contains(java.time.Instant.parse("2025-11-14T10:00:01.456789Z"));
    assertThat(p.completedAt()).contains(java.time.Instant.parse("2025-11-14T10:00:04.25Z"));
    assertThat(Transport.MAPPER.readTree(p.rawJson())).isEqualTo(Transport.MAPPER.readTree(raw));
    assertThat(p.json()).isEqualTo(JsonValue.parse(raw));
    assertThat(Prediction.parse(raw)).isEqualTo(p);
    Prediction starting = Prediction.of(Transport.MAPPER.readTree(body("p2", "starting", null)));
    assertThat(starting.startedAt()).isEmpty();
    assertThat(starting.output().isNull()).isTrue();
    assertThatThrownBy(() -> Prediction.of(Transport.MAPPER.readTree("{\"status\":\"starting\"}")))
        .hasMessageContaining("no id");
  }

  @Test
  void metricsIsTheDocumentedEmptyObjectWhenTheApiOmitsIt() throws Exception {
    Prediction running = Prediction.of(Transport.MAPPER.readTree(body("p1", "starting", null)));
    Prediction done = Prediction.of(Transport.MAPPER.readTree(body("p1", "succeeded", "null")));

    assertThat(running.json().get("metrics")).isEmpty();
    assertThat(running.metrics().kind()).isEqualTo(JsonValue.Kind.OBJECT);
    assertThat(running.metrics().size()).isZero();
    assertThat(done.metrics().get("predict_time").flatMap(JsonValue::asNumber)).contains(2.71);
  }

  // ---- list, webhooks, configuration ----

  @Test
  void listPagesLazilyFollowingTheCursorOnTheConfiguredBaseAndNeverSendsTheTokenElsewhere()
      throws Exception {
    // Replicate's next links are absolute, on its own host: behind a proxy (this server) only the
    // cursor is followed, on the configured base.
    server.enqueue(
        ok(
            "{\"previous\":null,\"next\":\"https://api.replicate.com/v1/predictions?cursor=cD0yMDI1\","
                + "\"results\":["
                + body("a", "succeeded", "null")
                + "]}"));
    server.enqueue(
        ok(
            "{\"previous\":null,\"next\":\"https://evil.example.com/steal?cursor=x\",\"results\":["
                + body("b", "succeeded", "null")
                + "]}"));
    server.enqueue(ok("{\"previous\":null,\"next\":null,\"results\":[]}"));

    var it = client.predictions().list().iterator();
    assertThat(server.getRequestCount()).isZero();
    assertThat(it.next().id()).isEqualTo("a");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(it.next().id()).isEqualTo("b");
    assertThat(it.hasNext()).isFalse();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/predictions");
    RecordedRequest second = server.takeRequest();
    assertThat(second.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(second.getUrl().queryParameter("cursor")).isEqualTo("cD0yMDI1");
    RecordedRequest third = server.takeRequest();
    assertThat(third.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(third.getUrl().queryParameter("cursor")).isEqualTo("x");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void fetchesTheWebhookSigningSecret() throws Exception {
    server.enqueue(ok("{\"key\":\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\"}"));

    String secret = client.webhookSigningSecret();

    assertThat(secret).isEqualTo("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    RecordedRequest r = server.takeRequest();
    assertThat(r.getMethod()).isEqualTo("GET");
    assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/webhooks/default/secret");
    assertThat(WebhookVerifier.of(secret).toString()).doesNotContain("C2FVsBQIhrscChlQIMV");
  }

  @Test
  void theTokenIsRequiredAndNeverPrinted() {
    assertThat(client.toString()).doesNotContain(TOKEN).contains("****");
    assertThat(client.toBuilder().build().toString()).doesNotContain(TOKEN);
    assertThatThrownBy(() -> ReplicateClient.fromEnv(Map.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("REPLICATE_API_TOKEN");
    assertThatThrownBy(() -> ReplicateClient.fromEnv(Map.of("REPLICATE_API_TOKEN", "  ")))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> ReplicateClient.builder().build())
        .isInstanceOf(ConfigurationException.class);
    try (ReplicateClient fromEnv =
        ReplicateClient.fromEnv(Map.of("REPLICATE_API_TOKEN", TOKEN, "REPLICATE_BASE_URL", base))) {
      assertThat(fromEnv.toString()).contains(base).doesNotContain(TOKEN);
    }
  }

  @Test
  void theTokenNeverAppearsInTheLogsOfRequestsRetriesAndFailures() throws Exception {
    java.io.PrintStream realErr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      server.enqueue(FakeReplicate.throttled("1"));
      server.enqueue(created(body("p1", "processing", null), "wait=60"));
      server.enqueue(FakeReplicate.unavailable());
      server.enqueue(
          ok(body("p1", "succeeded", "\"https://replicate.delivery/a.png?token=signed\"")));
      server.enqueue(FakeReplicate.unauthenticated());
      client.predictions().run(request(), Duration.ofMinutes(1));
      assertThatThrownBy(() -> client.predictions().get("p1"))
          .isInstanceOf(ReplicateApiException.AuthenticationException.class);
    } finally {
      System.setErr(realErr);
    }
    String logs = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(logs).contains("POST").contains("retry").doesNotContain(TOKEN).doesNotContain("r8_");
  }

  @Test
  void builderSettingsAreChecked() {
    assertThatThrownBy(() -> ReplicateClient.builder().baseUrl("ftp://x/v1"))
        .hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> ReplicateClient.builder().requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(
            () ->
                ReplicateClient.builder()
                    .pollSchedule(Duration.ofSeconds(2), 1.5, Duration.ofSeconds(1)))
        .hasMessageContaining("poll");
    assertThatThrownBy(() -> ReplicateClient.builder().createsPerMinute(-1))
        .hasMessageContaining("createsPerMinute");
    assertThat(
            ReplicateClient.builder()
                .token("r8_x")
                .baseUrl("http://localhost:8080/v1")
                .retryPolicy(RetryPolicy.none())
                .build())
        .isNotNull();
  }

  // ---- client-side create rate limit ----

  @Test
  void theCreateRateLimitSpacesCreatesEvenly() {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    CreateRateLimiter limiter = new CreateRateLimiter(600, now::get);

    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waits.add(limiter.reserve());
    }
    assertThat(waits)
        .containsExactly(
            Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
    now.addAndGet(
        Duration.ofSeconds(10)
            .toNanos()); // idle for a while: no burst credit is saved up beyond one slot
    assertThat(limiter.reserve()).isZero();
    assertThat(limiter.reserve()).isEqualTo(Duration.ofMillis(100));
    assertThat(new CreateRateLimiter(0, now::get).reserve()).isZero();
  }

  @Test
  void createsGoThroughTheRateLimit() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(created(body("p" + i, "starting", null), null));
    }
    try (ReplicateClient limited = builder().createsPerMinute(6000).build()) {
      List<CompletableFuture<Prediction>> creates = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        creates.add(limited.predictions().createAsync(request()));
      }
      for (CompletableFuture<Prediction> c : creates) {
        assertThat(c.get(10, TimeUnit.SECONDS).rawStatus()).isEqualTo("starting");
      }
    }
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  static Throwable cause(ExecutionException e) {
    return e.getCause();
  }
}
