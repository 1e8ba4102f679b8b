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

  @BeforeEach
  void start() throws IOException {
    fake = new MockWebServer();
    fake.start(InetAddress.getLoopbackAddress(), 0);
    base = fake.url("/v1").toString();
    cli = new CliRunner(home);
    cli.env.put("REPLICATE_API_TOKEN", TOKEN);
    cli.env.put("REPLICATE_BASE_URL", base);
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
    fake.enqueue(created(prediction("failed", "CUDA out of memory")));

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
    fake.enqueue(created(prediction("canceled", null)));

    CliRunner.Result r = cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("canceled");
  }

  @Test
  void aRefusedTokenExitsFourNamingTheVariableButNotTheToken() {
    fake.enqueue(problem(401, "Unauthenticated", "You did not pass a valid authentication token"));

    CliRunner.Result r = cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err())
        .contains("REPLICATE_API_TOKEN")
        .doesNotContain(TOKEN)
        .doesNotContain("at io.renderlab");
  }

  @Test
  void anUnknownModelExitsFourNamingIt() {
    fake.enqueue(problem(404, "Not found", "The requested resource could not be found."));

    CliRunner.Result r =
        cli.run("predict", "--model", "google/no-such-model", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("google/no-such-model");
  }

  @Test
  void noWaitCreatesOnceWithoutPreferWaitAndPrintsTheStartingPrediction() throws Exception {
    fake.enqueue(created(prediction("starting", null)));

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
    RecordedRequest create = fake.takeRequest();
    assertThat(create.getUrl().encodedPath())
        .isEqualTo("/v1/deployments/acme/image-app/predictions");
    assertThat(create.getHeaders().get("Prefer")).isNull();
    assertThat(fake.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aVersionIsSentInTheBodyAndWaitedForWithPreferWait() throws Exception {
    fake.enqueue(created(prediction("succeeded", null)));

    CliRunner.Result r =
        cli.run("predict", "--version", VERSION, "--input", "text=Alice", "--timeout", "30s");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Prediction p1 succeeded");
    RecordedRequest create = fake.takeRequest();
    assertThat(create.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(create.getBody().utf8()).contains("\"version\":\"" + VERSION + "\"");
    assertThat(create.getHeaders().get("Prefer")).isEqualTo("wait=30");
  }

  @Test
  void anInputTheModelRefusesExitsThreeWithReplicatesDetail() {
    fake.enqueue(
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
    assertThat(fake.getRequestCount()).isZero();
  }
}
