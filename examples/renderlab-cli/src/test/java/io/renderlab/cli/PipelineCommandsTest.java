package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's commands run in-process against a Replicate fake on loopback and the embedded defaults.
 */
class PipelineCommandsTest {
  static final String TOKEN = "r8_CliTestTokenNeverPrinted";
  @TempDir Path home;
  MockWebServer fake;
  CliRunner cli;
  final AtomicInteger ids = new AtomicInteger();
  static final byte[] PNG = png();

  static byte[] png() {
    BufferedImage img = new BufferedImage(600, 400, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.CYAN);
    g.fillRect(0, 0, 600, 400);
    g.dispose();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void start() throws IOException {
    fake = new MockWebServer();
    fake.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            if (path.startsWith("/files/")) {
              return path.endsWith(".html")
                  ? new MockResponse.Builder()
                      .addHeader("Content-Type", "image/png")
                      .body("<html>no</html>")
                      .build()
                  : new MockResponse.Builder().body(new Buffer().write(PNG)).build();
            }
            String base = fake.url("/v1").toString();
            if (r.getMethod().equals("GET") && path.startsWith("/v1/models/")) {
              // A model's schema: this fake has none (the API's 404), so inputs go unchecked.
              return new MockResponse.Builder()
                  .code(404)
                  .addHeader("Content-Type", "application/json")
                  .body("{\"detail\":\"Not found.\",\"status\":404}")
                  .build();
            }
            if (path.endsWith("/cancel")) {
              return json(prediction(base, path.split("/")[3], "canceled", "null", null));
            }
            String body = r.getBody() == null ? "" : r.getBody().utf8();
            if (path.startsWith("/v1/predictions/")) {
              return json(
                  prediction(
                      base, path.substring(path.lastIndexOf('/') + 1), "processing", "null", null));
            }
            String id = "p" + ids.incrementAndGet();
            if (body.contains("slow")) {
              return json(prediction(base, id, "processing", "null", null));
            }
            if (body.contains("fail")) {
              return json(prediction(base, id, "failed", "null", "model crashed"));
            }
            return json(
                prediction(
                    base,
                    id,
                    "succeeded",
                    "[\"" + fake.url("/files/" + id + ".png") + "\"]",
                    null));
          }
        });
    fake.start(InetAddress.getLoopbackAddress(), 0);
    cli = new CliRunner(home);
    cli.env.put("REPLICATE_API_TOKEN", TOKEN);
    cli.env.put("REPLICATE_BASE_URL", fake.url("/v1").toString());
    cli.env.put("RENDERLAB_ALLOW_HOSTS", "127.0.0.1");
  }

  @Test
  void aModelVersionCreatesOnceThroughThePredictionsEndpointWithItsVersion() throws Exception {
    String version = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b";

    CliRunner.Result r =
        cli.run(
            "generate",
            "--user",
            "ada",
            "--prompt",
            "a fox",
            "--model",
            "stability-ai/sdxl:" + version,
            "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    RecordedRequest create = takeCreate();
    assertThat(create.getUrl().encodedPath()).isEqualTo("/v1/predictions");
    assertThat(create.getBody().utf8())
        .contains("\"version\":\"" + version + "\"")
        .contains("\"prompt\":\"a fox\"");
    assertThat(ids.get()).as("one prediction").isEqualTo(1);
  }

  @Test
  void theOperatorsFieldNamesForAModelAreWhatItIsSent() throws Exception {
    Path mask = home.resolve("mask.png");
    Files.write(mask, PNG);
    cli.env.put("RENDERLAB_INPUT_FIELDS", "acme/filler=image:init_image,mask:mask_image");

    CliRunner.Result r =
        cli.run(
            "edit",
            "--user",
            "ada",
            "--image",
            "https://cdn.example.com/v1.png",
            "--mask",
            mask.toString(),
            "--prompt",
            "a door",
            "--model",
            "acme/filler",
            "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    String sent = takeCreate().getBody().utf8();
    assertThat(sent)
        .contains("\"init_image\":\"https://cdn.example.com/v1.png\"")
        .contains("\"mask_image\":\"data:image/png;base64,")
        .doesNotContain("\"image\":")
        .doesNotContain("\"mask\":");
  }

  /** The next create sent to the fake (schema reads skipped). */
  private RecordedRequest takeCreate() throws InterruptedException {
    while (true) {
      RecordedRequest r = fake.takeRequest();
      if (r.getMethod().equals("POST")) {
        return r;
      }
    }
  }

  @AfterEach
  void stop() throws IOException {
    fake.close();
  }

  static MockResponse json(String body) {
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  static String prediction(String base, String id, String status, String output, String error) {
    return "{\"id\":\""
        + id
        + "\",\"model\":\"google/nano-banana\",\"version\":\"hidden\",\"input\":{},\"logs\":\"\","
        + "\"output\":"
        + output
        + ",\"error\":"
        + (error == null ? "null" : "\"" + error + "\"")
        + ",\"status\":\""
        + status
        + "\","
        + "\"created_at\":\"2025-11-14T10:00:00Z\",\"urls\":{\"get\":\""
        + base
        + "/predictions/"
        + id
        + "\"}}";
  }

  static JsonNode json(CliRunner.Result r) throws IOException {
    return Json.MAPPER.readTree(r.out());
  }

  @Test
  void generateRunsTheWholePipelineAndPrintsTheRecordWithItsThumbnail() throws Exception {
    CliRunner.Result r =
        cli.run(
            "generate",
            "--user",
            "ada",
            "--prompt",
            "a lighthouse",
            "--image",
            "https://cdn.example.com/ref.png",
            "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode record = json(r);
    assertThat(record.get("kind").asText()).isEqualTo("generated");
    assertThat(record.get("thumbUrl").asText()).contains("thumbs/ada/");
    assertThat(record.get("referenceUrl").asText()).isEqualTo("https://cdn.example.com/ref.png");
    assertThat(record.get("predictionId").asText()).isEqualTo("p1");
    assertThat(r.out() + r.err()).doesNotContain(TOKEN);

    JsonNode history = json(cli.run("history", "--user", "ada", "--json")).get("images");
    assertThat(history).hasSize(1);
    assertThat(history.get(0).get("displayUrl").asText())
        .isEqualTo(record.get("thumbUrl").asText());
  }

  @Test
  void editStoresTheMaskOnceRecordsTheLineageAndShowsInTheEditHistory() throws Exception {
    Path mask = home.resolve("mask.png");
    Files.write(mask, PNG);
    JsonNode v1 = json(cli.run("generate", "--user", "ada", "--prompt", "a lighthouse", "--json"));

    CliRunner.Result first =
        cli.run(
            "edit",
            "--user",
            "ada",
            "--image",
            v1.get("url").asText().replace("file:", "https://cdn.example.com/"),
            "--base",
            "https://cdn.example.com/original.png",
            "--mask",
            mask.toString(),
            "--prompt",
            "add a boat",
            "--model",
            "black-forest-labs/flux-fill-pro",
            "--json");
    assertThat(first.exitCode()).as(first.err()).isZero();
    JsonNode v2 = json(first);
    assertThat(v2.get("kind").asText()).isEqualTo("edited");
    assertThat(v2.get("referenceUrl").asText()).isEqualTo("https://cdn.example.com/original.png");
    assertThat(v2.get("maskUrl").asText()).contains("inpaint-masks/ada/");
    assertThat(v2.get("thumbUrl").asText()).contains("thumbs/ada/" + v2.get("id").asText());

    JsonNode v3 =
        json(
            cli.run(
                "edit",
                "--user",
                "ada",
                "--image",
                "https://cdn.example.com/v2.png",
                "--base",
                v2.get("url").asText(),
                "--mask",
                mask.toString(),
                "--prompt",
                "add a second boat",
                "--model",
                "black-forest-labs/flux-fill-pro",
                "--json"));
    assertThat(v3.get("maskUrl").asText())
        .as("an identical mask is stored once")
        .isEqualTo(v2.get("maskUrl").asText());

    JsonNode chain = json(cli.run("lineage", v3.get("id").asText(), "--json")).get("chain");
    assertThat(chain)
        .extracting(n -> n.get("id").asText())
        .containsExactly(v2.get("id").asText(), v3.get("id").asText());
    JsonNode edits =
        json(cli.run("history", "--user", "ada", "--kind", "edited", "--json")).get("images");
    assertThat(edits)
        .extracting(n -> n.get("id").asText())
        .containsExactly(v3.get("id").asText(), v2.get("id").asText());
  }

  @Test
  void aFailedPredictionExitsFourAndStoresNothing() throws Exception {
    CliRunner.Result r = cli.run("generate", "--user", "ada", "--prompt", "please fail", "--json");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err())
        .startsWith("error: ")
        .contains("model crashed")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(json(cli.run("history", "--user", "ada", "--json")).get("images")).isEmpty();
  }

  @Test
  void predictPrintsThePredictionAsReplicateReturnedIt() throws Exception {
    CliRunner.Result r =
        cli.run(
            "predict",
            "--model",
            "google/nano-banana",
            "--input",
            "prompt=hello",
            "--input",
            "num=3",
            "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(json(r).get("status").asText()).isEqualTo("succeeded");
    String sent = takeCreate().getBody().utf8();
    assertThat(sent).contains("\"prompt\":\"hello\"").contains("\"num\":3");
  }

  @Test
  void predictCancelsOnTimeoutAndExitsFive() throws Exception {
    CliRunner.Result r =
        cli.run(
            "predict",
            "--model",
            "google/nano-banana",
            "--input",
            "prompt=slow",
            "--timeout",
            "1s");

    assertThat(r.exitCode()).isEqualTo(5);
    assertThat(r.err()).contains("canceled");
  }

  @Test
  void predictWithoutATokenIsAConfigurationError() {
    cli.env.remove("REPLICATE_API_TOKEN");

    CliRunner.Result r = cli.run("predict", "--model", "google/nano-banana", "--input", "prompt=x");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("REPLICATE_API_TOKEN");
  }

  @Test
  void aCollectionWithOneFailureReportsEveryItemAndExitsFour() throws Exception {
    CliRunner.Result r =
        cli.run(
            "collection",
            "--user",
            "ada",
            "--prompt",
            "a castle",
            "--prompt",
            "please fail",
            "--prompt",
            "a moat",
            "--json");

    assertThat(r.exitCode()).isEqualTo(4);
    JsonNode items = json(r).get("items");
    assertThat(items)
        .extracting(n -> n.get("status").asText())
        .containsExactly("succeeded", "failed", "succeeded");
    assertThat(items.get(0).get("image").get("thumbUrl").isTextual()).isTrue();
    assertThat(items.get(1).get("error").asText()).contains("model crashed");
  }

  @Test
  void ingestStreamsIntoStorageAndRefusalsExitThreeWithNothingStored() throws Exception {
    CliRunner.Result ok =
        cli.run("ingest", fake.url("/files/a.jpg").toString(), "--user", "ada", "--json");
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    JsonNode stored = json(ok);
    assertThat(stored.get("key").asText()).startsWith("ada/").endsWith(".png");
    assertThat(stored.get("contentType").asText()).isEqualTo("image/png");
    assertThat(stored.get("bytes").asLong()).isEqualTo(PNG.length);
    assertThat(stored.get("sha256").asText()).hasSize(64);

    long before = files();
    assertThat(cli.run("ingest", fake.url("/files/page.html").toString()).exitCode()).isEqualTo(3);
    assertThat(cli.run("ingest", "http://169.254.169.254/latest/meta-data/").exitCode())
        .isEqualTo(3);
    assertThat(
            cli.run("ingest", fake.url("/files/big.png").toString(), "--max-bytes", "100")
                .exitCode())
        .isEqualTo(3);
    assertThat(files()).isEqualTo(before);

    CliRunner.Result again =
        cli.run("ingest", fake.url("/files/a.png").toString(), "--key", stored.get("key").asText());
    assertThat(again.exitCode())
        .as("an existing key is the caller's input, not an outage")
        .isEqualTo(3);
    assertThat(again.err()).contains("already exists").contains("--key");
  }

  long files() throws IOException {
    Path objects = home.resolve("objects");
    if (!Files.exists(objects)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(objects)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void uploadThumbnailAndBackfillWorkOnTheEmbeddedDefaults() throws Exception {
    Path photo = home.resolve("photo.png");
    Files.write(photo, PNG);

    CliRunner.Result up = cli.run("upload", photo.toString(), "--user", "bob", "--json");
    assertThat(up.exitCode()).as(up.err()).isZero();
    assertThat(json(up).get("thumbUrl").asText()).endsWith(".webp");

    Path out =
        Files.createDirectories(home.resolve("out"))
            .resolve("thumb.webp"); // OUT's folder is the caller's to make
    CliRunner.Result thumb =
        cli.run("thumbnail", photo.toString(), out.toString(), "--size", "128", "--json");
    assertThat(thumb.exitCode()).isZero();
    assertThat(json(thumb).get("width").asInt()).isEqualTo(128);
    assertThat(Files.size(out)).isEqualTo(json(thumb).get("bytes").asLong());

    Path bomb = home.resolve("bomb.txt");
    Files.writeString(bomb, "not an image");
    assertThat(cli.run("thumbnail", bomb.toString(), home.resolve("x.webp").toString()).exitCode())
        .isEqualTo(3);
    assertThat(
            cli.run(
                    "thumbnail",
                    photo.toString(),
                    home.resolve("y.webp").toString(),
                    "--max-pixels",
                    "1000")
                .exitCode())
        .isEqualTo(3);

    CliRunner.Result backfill = cli.run("thumbnails", "backfill", "--json");
    assertThat(backfill.exitCode()).isZero();
    assertThat(json(backfill).get("rendered").asInt()).isZero();
  }

  @Test
  void benchPrintsOneLinePerFileAndAThroughput() throws Exception {
    Path dir = Files.createDirectories(home.resolve("corpus"));
    Files.write(dir.resolve("b.png"), PNG);
    Files.write(dir.resolve("a.png"), PNG);

    CliRunner.Result r = cli.run("bench", "thumbnails", dir.toString(), "--runs", "2");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(3);
    assertThat(r.out().lines().toList().get(0)).matches("a\\.png \\d+\\.\\d\\d");
    assertThat(r.out().lines().toList().get(2)).matches("throughput \\d+\\.\\d\\d");
  }

  @Test
  void theDemoRunsWithoutTokenOrNetwork() throws Exception {
    cli.env.remove("REPLICATE_API_TOKEN");

    CliRunner.Result r = cli.run("demo");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("History of user 'demo'")
        .contains("Lineage of the edit")
        .contains("thumbs/demo/");
    assertThat(Files.readString(home.resolve("gallery.html"))).contains("<img src=\"file:");
    // H2 traced the migration's expected "no such table yet" probes to a catalog.trace.db that
    // looked like a failure to anyone opening the data folder
    assertThat(home.resolve("catalog.trace.db")).doesNotExist();
  }
}
