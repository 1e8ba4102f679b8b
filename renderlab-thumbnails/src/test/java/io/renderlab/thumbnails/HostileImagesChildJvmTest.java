package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's acceptance at the red team's heap: a child JVM at {@code -Xmx512m} renders every
 * hostile file, and each ends in a thumbnail or a typed refusal within 5 s, with no {@code
 * OutOfMemoryError}.
 */
class HostileImagesChildJvmTest {
  @Test
  void everyHostileFileEndsInAThumbnailOrATypedRefusalWithinFiveSecondsAt512Mb() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File out = Files.createTempFile("hostile-images", ".log").toFile();
    try {
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xmx512m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  HostileImagesRun.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(out)
              .start();
      boolean ended = child.waitFor(3, TimeUnit.MINUTES);
      if (!ended) {
        child.destroyForcibly();
      }
      String log = Files.readString(out.toPath(), StandardCharsets.UTF_8);
      assertThat(ended).as("the child ends; output:%n%s", log).isTrue();
      assertThat(child.exitValue()).as("exit code; output:%n%s", log).isZero();
      assertThat(log).doesNotContain("OutOfMemoryError");
      List<String[]> lines =
          log.lines().map(l -> l.split("\t")).filter(l -> l.length == 3).toList();
      assertThat(lines).hasSize(HostileImagesRun.files().size());
      for (String[] line : lines) {
        assertThat(line[1])
            .as(line[0])
            .isIn(
                "rendered",
                "ImageTooLargeException",
                "ImageTooComplexException",
                "UnsupportedImageException");
        assertThat(Long.parseLong(line[2])).as(line[0] + " (ms)").isLessThan(5_000);
      }
    } finally {
      Files.deleteIfExists(out.toPath());
    }
  }
}
