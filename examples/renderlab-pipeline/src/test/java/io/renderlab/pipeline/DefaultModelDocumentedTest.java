package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code GenerateRequest.of} runs google/nano-banana unless told otherwise, and says so where users
 * read it.
 */
class DefaultModelDocumentedTest {
  @Test
  void ofLeavesTheModelToThePipelineWhoseDefaultIsNanoBanana() {
    assertThat(GenerateRequest.of("ada", "a lighthouse").model()).isEmpty();
    assertThat(RenderLabPipeline.DEFAULT_MODEL).isEqualTo("google/nano-banana");
    assertThat(
            GenerateRequest.of("ada", "a lighthouse")
                .withModel("black-forest-labs/flux-schnell")
                .model())
        .contains("black-forest-labs/flux-schnell");
  }

  @Test
  void ofsJavadocNamesTheModel() throws IOException {
    String source =
        Files.readString(
            Path.of("src/main/java/io/renderlab/pipeline/GenerateRequest.java"),
            StandardCharsets.UTF_8);
    int of = source.indexOf("public static GenerateRequest of(");
    String javadoc = source.substring(source.lastIndexOf("/**", of), of);

    assertThat(javadoc).contains("google/nano-banana").contains("withModel");
  }
}
