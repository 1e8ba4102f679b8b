package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.GenerateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  @Mixin UserOption user;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "What to generate or change.")
  String prompt;

  @Mixin ModelOption model;

  @Option(
      names = "--image",
      paramLabel = "URL",
      description = "A reference image URL (image-to-image); repeatable.")
  List<String> images = new ArrayList<>();

  @Mixin TimeoutOption timeout;

  @Override
  protected int execute() {
    context.replicate(); // fail fast (exit 2) without a token
    GenerateRequest request =
        GenerateRequest.of(user.user, prompt)
            .withModel(model.model)
            .withReferenceUrls(images)
            .withTimeout(timeout.duration);
    List<ImageRecord> records = context.pipeline().generate(request);
    Output.records(context, context.pipeline().awaitThumbnails(records, Duration.ofMinutes(2)));
    return ExitCodes.OK;
  }
}
