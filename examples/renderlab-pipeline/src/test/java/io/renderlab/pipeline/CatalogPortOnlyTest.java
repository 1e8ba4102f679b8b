package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pipeline, CLI and server work through core's ports: they name {@code JdbcImageCatalog} only
 * where they build one, so a host may hand them any {@code ImageCatalog}.
 */
class CatalogPortOnlyTest {
  @Test
  void examplesNameTheJdbcCatalogOnlyToBuildIt() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(Path.of(".."))) {
      sources =
          files
              .filter(
                  p ->
                      p.toString().endsWith(".java")
                          && p.toString().contains("src" + java.io.File.separator + "main"))
              .collect(Collectors.toList());
    }
    assertThat(sources).anyMatch(p -> p.endsWith("RenderLabPipeline.java"));

    List<String> offending =
        sources.stream()
            .flatMap(p -> lines(p).stream().map(line -> p.getFileName() + ": " + line.strip()))
            .filter(line -> line.contains("JdbcImageCatalog"))
            .filter(
                line ->
                    !line.contains("import io.renderlab.core.JdbcImageCatalog;")
                        && !line.contains("JdbcImageCatalog.builder()"))
            .collect(Collectors.toList());

    assertThat(offending).isEmpty();
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
