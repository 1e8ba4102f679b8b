package io.renderlab.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * One child process of {@code bench backfill --processes N} (hidden: not part of the CLI's
 * contract). It gets ready outside the timed part, as the in-process side is (the JVM started, the
 * catalog migrated and its pool open, the renderer compiled by {@code --warmup} renders of each
 * file of DIR, the worker started), prints {@link #READY}, waits for a line on stdin, then runs
 * {@code thumbnails backfill --until-empty} (the same {@link BackfillRun}) and prints its counts as
 * JSON.
 */
@Command(name = "backfill-child", hidden = true, mixinStandardHelpOptions = true)
final class BenchBackfillChild extends CliCommand {
  static final String READY = "ready";

  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Option(names = "--threads", defaultValue = "1")
  int threads;

  @Option(names = "--warmup", defaultValue = "3")
  int warmup;

  @Option(names = "--lookahead", defaultValue = "1000")
  int lookahead;

  @Override
  protected int execute() throws Exception {
    if (threads < 1 || threads > 64 || warmup < 0 || warmup > 1000) {
      throw new IllegalArgumentException("--threads must be 1-64 and --warmup 0-1000");
    }
    if (lookahead < 1 || lookahead > ThumbnailsCommand.Backfill.MAX_LOOKAHEAD) {
      throw new IllegalArgumentException("--lookahead must be 1-100000");
    }
    List<byte[]> images = BenchCommand.Thumbnails.read(BenchCommand.Thumbnails.files(dir));
    BenchCommand.Thumbnails.render(context.thumbnailer(threads), images, threads, 1, warmup);
    context.catalog();
    context.thumbnailWorkers(threads);
    context.thumbnails();
    context.out().println(READY);
    context.out().flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (in.readLine() == null) {
      return ExitCodes.OK;
    }
    BackfillRun.Counts counts =
        ThumbnailsCommand.Backfill.run(
            context, ThumbnailsCommand.Backfill.MAX_LIMIT, lookahead, context.thumbnails(), true);
    context.out().println(Json.write(ThumbnailsCommand.Backfill.json(counts)));
    context.out().flush();
    return counts.failed() > 0 ? ExitCodes.UPSTREAM : ExitCodes.OK;
  }
}
