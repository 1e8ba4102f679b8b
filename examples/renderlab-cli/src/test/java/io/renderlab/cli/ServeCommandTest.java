package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}: the sample server over the CLI's embedded defaults (H2 and folder storage). */
class ServeCommandTest {
  @TempDir Path home;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void servesUploadsAndTheirFilesAsTheDevUserAndStopsWhenInterrupted() throws Exception {
    int port = freePort();
    CountDownLatch listening = new CountDownLatch(1);
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream err =
        new PrintStream(
            new OutputStream() {
              @Override
              public synchronized void write(int b) {
                errBytes.write(b);
                if (b == '\n'
                    && errBytes.toString(StandardCharsets.UTF_8).contains("RenderLab server on")) {
                  listening.countDown();
                }
              }
            },
            true,
            StandardCharsets.UTF_8);
    AtomicInteger exit = new AtomicInteger(-1);
    Thread serve =
        new Thread(
            () ->
                exit.set(
                    RenderLabCli.run(
                        new String[] {
                          "serve", "--port", Integer.toString(port), "--dev-user", "tester"
                        },
                        Map.of("RENDERLAB_HOME", home.toString()),
                        new PrintStream(OutputStream.nullOutputStream()),
                        err)));
    serve.start();
    try {
      assertThat(listening.await(60, TimeUnit.SECONDS))
          .as(errBytes.toString(StandardCharsets.UTF_8))
          .isTrue();
      String base = "http://127.0.0.1:" + port;

      String boundary = "serve-test";
      ByteArrayOutputStream form = new ByteArrayOutputStream();
      form.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dot.png\"\r\n"
                  + "Content-Type: image/png\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      form.writeBytes(PipelineCommandsTest.PNG);
      form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> upload =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/upload"))
                  .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
      String publicUrl = json.readTree(upload.body()).get("output").get("publicUrl").asText();
      assertThat(publicUrl).startsWith(base + "/files/tester/");
      HttpResponse<byte[]> file =
          http.send(
              HttpRequest.newBuilder(URI.create(publicUrl)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(file.statusCode()).isEqualTo(200);
      assertThat(file.headers().firstValue("Content-Type")).hasValue("image/png");
      assertThat(file.body()).isEqualTo(PipelineCommandsTest.PNG);
      JsonNode history =
          json.readTree(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/api/history")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(history.get("images")).hasSize(1);
    } finally {
      serve.interrupt();
      serve.join(60_000);
    }
    assertThat(serve.isAlive()).isFalse();
    assertThat(exit).hasValue(0);
  }

  @Test
  void costControlFlagsReachTheServer() throws Exception {
    int port = freePort();
    CountDownLatch listening = new CountDownLatch(1);
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream err =
        new PrintStream(
            new OutputStream() {
              @Override
              public synchronized void write(int b) {
                errBytes.write(b);
                if (b == '\n'
                    && errBytes.toString(StandardCharsets.UTF_8).contains("RenderLab server on")) {
                  listening.countDown();
                }
              }
            },
            true,
            StandardCharsets.UTF_8);
    AtomicInteger exit = new AtomicInteger(-1);
    Thread serve =
        new Thread(
            () ->
                exit.set(
                    RenderLabCli.run(
                        new String[] {
                          "serve",
                          "--port",
                          Integer.toString(port),
                          "--dev-user",
                          "tester",
                          "--max-collection-prompts",
                          "2",
                          "--min-request-rate",
                          "8KiB",
                          "--idle-timeout",
                          "20s",
                          "--daily-quota",
                          "10"
                        },
                        Map.of(
                            "RENDERLAB_HOME",
                            home.toString(),
                            "RENDERLAB_MODELS",
                            "google/*, acme/painter"),
                        new PrintStream(OutputStream.nullOutputStream()),
                        err)));
    serve.start();
    try {
      assertThat(listening.await(60, TimeUnit.SECONDS))
          .as(errBytes.toString(StandardCharsets.UTF_8))
          .isTrue();
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> model =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/generate"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"prompt\":\"p\",\"model\":\"evil/expensive\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> batch =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/generate/collection"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"prompts\":[\"a\",\"b\",\"c\"]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(model.statusCode()).isEqualTo(403);
      assertThat(json.readTree(model.body()).get("error").asText())
          .contains("google/*")
          .contains("acme/painter");
      assertThat(batch.statusCode()).isEqualTo(400);
      assertThat(json.readTree(batch.body()).get("error").asText()).contains("at most 2");
    } finally {
      serve.interrupt();
      serve.join(60_000);
    }
    assertThat(exit).hasValue(0);
  }

  @Test
  void aMalformedSupabaseUrlOrModelListIsAConfigurationError() {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result url =
        cli.run("serve", "--port", "0", "--supabase-url", "ftp://project.example");
    assertThat(url.exitCode()).isEqualTo(2);
    assertThat(url.err()).contains("supabaseUrl");
    CliRunner.Result models =
        cli.run("serve", "--port", "0", "--dev-user", "me", "--models", "not-a-model");
    assertThat(models.exitCode()).isEqualTo(2);
    assertThat(models.err()).contains("not-a-model");
  }

  @Test
  void connectionCapsHeaderTimeoutAndTokenRolesAreValidatedAsConfiguration() {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result caps =
        cli.run(
            "serve",
            "--port",
            "0",
            "--dev-user",
            "me",
            "--max-connections",
            "10",
            "--max-connections-per-address",
            "20");
    assertThat(caps.exitCode()).isEqualTo(2);
    assertThat(caps.err()).contains("--max-connections-per-address");
    CliRunner.Result timeout =
        cli.run("serve", "--port", "0", "--dev-user", "me", "--header-timeout", "soon");
    CliRunner.Result idle =
        cli.run("serve", "--port", "0", "--dev-user", "me", "--idle-timeout", "soon");
    assertThat(timeout.exitCode()).as("like every duration flag").isEqualTo(idle.exitCode());
    assertThat(timeout.err()).contains("--header-timeout");
    CliRunner.Result roles =
        cli.run("serve", "--port", "0", "--dev-user", "me", "--token-roles", " ");
    assertThat(roles.exitCode()).isEqualTo(2);
    assertThat(roles.err()).contains("--token-roles");
  }

  @Test
  void refusesToServeWithoutAuthenticationOrADevUserOffLoopback() {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result noAuth = cli.run("serve", "--port", "0");
    assertThat(noAuth.exitCode()).isEqualTo(2);
    assertThat(noAuth.err())
        .contains("RENDERLAB_JWT_SECRET")
        .contains("RENDERLAB_SUPABASE_URL")
        .contains("--dev-user");

    CliRunner.Result open =
        cli.run("serve", "--port", "0", "--host", "0.0.0.0", "--dev-user", "me");
    assertThat(open.exitCode()).as(open.err()).isEqualTo(2);
    assertThat(open.err()).contains("loopback");
    assertThat(List.of(noAuth.err(), open.err())).noneMatch(e -> e.contains("Exception"));
  }
}
