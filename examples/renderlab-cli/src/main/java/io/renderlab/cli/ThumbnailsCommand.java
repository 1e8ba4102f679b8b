package io.renderlab.cli;

import io.renderlab.thumbnails.ThumbnailService;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code thumbnails backfill [--limit N] [--threads N] [--lookahead N]}. */
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
   * Renders every missing or failed thumbnail, for a catalog of any size, streaming: it keeps up to
   * {@code --lookahead} jobs enqueued ahead of the workers (this process's pool and the workers of
   * every running {@code serve}), in keyset batches of {@value BackfillRun#BATCH} (one transaction
   * each, see {@code ThumbnailJobQueue#backfillStep}), and counts each image as it finishes. A
   * restart first waits for what is already queued, so it continues where it stopped; several
   * backfills at once skip each other's images. See {@link BackfillRun}.
   */
  @Command(
      name = "backfill",
      mixinStandardHelpOptions = true,
      description =
          "Renders every missing or failed thumbnail (rows saved before thumbnails existed, or whose job failed).")
  static final class Backfill extends CliCommand {
    static final int MAX_LIMIT = 10_000_000;
    static final int MAX_LOOKAHEAD = 100_000;
    static final Duration STALL = Duration.ofMinutes(5);

    @Option(
        names = "--limit",
        defaultValue = "1000",
        description = "At most N images (default ${DEFAULT-VALUE}, at most 10 000 000).")
    int limit;

    @Option(
        names = "--threads",
        defaultValue = "0",
        description = "Render threads in this process (default: the number of processors).")
    int threads;

    @Option(
        names = "--lookahead",
        defaultValue = "1000",
        description =
            "At most N images enqueued and not yet finished (default ${DEFAULT-VALUE}, 1 to 100 000): enough to"
                + " keep every worker busy, few enough to stop cleanly.")
    int lookahead;

    @Option(
        names = "--until-empty",
        description =
            "After its own images, keep rendering until no thumbnail job is pending (whoever queued"
                + " it): start several at once, on several machines, and all work to the end.")
    boolean untilEmpty;

    @Override
    protected int execute() throws InterruptedException {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "--limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
      }
      if (threads < 0 || threads > 256) {
        throw new IllegalArgumentException(
            "--threads must be between 1 and 256 (0: the number of processors), was " + threads);
      }
      if (lookahead < 1 || lookahead > MAX_LOOKAHEAD) {
        throw new IllegalArgumentException(
            "--lookahead must be between 1 and " + MAX_LOOKAHEAD + ", was " + lookahead);
      }
      context.thumbnailWorkers(threads);
      BackfillRun.Counts counts = run(context, limit, lookahead, context.thumbnails(), untilEmpty);
      if (context.json()) {
        context.out().println(Json.write(json(counts)));
      } else {
        context
            .out()
            .println(
                "rendered "
                    + counts.rendered()
                    + ", failed "
                    + counts.failed()
                    + (counts.resumed() > 0
                        ? " (" + counts.resumed() + " were queued already)"
                        : ""));
      }
      return counts.failed() > 0 ? ExitCodes.UPSTREAM : ExitCodes.OK;
    }

    /** The {@code --json} document of a backfill's counts (docs/CLI.md). */
    static com.fasterxml.jackson.databind.node.ObjectNode json(BackfillRun.Counts counts) {
      return Json.object()
          .put("rendered", counts.rendered())
          .put("failed", counts.failed())
          .put("enqueued", counts.enqueued())
          .put("resumed", counts.resumed())
          .put("seconds", round(counts.elapsed().toNanos() / 1e9))
          .put("imagesPerSecond", round(counts.perSecond()));
    }

    /**
     * A backfill with this process's worker {@code service}, with a progress line on stderr when it
     * is a terminal (rewritten in place, at most 4 times a second).
     */
    static BackfillRun.Counts run(
        CliContext context, int limit, int lookahead, ThumbnailService service, boolean untilEmpty)
        throws InterruptedException {
      boolean terminal = context.errIsTerminal();
      long[] lastPrint = {0};
      BackfillRun.Counts counts =
          new BackfillRun(
                  context.catalog().thumbnailJobs(),
                  service,
                  limit,
                  lookahead,
                  STALL,
                  c -> {
                    long now = System.nanoTime();
                    if (terminal && now - lastPrint[0] > 250_000_000L) {
                      lastPrint[0] = now;
                      context.err().print("\r" + progressLine(c));
                      context.err().flush();
                    }
                  },
                  untilEmpty)
              .run();
      if (terminal) {
        context.err().println("\r" + progressLine(counts));
      }
      return counts;
    }

    static String progressLine(BackfillRun.Counts c) {
      return String.format(
          Locale.ROOT,
          "backfill: %d rendered, %d failed, %d in flight, %.1f images/s, %ds%s   ",
          c.rendered(),
          c.failed(),
          c.outstanding(),
          c.perSecond(),
          c.elapsed().toSeconds(),
          c.stalled() ? ", stalled (nothing finished for " + STALL.toMinutes() + " min)" : "");
    }

    private static double round(double v) {
      return Math.round(v * 100) / 100.0;
    }
  }
}
