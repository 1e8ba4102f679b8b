package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.pipeline.StatefulReplicate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": a {@code serve} process killed with SIGKILL while two generations (one
 * {@code Prefer: respond-async}, one plain) wait on a running model comes back on the same home and
 * finishes both: one record each, with thumbnails, the async one {@code succeeded} on its status
 * route, and no prediction created twice.
 */
class ServeCrashRecoveryTest {
  @TempDir Path home;
  StatefulReplicate fake;
  final List<Process> processes = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws IOException {
    fake = new StatefulReplicate(PipelineCommandsTest.PNG, false);
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
    fake.close();
  }

  /** Starts {@code renderlab serve} in a child JVM and waits for it to listen. */
  int serve() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                RenderLabCli.class.getName(),
                "serve",
                "--port",
                Integer.toString(port),
                "--dev-user",
                "ada")
            .redirectErrorStream(true);
    pb.environment().put("RENDERLAB_HOME", home.toString());
    pb.environment().put("REPLICATE_API_TOKEN", "r8_CliTestTokenNeverPrinted");
    pb.environment().put("REPLICATE_BASE_URL", fake.baseUrl());
    pb.environment().put("RENDERLAB_ALLOW_HOSTS", "127.0.0.1");
    pb.environment().put("RENDERLAB_GENERATION_LEASE", "2s");
    pb.environment().remove("RENDERLAB_DATABASE_URL");
    pb.environment().remove("RENDERLAB_STORAGE");
    Process p = pb.start();
    processes.add(p);
    CountDownLatch listening = new CountDownLatch(1);
    Thread drain =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  if (line.contains("RenderLab server on")) {
                    listening.countDown();
                  }
                }
              } catch (IOException e) {
                // the process died: the latch stays closed and the test fails on it
              }
            },
            "serve-output");
    drain.setDaemon(true);
    drain.start();
    assertThat(listening.await(90, TimeUnit.SECONDS)).as("serve starts").isTrue();
    return port;
  }

  HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60));
  }

  JsonNode get(int port, String path) throws Exception {
    return Json.MAPPER.readTree(
        http.send(request(port, path).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  @Test
  void aServeKilledMidGenerationComesBackAndFinishesBothWithoutCreatingAnyTwice() throws Exception {
    int first = serve();
    HttpResponse<String> accepted =
        http.send(
            request(first, "/api/generate")
                .header("Content-Type", "application/json")
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a castle, async\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String asyncId = Json.MAPPER.readTree(accepted.body()).path("id").asText();
    CompletableFuture<HttpResponse<String>> plain =
        http.sendAsync(
            request(first, "/api/generate")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a lighthouse, plain\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(fake.awaitPolled(2, Duration.ofSeconds(60)))
        .as("both generations wait on the model")
        .isTrue();

    processes
        .get(0)
        .destroyForcibly()
        .waitFor(20, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    assertThat(plain).failsWithin(Duration.ofSeconds(20)); // its connection died with the process
    fake.release();
    int second = serve();

    JsonNode generations = awaitBothEnded(second);
    assertThat(generations.path("generations"))
        .hasSize(2)
        .allSatisfy(g -> assertThat(g.path("status").asText()).isEqualTo("succeeded"))
        .allSatisfy(g -> assertThat(g.path("images")).hasSize(1));
    JsonNode status = get(second, "/api/generations/" + asyncId);
    assertThat(status.path("status").asText()).isEqualTo("succeeded");
    assertThat(status.path("images")).hasSize(1);
    assertThat(status.path("images").get(0).path("prompt").asText()).isEqualTo("a castle, async");
    JsonNode history = awaitThumbnails(second);
    assertThat(history.path("images"))
        .hasSize(2)
        .allSatisfy(i -> assertThat(i.path("thumb_url").asText()).contains("thumbs/"));
    assertThat(fake.creates.get()).as("no prediction created twice").isEqualTo(2);
  }

  /** Polls the list route, as the gallery does, until both generations ended (bounded). */
  JsonNode awaitBothEnded(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode list;
    do {
      list = get(port, "/api/generations");
      boolean ended = list.path("generations").size() == 2;
      for (JsonNode g : list.path("generations")) {
        ended &= !g.path("status").asText().matches("pending|running|ingesting");
      }
      if (ended) {
        return list;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    return list;
  }

  JsonNode awaitThumbnails(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode history;
    do {
      history = get(port, "/api/history");
      boolean all = history.path("images").size() == 2;
      for (JsonNode i : history.path("images")) {
        all &= i.hasNonNull("thumb_url");
      }
      if (all) {
        return history;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    return history;
  }
}
