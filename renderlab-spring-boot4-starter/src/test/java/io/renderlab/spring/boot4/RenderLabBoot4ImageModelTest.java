package io.renderlab.spring.boot4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageCatalog;
import io.renderlab.core.InputRejectedException;
import io.renderlab.spring.RenderLabImageModel;
import io.renderlab.testing.FakeReplicate;
import java.nio.file.Path;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.ImageResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Spring AI 2.0 ImageModel bean on Boot 4, against the fake Replicate. */
class RenderLabBoot4ImageModelTest {
  @TempDir Path dir;

  @Test
  void anImagePromptRunsADurableGenerationAndAnswersWithStoredRecordedImages() {
    try (FakeReplicate fake = FakeReplicate.start()) {
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  RenderLabAutoConfiguration.class, RenderLabSpringAiAutoConfiguration.class))
          .withBean(
              DataSource.class,
              () -> {
                JdbcDataSource ds = new JdbcDataSource();
                ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
                return ds;
              })
          .withPropertyValues(
              "renderlab.storage.url=" + dir.resolve("images").toUri(),
              "renderlab.replicate.token=r8_t",
              "renderlab.replicate.base-url=" + fake.baseUrl(),
              "renderlab.fetch.allow-hosts=127.0.0.1",
              "renderlab.spring-ai.user-id=ai-user")
          .run(
              context -> {
                ImageModel model = context.getBean(ImageModel.class);
                ImageResponse response = model.call(new ImagePrompt("a lighthouse at dusk"));

                assertThat(response.getResults()).hasSize(1);
                String url = response.getResult().getOutput().getUrl();
                assertThat(url).startsWith(dir.resolve("images").toUri().toString());
                RenderLabImageModel.Metadata meta =
                    (RenderLabImageModel.Metadata) response.getResult().getMetadata();
                ImageCatalog catalog = context.getBean(ImageCatalog.class);
                assertThat(catalog.find(meta.imageId()).orElseThrow().userId())
                    .isEqualTo("ai-user");
                assertThat(catalog.thumbnailJobs().status(meta.imageId())).isPresent();

                assertThatThrownBy(() -> model.call(new ImagePrompt(" ")))
                    .isInstanceOf(InputRejectedException.class)
                    .hasMessageContaining("no text");
              });
    }
  }
}
