package io.renderlab.cli;

import io.renderlab.pipeline.RenderLabPipeline;
import picocli.CommandLine.Option;

/** {@code --model OWNER/NAME} of the pipeline commands, defaulting to the pipeline's model. */
final class ModelOption {
  @Option(
      names = "--model",
      defaultValue = RenderLabPipeline.DEFAULT_MODEL,
      paramLabel = "OWNER/NAME",
      description = "The model (default ${DEFAULT-VALUE}).")
  String model;
}
