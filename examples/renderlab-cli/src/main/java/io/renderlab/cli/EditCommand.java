package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.EditRequest;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edit --user USER --image URL --mask URL_OR_FILE --prompt TEXT [--base URL] [--model
 * google/nano-banana]}.
 */
@Command(
    name = "edit",
    mixinStandardHelpOptions = true,
    description =
        "Inpainting: mask stored once per content, prediction, re-upload, record with mask_url and reference_url, thumbnail.")
final class EditCommand extends CliCommand {
  @Option(
      names = "--user",
      required = true,
      paramLabel = "USER",
      description = "The owner of the new image(s).")
  String user;

  @Option(
      names = "--image",
      required = true,
      paramLabel = "URL",
      description = "The image to edit.")
  String image;

  @Option(
      names = "--mask",
      required = true,
      paramLabel = "URL_OR_FILE",
      description = "The mask (white = repaint), stored once per content.")
  String mask;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "What to generate or change.")
  String prompt;

  @Option(
      names = "--base",
      paramLabel = "URL",
      description = "The original image this edit descends from (default: --image).")
  String base;

  @Option(
      names = "--model",
      defaultValue = "google/nano-banana",
      paramLabel = "OWNER/NAME",
      description = "The model (default google/nano-banana).")
  String model;

  @Option(
      names = "--timeout",
      defaultValue = "10m",
      paramLabel = "DURATION",
      description =
          "How long to wait for the prediction, e.g. 90s, 10m (default 10m); it is canceled then.")
  String timeout;

  @Override
  protected int execute() {
    context.replicate();
    EditRequest request =
        EditRequest.of(user, image, EditRequest.Mask.parse(mask), prompt)
            .withModel(model)
            .withTimeout(Durations.parse(timeout, "--timeout"));
    if (base != null) {
      request = request.withBaseUrl(base);
    }
    ImageRecord record = context.pipeline().edit(request);
    Output.record(
        context, context.pipeline().awaitThumbnails(List.of(record), Duration.ofMinutes(2)).get(0));
    return ExitCodes.OK;
  }
}
