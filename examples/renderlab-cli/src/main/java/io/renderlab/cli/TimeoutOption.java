package io.renderlab.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --timeout DURATION} of the commands that wait for a prediction. */
final class TimeoutOption {
  @Option(
      names = "--timeout",
      defaultValue = "10m",
      paramLabel = "DURATION",
      description =
          "How long to wait for the prediction, e.g. 90s, 10m (default ${DEFAULT-VALUE}); it is canceled then.")
  Duration duration;
}
