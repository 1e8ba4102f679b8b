package io.renderlab.example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.testing.FakeReplicate;
import io.renderlab.testing.WebhookDelivery;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application, booted as it ships (its properties, its controller, the starter's
 * auto-configuration) against the fake Replicate and the embedded PostgreSQL: generate, edit,
 * history, a signed webhook, health and meters over HTTP. {@code examples/renderlab-spring-boot4}
 * runs this same test on the same application against Spring Boot 4.
 */
class RenderLabSpringApplicationTest {
  @TempDir static Path dir;
  private static FakeReplicate fake;
  private static ConfigurableApplicationContext app;
  private static String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void boot() {
    fake = FakeReplicate.start();
    PGSimpleDataSource db = (PGSimpleDataSource) EmbeddedPostgres.freshDatabase();
    app =
        new SpringApplicationBuilder(RenderLabSpringApplication.class)
            .run(
                "--server.port=0",
                "--spring.datasource.url=" + db.getUrl(),
                "--spring.datasource.username=postgres",
                "--renderlab.replicate.token=r8_example",
                "--renderlab.replicate.base-url=" + fake.baseUrl(),
                "--renderlab.replicate.webhook-secret=" + fake.webhookSecret(),
                "--renderlab.storage.url=" + dir.resolve("images").toUri(),
                "--renderlab.fetch.allow-hosts=127.0.0.1");
    base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    fake.close();
  }

  private HttpResponse<String> post(String path, String... params)
      throws IOException, InterruptedException {
    StringBuilder form = new StringBuilder();
    for (int i = 0; i < params.length; i += 2) {
      form.append(form.length() == 0 ? "" : "&")
          .append(params[i])
          .append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String field(String json, String name) {
    int at = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
    return json.substring(at, json.indexOf('"', at));
  }

  @Test
  void runsOnTheSpringBootItsBuildChose() {
    // examples/renderlab-spring-boot4 compiles this same test against Boot 4 and says so here.
    String major = System.getProperty("renderlab.example.boot-major", "3");
    assertThat(SpringBootVersion.getVersion()).startsWith(major + ".");
  }

  @Test
  void generatesEditsListsHistoryAndReceivesSignedWebhooks() throws Exception {
    HttpResponse<String> generated = post("/generate", "user", "u1", "prompt", "a lighthouse");
    assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
    assertThat(generated.body()).contains("\"kind\":\"GENERATED\"");
    String url = field(generated.body(), "url");

    HttpResponse<String> edited =
        post("/edit", "user", "u1", "prompt", "at night", "imageUrl", url);
    assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
    assertThat(edited.body()).contains("\"kind\":\"EDITED\"");

    HttpResponse<String> history = get("/history?user=u1");
    assertThat(history.body()).contains("GENERATED", "EDITED", url);

    String predictionId = fake.predictionIds().get(0);
    WebhookDelivery delivery = fake.delivery(predictionId);
    HttpRequest.Builder webhook =
        HttpRequest.newBuilder(URI.create(base + "/renderlab/webhooks/replicate"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
    delivery.headers().forEach(webhook::header);
    HttpResponse<String> received =
        http.send(webhook.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(received.statusCode()).as(received.body()).isEqualTo(200);
    assertThat(received.body()).contains("\"status\":\"succeeded\"", "generationId");

    HttpRequest.Builder forged =
        HttpRequest.newBuilder(URI.create(base + "/renderlab/webhooks/replicate"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
    delivery
        .headers()
        .forEach((k, v) -> forged.header(k, k.equals("webhook-signature") ? "v1,AAAA" : v));
    assertThat(http.send(forged.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
  }

  @Test
  void healthShowsRenderLabsComponentsAndPrometheusItsMeters() throws Exception {
    post("/generate", "user", "u2", "prompt", "a red bicycle");

    HttpResponse<String> health = get("/actuator/health");
    assertThat(health.body())
        .contains("\"renderlab\"", "\"catalog\"", "\"store\"", "\"replicate\"")
        .doesNotContain("r8_example");
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);

    HttpResponse<String> meters = get("/actuator/prometheus");
    assertThat(meters.body())
        .contains(
            "renderlab_predictions_seconds_count{model=\"black-forest-labs/flux-schnell\",outcome=\"succeeded\"}",
            "renderlab_generations_seconds_count",
            "renderlab_ingest_bytes");
  }
}
