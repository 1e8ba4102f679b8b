package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The examples are code a host application could copy: they use the modules' public API only. */
class PublicApiOnlyTest {
  static final Pattern INTERNAL_USE =
      Pattern.compile("io\\.renderlab\\.(core|storage|thumbnails|replicate)\\.internal\\b");

  @Test
  void noExampleSourceReachesIntoAModulesInternals() throws IOException {
    Path examples = Path.of("..");
    List<Path> sources;
    try (Stream<Path> files = Files.walk(examples)) {
      sources =
          files
              .filter(
                  p ->
                      p.toString().endsWith(".java")
                          && p.toString().contains("src" + java.io.File.separator + "main"))
              .collect(Collectors.toList());
    }
    assertThat(sources)
        .as("the examples' main sources")
        .anyMatch(p -> p.endsWith("RenderLabPipeline.java"));

    List<Path> offenders =
        sources.stream()
            .filter(p -> INTERNAL_USE.matcher(read(p)).find())
            .collect(Collectors.toList());

    assertThat(offenders).isEmpty();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
