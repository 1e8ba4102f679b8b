package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Option values converted by picocli: the same error line and exit code as docs/CLI.md's. */
class CliOptionValuesTest {
  @TempDir Path home;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(home);
  }

  @Test
  void aDurationThatCannotBeReadIsAnInvalidArgumentNamingItsFlag() {
    CliRunner.Result r = cli.run("predict", "--model", "a/b", "--timeout", "soon");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err())
        .isEqualTo("error: --timeout must be a duration such as 30s, 10m or 1h, was 'soon'\n");
  }

  @Test
  void aDurationThatIsNotPositiveIsAnInvalidArgument() {
    CliRunner.Result r = cli.run("predict", "--model", "a/b", "--timeout", "0s");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("error: --timeout must be positive, was '0s'\n");
  }

  @Test
  void aSizeThatCannotBeReadIsABadSetting() {
    CliRunner.Result zero = cli.run("thumbnail", "in.jpg", "out.webp", "--max-bytes", "0");
    CliRunner.Result word = cli.run("thumbnail", "in.jpg", "out.webp", "--max-bytes", "lots");

    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.err())
        .isEqualTo("error: --max-bytes must be a positive size such as 67108864 or 64MiB, was 0\n");
    assertThat(word.exitCode()).isEqualTo(2);
    assertThat(word.err()).isEqualTo("error: --max-bytes must be a whole number, was 'lots'\n");
  }

  @Test
  void aSizeWithAUnitIsAccepted() {
    CliRunner.Result r = cli.run("thumbnail", "missing.jpg", "out.webp", "--max-bytes", "64MiB");

    assertThat(r.exitCode()).as(r.err()).isEqualTo(3); // past the flags: the missing file
    assertThat(r.err()).contains("missing.jpg").doesNotContain("--max-bytes");
  }

  @Test
  void helpShowsTheVariablesValueAsTheDefault() {
    CliRunner.Result unset = cli.run("thumbnail", "--help");
    cli.env.put("RENDERLAB_MAX_BYTES", "3MiB");
    CliRunner.Result thumbnail = cli.run("thumbnail", "--help");
    CliRunner.Result bench = cli.run("bench", "backfill", "--help");

    assertThat(unset.out().replaceAll("\\s+", " "))
        .contains("(env RENDERLAB_MAX_BYTES; default 64MiB)");
    assertThat(thumbnail.exitCode()).isZero();
    assertThat(thumbnail.out().replaceAll("\\s+", " "))
        .contains("(env RENDERLAB_MAX_BYTES; default 3MiB)");
    assertThat(bench.out().replaceAll("\\s+", " "))
        .as("every command's shared options")
        .contains("(env RENDERLAB_MAX_BYTES; default 3MiB)");
  }

  @Test
  void aVariableBeatsTheDefaultAndAFlagBeatsTheVariable() {
    cli.env.put("RENDERLAB_MAX_BYTES", "lots");
    CliRunner.Result fromVariable = cli.run("thumbnail", "in.jpg", "out.webp");
    CliRunner.Result fromFlag = cli.run("thumbnail", "in.jpg", "out.webp", "--max-bytes", "1MiB");

    assertThat(fromVariable.exitCode()).isEqualTo(2);
    assertThat(fromVariable.err())
        .isEqualTo("error: --max-bytes must be a whole number, was 'lots'\n");
    assertThat(fromFlag.exitCode()).as(fromFlag.err()).isEqualTo(3); // past the flags
  }
}
