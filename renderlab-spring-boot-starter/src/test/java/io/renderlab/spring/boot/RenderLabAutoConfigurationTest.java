package io.renderlab.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.renderlab.core.EventListener;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.micrometer.RenderLabMetrics;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.internal.RenderLabWorkers;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.nio.file.Path;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class RenderLabAutoConfigurationTest {
  @TempDir Path dir;

  private static DataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenderLabAutoConfiguration.class))
        .withBean(DataSource.class, RenderLabAutoConfigurationTest::h2)
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
                  .hasSingleBean(RecoveryWorker.class);
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
  void aBeanOfTheApplicationsOwnReplacesOurs() {
    runner()
        .withBean(ImageStore.class, () -> FolderImageStore.of(dir.resolve("host")))
        .run(
            context -> {
              assertThat(context).hasSingleBean(ImageStore.class);
              assertThat(context.getBean(ImageStore.class).toString()).contains("host");
              assertThat(context.getBean(Ingestor.class).store())
                  .isSameAs(context.getBean(ImageStore.class));
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
  void metersGoToTheApplicationsRegistry() {
    runner()
        .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context ->
                assertThat(context.getBean(EventListener.class))
                    .isInstanceOf(RenderLabMetrics.class));
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
