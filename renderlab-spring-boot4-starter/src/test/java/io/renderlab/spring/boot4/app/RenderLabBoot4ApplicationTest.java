package io.renderlab.spring.boot4.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.testing.FakeReplicate;
import io.renderlab.testing.WebhookDelivery;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot 4 web application (Tomcat, Actuator, H2 through Boot's DataSource) with the starter
 * and nothing else, against the fake Replicate: one generation over HTTP, a signed webhook, and
 * {@code /actuator/health}.
 */
class RenderLabBoot4ApplicationTest {
  @TempDir static Path dir;
  private static FakeReplicate fake;
  private static ConfigurableApplicationContext app;
  private static String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void boot() {
    fake = FakeReplicate.start();
    app =
        new SpringApplicationBuilder(Boot4Application.class)
            .run(
                "--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "--renderlab.replicate.token=r8_boot4",
                "--renderlab.replicate.base-url=" + fake.baseUrl(),
                "--renderlab.replicate.webhook-secret=" + fake.webhookSecret(),
                "--renderlab.storage.url=" + dir.resolve("images").toUri(),
                "--renderlab.fetch.allow-hosts=127.0.0.1",
                "--management.endpoints.web.exposure.include=health",
                "--management.endpoint.health.show-details=always");
    base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void runsOnBoot4() {
    assertThat(SpringBootVersion.getVersion()).startsWith("4.");
  }

  @Test
  void generatesAnImageReceivesItsSignedWebhookAndShowsHealth() throws Exception {
    HttpResponse<String> generated =
        send(
            HttpRequest.newBuilder(URI.create(base + "/generate?prompt=a+lighthouse"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
    assertThat(generated.body()).contains(dir.resolve("images").toUri().toString());

    WebhookDelivery delivery = fake.delivery(fake.predictionIds().get(0));
    HttpRequest.Builder webhook =
        HttpRequest.newBuilder(URI.create(base + "/renderlab/webhooks/replicate"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
    delivery.headers().forEach(webhook::header);
    HttpResponse<String> received = send(webhook);
    assertThat(received.statusCode()).as(received.body()).isEqualTo(200);
    assertThat(received.body()).contains("\"status\":\"succeeded\"", "generationId");

    HttpRequest.Builder forged =
        HttpRequest.newBuilder(URI.create(base + "/renderlab/webhooks/replicate"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
    delivery
        .headers()
        .forEach((k, v) -> forged.header(k, k.equals("webhook-signature") ? "v1,AAAA" : v));
    assertThat(send(forged).statusCode()).isEqualTo(401);

    HttpResponse<String> health =
        send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")));
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"renderlab\"", "\"catalog\"", "\"store\"", "\"replicate\"", "\"UP\"")
        .doesNotContain("r8_boot4");
  }
}
