package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict}: targets, {@code --no-wait}, and the exit codes of the contract, against a
 * Replicate fake on loopback.
 */
class PredictCommandTest {
  static final String TOKEN = "r8_PredictCommandTokenNeverPrinted";
  static final String VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
  @TempDir Path home;
  MockWebServer fake;
  CliRunner cli;
  String base;

  final java.util.concurrent.atomic.AtomicInteger schemaReads =
      new java.util.concurrent.atomic.AtomicInteger();

  static boolean isSchemaRead(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    return r.getMethod().equals("GET")
        && (path.startsWith("/v1/models/") || path.startsWith("/v1/deployments/"));
  }

  /** The fake's answers to predictions requests, in order. */
  final java.util.concurrent.BlockingQueue<MockResponse> answers =
      new java.util.concurrent.LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws IOException {
    fake = new MockWebServer();
    fake.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) throws InterruptedException {
            if (isSchemaRead(r)) {
              // The model's schema: this fake has none (the API's 404), so inputs go unchecked.
              schemaReads.incrementAndGet();
              return problem(404, "Not found", "The requested resource could not be found.");
            }
            MockResponse next = answers.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            return next != null ? next : problem(500, "No answer queued", "test fake");
          }
        });
    fake.start(InetAddress.getLoopbackAddress(), 0);
    base = fake.url("/v1").toString();
    cli = new CliRunner(home);
    cli.env.put("REPLICATE_API_TOKEN", TOKEN);
    cli.env.put("REPLICATE_BASE_URL", base);
  }

  /** The next request other than a schema read. */
  RecordedRequest takeCreate() throws InterruptedException {
    while (true) {
      RecordedRequest r = fake.takeRequest();
      if (!isSchemaRead(r)) {
        return r;
      }
    }
  }

  /** Requests other than schema reads. */
  int predictionRequests() {
    return fake.getRequestCount() - schemaReads.get();
  }

  @AfterEach
  void stop() throws IOException {
    fake.close();
  }

  String prediction(String status, String error) {
    return "{\"id\":\"p1\",\"model\":\"google/nano-banana\",\"version\":\"hidden\",\"input\":{\"prompt\":\"x\"},\"logs\":\"loading\\nboom\","
        + "\"output\":null,\"data_removed\":false,\"error\":"
        + (error == null ? "null" : "\"" + error + "\"")
        + ",\"status\":\""
        + status
        + "\","
        + "\"created_at\":\"2025-11-14T10:00:00.123Z\",\"urls\":{\"get\":\""
        + base
        + "/predictions/p1\",\"cancel\":\""
        + base
        + "/predictions/p1/cancel\"}}";
  }

  static MockResponse created(String body) {
    return new MockResponse.Builder()
        .code(201)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  static MockResponse problem(int status, String title, String detail) {
    return new MockResponse.Builder()
        .code(status)
        .addHeader("Content-Type", "application/problem+json")
        .body(
            "{\"title\":\"" + title + "\",\"detail\":\"" + detail + "\",\"status\":" + status + "}")
        .build();
  }

  @Test
  void aFailedPredictionExitsFourAndPrintsItAsReplicateReturnedIt() throws Exception {
    answers.add(created(prediction("failed", "CUDA out of memory")));

    CliRunner.Result r =
        cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x", "--json");

    assertThat(r.exitCode()).isEqualTo(4);
    JsonNode printed = new ObjectMapper().readTree(r.out());
    assertThat(printed.get("status").asText()).isEqualTo("failed");
    assertThat(r.err())
        .startsWith("error: ")
        .contains("p1")
        .contains("CUDA out of memory")
        .contains("boom")
        .doesNotContain(TOKEN);
  }

  @Test
  void aCanceledPredictionExitsFour() {
    answers.add(created(prediction("canceled", null)));

    CliRunner.Result r = cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("canceled");
  }

  @Test
  void aRefusedTokenExitsFourNamingTheVariableButNotTheToken() {
    answers.add(problem(401, "Unauthenticated", "You did not pass a valid authentication token"));

    CliRunner.Result r = cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err())
        .contains("REPLICATE_API_TOKEN")
        .doesNotContain(TOKEN)
        .doesNotContain("at io.renderlab");
  }

  @Test
  void anUnknownModelExitsFourNamingIt() {
    answers.add(problem(404, "Not found", "The requested resource could not be found."));

    CliRunner.Result r =
        cli.run("predict", "--model", "google/no-such-model", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("google/no-such-model");
  }

  @Test
  void noWaitCreatesOnceWithoutPreferWaitAndPrintsTheStartingPrediction() throws Exception {
    answers.add(created(prediction("starting", null)));

    CliRunner.Result r =
        cli.run(
            "predict",
            "--deployment",
            "acme/image-app",
            "--input",
            "prompt=x",
            "--no-wait",
            "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).get("status").asText()).isEqualTo("starting");
    RecordedRequest create = takeCreate();
    assertThat(create.getUrl().encodedPath())
        .isEqualTo("/v1/deployments/acme/image-app/predictions");
    assertThat(create.getHeaders().get("Prefer")).isNull();
    assertThat(predictionRequests()).isEqualTo(1);
  }

  @Test
  void aVersionIsSentInTheBodyAndWaitedForWithPreferWait() throws Exception {
    answers.add(created(prediction("succeeded", null)));

    CliRunner.Result r =
        cli.run("predict", "--version", VERSION, "--input", "text=Alice", "--timeout", "30s");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Prediction p1 succeeded");
    RecordedRequest create = takeCreate();
    assertThat(create.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(create.getBody().utf8()).contains("\"version\":\"" + VERSION + "\"");
    assertThat(create.getHeaders().get("Prefer")).isEqualTo("wait=30");
  }

  @Test
  void anInputTheModelRefusesExitsThreeWithReplicatesDetail() {
    answers.add(
        new MockResponse.Builder()
            .code(422)
            .addHeader("Content-Type", "application/problem+json")
            .body(
                "{\"title\":\"Input validation failed\",\"detail\":\"- input.num_outputs: Must be less than or equal to 4\","
                    + "\"status\":422,\"invalid_fields\":[{\"type\":\"less_than_equal\",\"field\":\"input.num_outputs\","
                    + "\"description\":\"Must be less than or equal to 4\"}]}")
            .build());

    CliRunner.Result r =
        cli.run("predict", "--model", "google/nano-banana", "--input", "num_outputs=9");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).startsWith("error: ").contains("num_outputs").doesNotContain(TOKEN);
  }

  @Test
  void aMalformedTargetIsRejectedWithExitThreeBeforeAnyRequest() {
    CliRunner.Result r = cli.run("predict", "--model", "nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("owner/name");
    assertThat(predictionRequests()).isZero();
  }
}
