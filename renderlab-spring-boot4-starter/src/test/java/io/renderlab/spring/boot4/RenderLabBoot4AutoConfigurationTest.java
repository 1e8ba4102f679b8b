package io.renderlab.spring.boot4;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.renderlab.core.EventListener;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.TableNames;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.micrometer.QueueDepthGauge;
import io.renderlab.micrometer.RenderLabMetrics;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.internal.RenderLabWorkers;
import io.renderlab.spring.internal.WebhookEndpoint;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.testing.FakeReplicate;
import io.renderlab.testing.WebhookDelivery;
import io.renderlab.thumbnails.ThumbnailService;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

/** The Boot 4 auto-configuration, in application contexts of Boot 4's own. */
class RenderLabBoot4AutoConfigurationTest {
  @TempDir Path dir;

  private static DataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                RenderLabAutoConfiguration.class,
                RenderLabWebhookAutoConfiguration.class,
                RenderLabHealthAutoConfiguration.class))
        .withBean(DataSource.class, RenderLabBoot4AutoConfigurationTest::h2)
        .withPropertyValues("renderlab.storage.url=" + dir.resolve("images").toUri());
  }

  @Test
  void propertiesBecomeEveryClientOnTheApplicationsDataSource() {
    runner()
        .withPropertyValues(
            "renderlab.replicate.token=r8_test",
            "renderlab.replicate.base-url=http://127.0.0.1:9/v1")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(ImageCatalog.class)).isInstanceOf(JdbcImageCatalog.class);
              assertThat(((JdbcImageCatalog) context.getBean(ImageCatalog.class)).schemaVersion())
                  .as("migrated on start")
                  .isPositive();
              assertThat(context)
                  .hasSingleBean(GenerationStore.class)
                  .hasSingleBean(ThumbnailJobQueue.class)
                  .hasSingleBean(ImageStore.class)
                  .hasSingleBean(Ingestor.class)
                  .hasSingleBean(ThumbnailService.class)
                  .hasSingleBean(ReplicateClient.class)
                  .hasSingleBean(Generations.class)
                  .hasSingleBean(RecoveryWorker.class)
                  .as("not a web application")
                  .doesNotHaveBean(WebhookEndpoint.class);
              assertThat(context.getBean(RenderLabWorkers.class).isRunning()).isTrue();
              assertThat(context.getBean(ReplicateClient.class).toString())
                  .doesNotContain("r8_test");
            });
  }

  @Test
  void withoutATokenThereIsNoReplicateNorGenerations() {
    runner()
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(ImageCatalog.class);
              assertThat(context)
                  .doesNotHaveBean(ReplicateClient.class)
                  .doesNotHaveBean(Generations.class)
                  .doesNotHaveBean(RecoveryWorker.class);
            });
  }

  @Test
  void eachBeanOfTheApplicationsOwnReplacesOurs() {
    ImageStore store = FolderImageStore.of(dir.resolve("host"));
    RemoteFetcher fetcher = RemoteFetcher.builder().build();
    ReplicateClient replicate =
        ReplicateClient.builder().token("r8_host").baseUrl("http://127.0.0.1:9/v1").build();
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(h2()).build();
    catalog.migrate();
    runner()
        .withPropertyValues("renderlab.replicate.token=r8_ours")
        .withBean(ImageStore.class, () -> store)
        .withBean(RemoteFetcher.class, () -> fetcher)
        .withBean(ReplicateClient.class, () -> replicate)
        .withBean(ImageCatalog.class, () -> catalog)
        .withBean(EventListener.class, () -> EventListener.NONE)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(ImageStore.class)).isSameAs(store);
              assertThat(context.getBean(RemoteFetcher.class)).isSameAs(fetcher);
              assertThat(context.getBean(ReplicateClient.class)).isSameAs(replicate);
              assertThat(context.getBean(ImageCatalog.class)).isSameAs(catalog);
              assertThat(context.getBean(EventListener.class)).isSameAs(EventListener.NONE);
              assertThat(context.getBean(Ingestor.class).store()).isSameAs(store);
              assertThat(context).hasSingleBean(Generations.class);
            });
  }

  @Test
  void migrationCanBeTurnedOff() {
    runner()
        .withPropertyValues("renderlab.catalog.migrate=false")
        .run(
            context ->
                assertThat(((JdbcImageCatalog) context.getBean(ImageCatalog.class)).schemaVersion())
                    .isZero());
  }

  @Test
  void theQueueDepthGaugeGoesToTheApplicationsRegistry() {
    runner()
        .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("renderlab.thumbnails.queue-depth-interval=1m")
        .run(
            context -> {
              assertThat(context).hasSingleBean(QueueDepthGauge.class);
              assertThat(context.getBean(QueueDepthGauge.class).interval())
                  .isEqualTo(Duration.ofMinutes(1));
              SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
              assertThat(registry.get(QueueDepthGauge.NAME).gauge().value()).isZero();
            });
    runner().run(context -> assertThat(context).doesNotHaveBean(QueueDepthGauge.class));
  }

  @Test
  void tablePrefixAndSchemaNameTheCatalogsTables() {
    runner()
        .withPropertyValues(
            "renderlab.catalog.table-prefix=rl_", "renderlab.catalog.schema=renderlab")
        .run(
            context -> {
              JdbcImageCatalog catalog = (JdbcImageCatalog) context.getBean(ImageCatalog.class);
              assertThat(catalog.tableNames())
                  .isEqualTo(TableNames.builder().prefix("rl_").schema("renderlab").build());
              assertThat(catalog.schemaVersion()).isPositive();
              try (Connection c = context.getBean(DataSource.class).getConnection();
                  ResultSet rs = c.getMetaData().getTables(null, "RENDERLAB", "RL_IMAGES", null)) {
                assertThat(rs.next()).isTrue();
              }
            });
  }

  @Test
  void anUnusableTablePrefixFailsTheStartNamingTheProperty() {
    runner()
        .withPropertyValues("renderlab.catalog.table-prefix=rl; DROP TABLE x")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("Table prefix must be"));
    runner()
        .withPropertyValues("renderlab.catalog.table-prefix=rl; DROP TABLE x")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "renderlab.catalog.table-prefix or renderlab.catalog.schema"));
  }

  @Test
  void aHostsOwnImagesTableFailsTheStartNamingIt() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenderLabAutoConfiguration.class))
        .withPropertyValues("renderlab.storage.url=" + dir.resolve("images").toUri())
        .withBean(
            DataSource.class,
            () -> {
              DataSource ds = h2();
              try (Connection c = ds.getConnection();
                  Statement s = c.createStatement()) {
                s.execute("CREATE TABLE images (id BIGINT PRIMARY KEY)");
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
              return ds;
            })
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("the table PUBLIC.IMAGES already exists")
                    .hasStackTraceContaining("renderlab.catalog.table-prefix"));
  }

  @Test
  void metersGoToTheApplicationsRegistry() {
    runner()
        .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context ->
                assertThat(context.getBean(EventListener.class))
                    .isInstanceOf(RenderLabMetrics.class));
  }

  @Test
  void healthIsOnBoot4sHealthApi() {
    runner()
        .run(
            context -> {
              CompositeHealthContributor health =
                  context.getBean("renderlabHealthContributor", CompositeHealthContributor.class);
              HealthIndicator catalog = (HealthIndicator) health.getContributor("catalog");
              assertThat(catalog.health().getStatus()).isEqualTo(Status.UP);
              assertThat(catalog.health().getDetails()).containsKey("schemaVersion");
              assertThat(((HealthIndicator) health.getContributor("store")).health().getStatus())
                  .isEqualTo(Status.UP);
              assertThat(health.getContributor("replicate")).as("no token").isNull();
            });
  }

  @Test
  void healthCanBeTurnedOff() {
    runner()
        .withPropertyValues("management.health.renderlab.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("renderlabHealthContributor"));
  }

  @Test
  void theWebhookEndpointCompletesSignedDeliveriesAndRefusesForgedOnes() {
    try (FakeReplicate fake = FakeReplicate.start()) {
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  RenderLabAutoConfiguration.class, RenderLabWebhookAutoConfiguration.class))
          .withBean(DataSource.class, RenderLabBoot4AutoConfigurationTest::h2)
          .withPropertyValues(
              "renderlab.storage.url=" + dir.resolve("images").toUri(),
              "renderlab.replicate.token=r8_t",
              "renderlab.replicate.base-url=" + fake.baseUrl(),
              "renderlab.replicate.webhook-secret=" + fake.webhookSecret(),
              "renderlab.fetch.allow-hosts=127.0.0.1")
          .run(
              context -> {
                List<ImageRecord> images =
                    context
                        .getBean(Generations.class)
                        .run(
                            GenerationRequest.builder()
                                .userId("u1")
                                .prompt("a lighthouse")
                                .prediction(
                                    PredictionRequest.model("black-forest-labs/flux-schnell")
                                        .put("prompt", "a lighthouse")
                                        .build())
                                .build());
                assertThat(images).hasSize(1);
                WebhookEndpoint endpoint = context.getBean(WebhookEndpoint.class);
                WebhookDelivery delivery = fake.delivery(fake.predictionIds().get(0));

                ResponseEntity<Map<String, Object>> accepted =
                    endpoint.receive(request(delivery, delivery.headers()));
                assertThat(accepted.getStatusCode().value()).isEqualTo(200);
                assertThat(accepted.getBody())
                    .containsEntry("status", "succeeded")
                    .containsKey("generationId");

                Map<String, String> forged = new java.util.LinkedHashMap<>(delivery.headers());
                forged.put("webhook-signature", "v1,AAAA");
                assertThat(endpoint.receive(request(delivery, forged)).getStatusCode().value())
                    .isEqualTo(401);
              });
    }
  }

  private static MockHttpServletRequest request(
      WebhookDelivery delivery, Map<String, String> headers) {
    MockHttpServletRequest request =
        new MockHttpServletRequest("POST", "/renderlab/webhooks/replicate");
    headers.forEach(request::addHeader);
    request.setContent(delivery.body());
    return request;
  }

  @Test
  void workersStopWithTheContext() {
    runner()
        .run(
            context -> {
              RenderLabWorkers workers = context.getBean(RenderLabWorkers.class);
              assertThat(workers.isRunning()).isTrue();
              context.close();
              assertThat(workers.isRunning()).isFalse();
            });
  }
}
