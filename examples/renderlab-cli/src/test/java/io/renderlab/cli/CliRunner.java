package io.renderlab.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process against a data folder, capturing stdout, stderr and the exit code. */
final class CliRunner {
  final Path home;
  final Map<String, String> env = new HashMap<>();

  CliRunner(Path home) {
    this.home = home;
  }

  record Result(int exitCode, String out, String err) {}

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>(List.of(args));
    Map<String, String> environment = new HashMap<>(env);
    environment.putIfAbsent("RENDERLAB_HOME", home.toString());
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = RenderLabCli.run(argv.toArray(String[]::new), environment, o, e);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
