package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.GenerateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code generate --user USER --prompt TEXT [--model google/nano-banana] [--image URL]...
 * [--timeout 10m]}.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "The whole pipeline: prediction, re-upload of every output, catalog record (reference_url with --image), thumbnail.")
final class GenerateCommand extends CliCommand {
  @Option(
      names = "--user",
      required = true,
      paramLabel = "USER",
      description = "The owner of the new image(s).")
  String user;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "What to generate or change.")
  String prompt;

  @Option(
      names = "--model",
      defaultValue = "google/nano-banana",
      paramLabel = "OWNER/NAME",
      description = "The model (default google/nano-banana).")
  String model;

  @Option(
      names = "--image",
      paramLabel = "URL",
      description = "A reference image URL (image-to-image); repeatable.")
  List<String> images = new ArrayList<>();

  @Option(
      names = "--timeout",
      defaultValue = "10m",
      paramLabel = "DURATION",
      description =
          "How long to wait for the prediction, e.g. 90s, 10m (default 10m); it is canceled then.")
  String timeout;

  @Override
  protected int execute() {
    context.replicate(); // fail fast (exit 2) without a token
    GenerateRequest request =
        GenerateRequest.of(user, prompt)
            .withModel(model)
            .withReferenceUrls(images)
            .withTimeout(Durations.parse(timeout, "--timeout"));
    List<ImageRecord> records = context.pipeline().generate(request);
    Output.records(context, context.pipeline().awaitThumbnails(records, Duration.ofMinutes(2)));
    return ExitCodes.OK;
  }
}
