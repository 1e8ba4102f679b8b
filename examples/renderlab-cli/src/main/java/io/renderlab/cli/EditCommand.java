package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.EditRequest;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  @Mixin UserOption user;

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

  @Mixin ModelOption model;

  @Mixin TimeoutOption timeout;

  @Override
  protected int execute() {
    context.replicate();
    EditRequest request =
        EditRequest.of(user.user, image, EditRequest.Mask.parse(mask), prompt)
            .withModel(model.model)
            .withTimeout(timeout.duration);
    if (base != null) {
      request = request.withBaseUrl(base);
    }
    ImageRecord record = context.pipeline().edit(request);
    Output.record(
        context, context.pipeline().awaitThumbnails(List.of(record), Duration.ofMinutes(2)).get(0));
    return ExitCodes.OK;
  }
}
