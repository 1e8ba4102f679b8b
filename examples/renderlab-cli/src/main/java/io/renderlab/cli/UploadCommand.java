package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.UploadRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code upload FILE --user USER}. */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    description =
        "The direct-upload path: stores FILE, records it in the catalog, renders its thumbnail.")
final class UploadCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "The image file to upload.")
  Path file;

  @Mixin UserOption user;

  @Override
  protected int execute() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("FILE is not a readable file: " + file);
    }
    ImageRecord record;
    try (InputStream in = Files.newInputStream(file)) {
      record =
          context.pipeline().upload(in, UploadRequest.of(user.user, file.getFileName().toString()));
    }
    ImageRecord done =
        context.pipeline().awaitThumbnails(List.of(record), Duration.ofMinutes(2)).get(0);
    Output.record(context, done);
    return ExitCodes.OK;
  }
}
