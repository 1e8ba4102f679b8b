package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.HistoryQuery;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cost controls over a real pipeline with Replicate faked on loopback: every refusal is a 4xx and
 * reaches nothing upstream (the fake counts what it received).
 */
class ServerCostControlsTest {
  @TempDir Path files;
  final ServerPipelineRoutesTest t = new ServerPipelineRoutesTest();

  RenderLabServer start(java.util.function.UnaryOperator<RenderLabServer.Builder> options)
      throws Exception {
    t.files = files;
    t.server =
        options
            .apply(
                ServerPipelineRoutesTest.pipelineServer(t)
                    .jwtSecret(ServerPipelineRoutesTest.SECRET))
            .build()
            .start();
    return t.server;
  }

  @AfterEach
  void stop() throws Exception {
    if (t.server != null) {
      t.stop();
    }
  }

  HttpResponse<String> post(String path, String user, String json) throws Exception {
    return t.postJson(path, user, json);
  }

  @Test
  void onlyAllowListedModelsReachReplicate() throws Exception {
    start(b -> b);
    HttpResponse<String> other =
        post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"black-forest-labs/flux-pro\"}");
    HttpResponse<String> garbage =
        post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"../../v1/account\"}");
    HttpResponse<String> edit =
        post(
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\"https://cdn.example.com/m.png\",\"prompt\":\"p\",\"model\":\"x/y\"}");
    HttpResponse<String> batch =
        post("/api/generate/collection", "ada", "{\"prompts\":[\"a\"],\"model\":\"x/y\"}");

    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(ServerPipelineRoutesTest.json(other).get("error").asText())
        .contains("not enabled")
        .contains("google/nano-banana");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(edit.statusCode()).isEqualTo(403);
    assertThat(batch.statusCode()).isEqualTo(403);
    assertThat(t.fake.getRequestCount()).isZero();

    assertThat(post("/api/generate", "ada", "{\"prompt\":\"p\"}").statusCode()).isEqualTo(200);
    assertThat(
            post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"google/nano-banana\"}")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void anOwnerWildcardAllowsThatOwnersModels() throws Exception {
    start(b -> b.models(List.of("google/*", "bytedance/seedream-4")));
    assertThat(
            post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"google/imagen-4\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"bytedance/seedream-4\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            post("/api/generate", "ada", "{\"prompt\":\"p\",\"model\":\"bytedance/other\"}")
                .statusCode())
        .isEqualTo(403);
    assertThat(t.fake.getRequestCount()).isEqualTo(4); // two creates, two output downloads
  }

  @Test
  void collectionsAreCappedBeforeAnythingStarts() throws Exception {
    start(b -> b.maxConcurrentGenerations(50));
    String hundred =
        IntStream.range(0, 100)
            .mapToObj(i -> "\"p" + i + "\"")
            .collect(Collectors.joining(",", "{\"prompts\":[", "]}"));
    String twentyOne =
        IntStream.range(0, 21)
            .mapToObj(i -> "\"p" + i + "\"")
            .collect(Collectors.joining(",", "{\"prompts\":[", "]}"));

    HttpResponse<String> r = post("/api/generate/collection", "ada", hundred);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ServerPipelineRoutesTest.json(r).get("error").asText())
        .contains("at most 20 prompts");
    assertThat(post("/api/generate/collection", "ada", twentyOne).statusCode()).isEqualTo(400);
    assertThat(t.fake.getRequestCount()).isZero();
  }

  @Test
  void theCollectionCapIsConfigurable() throws Exception {
    start(b -> b.maxCollectionPrompts(2).maxConcurrentGenerations(4));
    assertThat(
            post("/api/generate/collection", "ada", "{\"prompts\":[\"a\",\"b\",\"c\"]}")
                .statusCode())
        .isEqualTo(400);
    assertThat(t.fake.getRequestCount()).isZero();
    assertThat(post("/api/generate/collection", "ada", "{\"prompts\":[\"a\",\"b\"]}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void theInFlightCapCountsPredictionsSoACollectionOfNCountsN() throws Exception {
    start(b -> b.maxConcurrentGenerations(3));
    var slow =
        t.http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + t.server.port() + "/api/generate"))
                .header("Authorization", "Bearer " + t.tokens.issue("ada", Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow one\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(t.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> three =
        post("/api/generate/collection", "ada", "{\"prompts\":[\"a\",\"b\",\"c\"]}"); // 1 + 3 > 3
    int afterRefusal = t.fake.getRequestCount();
    HttpResponse<String> two =
        post("/api/generate/collection", "ada", "{\"prompts\":[\"a\",\"b\"]}"); // 1 + 2 = 3
    HttpResponse<String> more =
        post(
            "/api/generate",
            "ada",
            "{\"prompt\":\"one more\"}"); // 1 + 0 + 1 after the collection ended
    t.slowGate.countDown();

    assertThat(three.statusCode()).isEqualTo(429);
    assertThat(three.headers().firstValue("Retry-After")).isPresent();
    assertThat(afterRefusal).isEqualTo(1); // only the slow generation reached Replicate
    assertThat(two.statusCode()).as(two.body()).isEqualTo(200);
    assertThat(more.statusCode()).isEqualTo(200);
    assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    // Larger than the cap: a blocking collection runs at most the cap at once and answers for all.
    HttpResponse<String> biggerThanTheCap =
        post("/api/generate/collection", "ada", "{\"prompts\":[\"a\",\"b\",\"c\",\"d\"]}");
    assertThat(biggerThanTheCap.statusCode()).as(biggerThanTheCap.body()).isEqualTo(200);
    assertThat(ServerPipelineRoutesTest.json(biggerThanTheCap).get("items")).hasSize(4);
    // Async, all four would start at once: refused before anything reaches Replicate.
    int beforeAsync = t.fake.getRequestCount();
    HttpResponse<String> asyncTooBig =
        t.http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + t.server.port() + "/api/generate/collection"))
                .header("Authorization", "Bearer " + t.tokens.issue("ada", Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .header("Prefer", "respond-async")
                .POST(
                    HttpRequest.BodyPublishers.ofString("{\"prompts\":[\"a\",\"b\",\"c\",\"d\"]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(asyncTooBig.statusCode()).isEqualTo(400);
    assertThat(ServerPipelineRoutesTest.json(asyncTooBig).get("error").asText())
        .contains("--max-generations-per-user");
    assertThat(t.fake.getRequestCount()).isEqualTo(beforeAsync);
  }

  @Test
  void theDailyQuotaRefusesWith429UntilMidnightUtc() throws Exception {
    start(b -> b.dailyQuota(2));
    assertThat(post("/api/generate", "ada", "{\"prompt\":\"1\"}").statusCode()).isEqualTo(200);
    assertThat(post("/api/generate", "ada", "{\"prompt\":\"2\"}").statusCode()).isEqualTo(200);
    int before = t.fake.getRequestCount();

    HttpResponse<String> third = post("/api/generate", "ada", "{\"prompt\":\"3\"}");
    HttpResponse<String> batch = post("/api/generate/collection", "ada", "{\"prompts\":[\"a\"]}");

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(ServerPipelineRoutesTest.json(third).get("error").asText()).contains("daily quota");
    assertThat(Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 86_400L);
    assertThat(batch.statusCode()).isEqualTo(429);
    assertThat(t.fake.getRequestCount()).isEqualTo(before);
    assertThat(post("/api/generate", "bob", "{\"prompt\":\"bob's first\"}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void urlFieldsTakeHttpOnlyAndDataOnlyForTheMask() throws Exception {
    start(b -> b);
    String png =
        "data:image/png;base64,"
            + java.util.Base64.getEncoder().encodeToString(ServerPipelineRoutesTest.PNG);
    List<String> refused =
        List.of(
            "{\"prompt\":\"p\",\"imageUrl\":\"javascript:alert(1)\"}",
            "{\"prompt\":\"p\",\"imageUrl\":\"file:///etc/passwd\"}",
            "{\"prompt\":\"p\",\"imageUrl\":\"" + png + "\"}");
    for (String body : refused) {
      HttpResponse<String> r = post("/api/generate", "ada", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(ServerPipelineRoutesTest.json(r).get("error").asText()).contains("imageUrl");
    }
    for (String field :
        List.of(
            "\"baseImageUrl\":\"javascript:alert(1)\"", "\"baseImageUrl\":\"data:text/html,x\"")) {
      HttpResponse<String> r =
          post(
              "/api/generate/edit",
              "ada",
              "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\"https://cdn.example.com/m.png\",\"prompt\":\"p\","
                  + field
                  + "}");
      assertThat(r.statusCode()).as(field).isEqualTo(400);
      assertThat(ServerPipelineRoutesTest.json(r).get("error").asText()).contains("baseImageUrl");
    }
    HttpResponse<String> jsMask =
        post(
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\"javascript:alert(1)\",\"prompt\":\"p\"}");
    assertThat(jsMask.statusCode()).isEqualTo(400);
    assertThat(t.fake.getRequestCount()).isZero();

    HttpResponse<String> dataMask =
        post(
            "/api/generate/edit",
            "ada",
            "{\"imageUrl\":\"https://cdn.example.com/a.png\",\"maskUrl\":\""
                + png
                + "\",\"prompt\":\"p\"}");
    assertThat(dataMask.statusCode()).as(dataMask.body()).isEqualTo(200);
    assertThat(t.catalog.history(HistoryQuery.of("ada")).images()).hasSize(1);
  }

  @Test
  void unfinishedGenerationsInTheDatabaseCountAgainstTheCapAcrossInstancesAndRestarts()
      throws Exception {
    start(b -> b.maxConcurrentGenerations(2));
    io.renderlab.core.GenerationStore store = t.catalog.generations();
    // Two generations another instance (or this one before a restart) started and has not ended.
    List<io.renderlab.core.Generation> elsewhere = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      elsewhere.add(
          store.create(
              io.renderlab.core.Generation.builder()
                  .userId("ada")
                  .kind(io.renderlab.core.GenerationKind.GENERATE)
                  .model("google/nano-banana")
                  .prompt("p" + i)
                  .inputJson("{\"prompt\":\"p\"}")
                  .deadline(Instant.now().plus(Duration.ofMinutes(10)))
                  .build(),
              "another-instance",
              Duration.ofMinutes(5)));
    }

    HttpResponse<String> refused = post("/api/generate", "ada", "{\"prompt\":\"p\"}");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(t.fake.getRequestCount()).as("nothing reached Replicate").isZero();
    assertThat(post("/api/generate", "bob", "{\"prompt\":\"p\"}").statusCode())
        .as("another user's generations do not count")
        .isEqualTo(200);

    store.finish(elsewhere.get(0).id(), io.renderlab.core.GenerationStatus.FAILED, "failed");
    assertThat(post("/api/generate", "ada", "{\"prompt\":\"p\"}").statusCode())
        .as("one of two ended: one more fits")
        .isEqualTo(200);
  }

  @Test
  void theCapCountsTheLargerOfThisProcesssPermitsAndTheDatabasesUnfinishedRows() {
    java.util.Map<String, Integer> rows = new java.util.concurrent.ConcurrentHashMap<>();
    CostControls costs =
        new CostControls(
            List.of("google/nano-banana"),
            3,
            20,
            0,
            Clock.systemUTC(),
            user -> rows.getOrDefault(user, 0));
    rows.put("ada", 2); // written by other instances
    CostControls.Permit one = costs.acquire("ada", 1); // rows 2 + 1 = the cap
    rows.put("ada", 3); // its row is written
    assertThatThrownBy(() -> costs.acquire("ada", 1)).isInstanceOf(ApiError.class);
    rows.put("ada", 1); // the others' ended: only this process's own row is left
    CostControls.Permit two = costs.acquire("ada", 1); // held 1, rows 1: not counted twice
    assertThatThrownBy(() -> costs.acquire("ada", 2)).isInstanceOf(ApiError.class);
    one.close();
    two.close();
    assertThat(costs.trackedUsers()).isZero();
  }

  // --- CostControls on its own: bounded memory, day roll-over ---

  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void theLimiterForgetsIdleUsersAndYesterdaysCounts() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-01T23:59:00Z"));
    CostControls costs = new CostControls(List.of("google/nano-banana"), 2, 20, 5, clock);
    for (int i = 0; i < 10_000; i++) {
      costs.acquire("user-" + i, 1).close();
    }
    assertThat(costs.trackedUsers()).isZero();
    assertThat(costs.usersToday()).isEqualTo(10_000);

    clock.now = Instant.parse("2026-06-02T00:00:01Z");
    CostControls.Permit p = costs.acquire("user-1", 2);
    assertThat(costs.usersToday()).isEqualTo(1);
    assertThat(costs.trackedUsers()).isEqualTo(1);
    assertThatThrownBy(() -> costs.acquire("user-1", 1))
        .isInstanceOf(ApiError.class)
        .extracting(e -> ((ApiError) e).status)
        .isEqualTo(429);
    p.close();
    p.close(); // idempotent: gives back once
    assertThat(costs.trackedUsers()).isZero();
    costs.acquire("user-1", 2).close();
    costs.acquire("user-1", 1).close();
    assertThatThrownBy(() -> costs.acquire("user-1", 1)).hasMessageContaining("daily quota");
    assertThat(costs.trackedUsers()).as("a refused request holds nothing").isZero();
  }

  @Test
  void modelListsAreValidated() {
    assertThat(CostControls.parseModels(" google/nano-banana , Black-Forest-Labs/* "))
        .containsExactly("google/nano-banana", "black-forest-labs/*");
    for (String bad : List.of("", ",", "google", "*/*", "google/nano banana", "a/b/c")) {
      assertThatThrownBy(() -> CostControls.parseModels(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    CostControls costs = new CostControls(List.of("google/*"), 1, 1, 0, Clock.systemUTC());
    costs.checkModel(Optional.of("Google/Imagen-4"));
    costs.checkModel(Optional.empty());
    assertThatThrownBy(() -> costs.checkModel(Optional.of("googlex/imagen")))
        .isInstanceOf(ApiError.class);
  }
}
