package io.renderlab.cli;

import io.renderlab.core.BackfillStep;
import io.renderlab.core.ImageRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code thumbnails backfill [--limit N]}. */
@Command(
    name = "thumbnails",
    mixinStandardHelpOptions = true,
    description = "Thumbnail maintenance.",
    subcommands = ThumbnailsCommand.Backfill.class)
final class ThumbnailsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Renders every missing or failed thumbnail, for a catalog of any size: it enqueues the jobs in
   * keyset batches of {@value #BATCH} (one transaction each, see {@code
   * ThumbnailJobQueue#backfillStep}) and waits for each batch before the next, while this process's
   * worker pool and the workers of every running {@code serve} drain the queue. Memory stays
   * bounded and the counts are exact; several backfills at once skip each other's images.
   */
  @Command(
      name = "backfill",
      mixinStandardHelpOptions = true,
      description =
          "Renders every missing or failed thumbnail (rows saved before thumbnails existed, or whose job failed).")
  static final class Backfill extends CliCommand {
    static final int BATCH = 250;
    static final int MAX_LIMIT = 10_000_000;

    @Option(
        names = "--limit",
        defaultValue = "1000",
        description = "At most N images (default 1000, at most 10 000 000).")
    int limit;

    @Override
    protected int execute() throws InterruptedException {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "--limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
      }
      var jobs = context.catalog().thumbnailJobs();
      var service = context.thumbnails();
      int rendered = 0;
      int failed = 0;
      int enqueued = 0;
      Optional<UUID> after = Optional.empty();
      while (enqueued < limit) {
        BackfillStep step = jobs.backfillStep(after, Math.min(BATCH, limit - enqueued));
        enqueued += step.enqueued().size();
        List<CompletableFuture<ImageRecord>> waits = new ArrayList<>();
        for (UUID id : step.enqueued()) {
          waits.add(service.awaitThumbnail(id));
        }
        for (CompletableFuture<ImageRecord> wait : waits) {
          try {
            wait.get(5, TimeUnit.MINUTES);
            rendered++;
          } catch (ExecutionException | TimeoutException e) {
            failed++;
          }
        }
        context.progress((rendered + failed) + " rendered or failed");
        if (step.next().isEmpty()) {
          break;
        }
        after = step.next();
      }
      if (context.json()) {
        context
            .out()
            .println(Json.write(Json.object().put("rendered", rendered).put("failed", failed)));
      } else {
        context.out().println("rendered " + rendered + ", failed " + failed);
      }
      return failed > 0 ? ExitCodes.UPSTREAM : ExitCodes.OK;
    }
  }
}
