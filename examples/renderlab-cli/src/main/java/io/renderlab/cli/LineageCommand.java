package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lineage IMAGE_ID}: the chain of versions an image came from, oldest first. */
@Command(
    name = "lineage",
    mixinStandardHelpOptions = true,
    description = "The chain of versions this image came from (via reference_url), oldest first.")
final class LineageCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "IMAGE_ID", description = "The image's id (a UUID).")
  String imageId;

  @Override
  protected int execute() {
    UUID id;
    try {
      id = UUID.fromString(imageId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "IMAGE_ID must be an image id (a UUID), was '" + imageId + "'", e);
    }
    List<ImageRecord> chain = context.catalog().lineage(id);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("No image with id " + id + " in the catalog.");
    }
    if (context.json()) {
      var root = Json.object();
      root.set("chain", Json.records(chain));
      context.out().println(Json.write(root));
    } else {
      Table.print(context.out(), chain);
    }
    return ExitCodes.OK;
  }
}
