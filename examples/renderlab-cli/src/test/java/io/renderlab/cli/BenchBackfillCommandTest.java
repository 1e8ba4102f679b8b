package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench backfill}: the end-to-end side in this process and in a warmed-up child process
 * (told to go once ready), both rendering every seeded image.
 */
class BenchBackfillCommandTest {
  @TempDir Path home;

  @Test
  void timesTheBackfillInThisProcessAndInAWarmedUpChild() throws Exception {
    Path dir = Files.createDirectories(home.resolve("images"));
    Files.write(dir.resolve("a.png"), PipelineCommandsTest.PNG);
    Files.write(dir.resolve("b.png"), PipelineCommandsTest.PNG);
    // AUTO_SERVER: the child opens the same H2 file through the first opener's server
    String database = "jdbc:h2:file:" + home.resolve("catalog") + ";AUTO_SERVER=TRUE";
    CliRunner cli = new CliRunner(home);
    for (String processes : new String[] {"0", "1"}) {
      CliRunner.Result r =
          cli.run(
              "bench",
              "backfill",
              dir.toString(),
              "--copies",
              "3",
              "--runs",
              "1",
              "--warmup",
              "1",
              "--processes",
              processes,
              "--database",
              database,
              "--json");
      assertThat(r.exitCode()).as(r.err()).isZero();
      JsonNode json = Json.MAPPER.readTree(r.out());
      assertThat(json.get("images").asInt()).isEqualTo(6);
      assertThat(json.get("processes").asInt()).isEqualTo(Integer.parseInt(processes));
      JsonNode run = json.get("runs").get(0);
      assertThat(run.get("rendered").asInt()).as(r.err()).isEqualTo(6);
      assertThat(run.get("failed").asInt()).isZero();
      assertThat(run.get("endToEnd").asDouble()).isPositive();
      assertThat(run.get("renderOnly").asDouble()).isPositive();
    }
  }

  @Test
  void pinningNeedsChildProcessesAndACpuForEachThread() throws Exception {
    Path dir = Files.createDirectories(home.resolve("images"));
    Files.write(dir.resolve("a.png"), PipelineCommandsTest.PNG);
    CliRunner cli = new CliRunner(home);
    CliRunner.Result alone = cli.run("bench", "backfill", dir.toString(), "--pin");
    assertThat(alone.exitCode()).isEqualTo(3);
    assertThat(alone.err()).contains("--pin needs --processes");
    CliRunner.Result tooMany =
        cli.run(
            "bench", "backfill", dir.toString(), "--pin", "--processes", "16", "--threads", "64");
    assertThat(tooMany.exitCode()).isEqualTo(3);
    assertThat(tooMany.err()).contains("--pin needs --processes x --threads CPUs");
  }

  @Test
  void theChildIsNotPartOfTheContract() {
    CliRunner.Result help = new CliRunner(home).run("bench", "--help");
    assertThat(help.out()).contains("backfill").doesNotContain("backfill-child");
  }
}
