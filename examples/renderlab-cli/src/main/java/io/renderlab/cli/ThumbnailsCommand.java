package io.renderlab.cli;

import io.renderlab.core.ImageRecord;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code thumbnails backfill [--limit N]}. */
@Command(name = "thumbnails", mixinStandardHelpOptions = true, description = "Thumbnail maintenance.",
    subcommands = ThumbnailsCommand.Backfill.class)
final class ThumbnailsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Renders every missing or failed thumbnail. */
  @Command(name = "backfill", mixinStandardHelpOptions = true,
      description = "Renders every missing or failed thumbnail (rows saved before thumbnails existed, or whose job failed).")
  static final class Backfill extends CliCommand {
    @Option(names = "--limit", defaultValue = "1000", description = "At most N images (default 1000).")
    int limit;

    @Override
    protected int execute() throws InterruptedException {
      if (limit < 1 || limit > 1000) {
        throw new IllegalArgumentException("--limit must be between 1 and 1000, was " + limit);
      }
      var catalog = context.catalog();
      List<ImageRecord> missing = catalog.withoutThumbnail(limit);
      catalog.thumbnailJobs().backfill(limit);
      var service = context.thumbnails();
      int rendered = 0;
      int failed = 0;
      for (ImageRecord r : missing) {
        try {
          service.awaitThumbnail(r.id()).get(5, TimeUnit.MINUTES);
          rendered++;
        } catch (ExecutionException | TimeoutException e) {
          failed++;
        }
        context.progress((rendered + failed) + "/" + missing.size());
      }
      if (context.json()) {
        context.out().println(Json.write(Json.object().put("rendered", rendered).put("failed", failed)));
      } else {
        context.out().println("rendered " + rendered + ", failed " + failed);
      }
      return failed > 0 ? ExitCodes.UPSTREAM : ExitCodes.OK;
    }
  }

}
