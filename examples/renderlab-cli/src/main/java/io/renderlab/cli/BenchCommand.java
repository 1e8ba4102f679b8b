package io.renderlab.cli;

import io.renderlab.thumbnails.Thumbnailer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bench thumbnails DIR [--runs 15] [--threads 1]}. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = BenchCommand.Thumbnails.class)
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Times thumbnail renders of each file of a folder. */
  @Command(
      name = "thumbnails",
      mixinStandardHelpOptions = true,
      description =
          "For each file in DIR (sorted by name): load it, render one thumbnail to warm up, then time --runs renders. "
              + "Prints '<file> <median ms>' per file, then 'throughput <images/s>'.")
  static final class Thumbnails extends CliCommand {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(
        names = "--runs",
        defaultValue = "15",
        description = "Timed renders per file (default 15).")
    int runs;

    @Option(names = "--threads", defaultValue = "1", description = "Renders at once (default 1).")
    int threads;

    @Override
    protected int execute() throws Exception {
      if (runs < 1 || threads < 1 || threads > 64) {
        throw new IllegalArgumentException(
            "--runs must be at least 1 and --threads between 1 and 64");
      }
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("DIR is not a folder: " + dir);
      }
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files =
            list.filter(Files::isRegularFile)
                .filter(p -> !p.getFileName().toString().startsWith("."))
                .sorted()
                .toList();
      }
      Thumbnailer thumbnailer = context.thumbnailer();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long totalRenders = 0;
      long totalNanos = 0;
      try {
        for (Path file : files) {
          byte[] bytes = Files.readAllBytes(file);
          thumbnailer.render(bytes); // warm-up
          List<Callable<Long>> tasks = new ArrayList<>();
          for (int i = 0; i < runs; i++) {
            tasks.add(
                () -> {
                  long start = System.nanoTime();
                  thumbnailer.render(bytes);
                  return System.nanoTime() - start;
                });
          }
          long wallStart = System.nanoTime();
          List<Future<Long>> results = pool.invokeAll(tasks);
          long wall = System.nanoTime() - wallStart;
          long[] times = new long[runs];
          for (int i = 0; i < runs; i++) {
            times[i] = results.get(i).get();
          }
          Arrays.sort(times);
          double median =
              runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2.0;
          context
              .out()
              .println(file.getFileName() + " " + String.format(Locale.ROOT, "%.2f", median / 1e6));
          totalRenders += runs;
          totalNanos += wall;
        }
      } finally {
        pool.shutdownNow();
      }
      double throughput = totalNanos == 0 ? 0 : totalRenders / (totalNanos / 1e9);
      context.out().println("throughput " + String.format(Locale.ROOT, "%.2f", throughput));
      return ExitCodes.OK;
    }
  }
}
