package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} as a real process: after SIGTERM it stops cleanly and exits 0, as CLI.md documents.
 */
class ServeProcessTest {
  @TempDir Path home;

  @Test
  void serveExitsZeroAfterACleanSigterm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                RenderLabCli.class.getName(),
                "serve",
                "--port",
                "0",
                "--dev-user",
                "ada"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("RENDERLAB_HOME", home.toString());
    pb.environment().remove("REPLICATE_API_TOKEN");
    Process serve = pb.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                  if (line.startsWith("RenderLab server on http://")) {
                    listening.complete(null);
                  }
                }
              } catch (java.io.IOException ignored) {
                // the process ended
              }
              listening.completeExceptionally(
                  new AssertionError("serve ended before listening: " + lines));
            });
    reader.setDaemon(true);
    reader.start();
    try {
      listening.get(60, TimeUnit.SECONDS);

      serve.destroy(); // SIGTERM

      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("serve stops").isTrue();
      reader.join(10_000);
      assertThat(serve.exitValue()).as("exit code; output: %s", lines).isZero();
    } finally {
      serve.destroyForcibly();
    }
  }
}
