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

/** {@code bench thumbnails DIR [--runs 15] [--threads 1] [--warmup 3]}. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {
      BenchCommand.Thumbnails.class,
      BenchBackfillCommand.class,
      BenchBackfillChild.class,
      BenchImagesCommand.class
    })
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
          "For each file in DIR (sorted by name): load it, render --warmup thumbnails to warm up, then time --runs renders. "
              + "Prints '<file> <median ms>' per file, then 'throughput <images/s>'. With --threads N, "
              + "every file is first rendered --warmup x N times through the pool, and all timed renders share that pool.")
  static final class Thumbnails extends CliCommand {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(
        names = "--runs",
        defaultValue = "15",
        description = "Timed renders per file (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(
        names = "--threads",
        defaultValue = "1",
        description = "Renders at once (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(
        names = "--warmup",
        defaultValue = "3",
        description =
            "Untimed renders of each file first, times --threads (default ${DEFAULT-VALUE}): the JIT compiles the paths"
                + " a file takes over its first few renders, and a thread's scratch buffers grow to"
                + " the file's size on its first one.")
    int warmup;

    @Override
    protected int execute() throws Exception {
      if (runs < 1 || threads < 1 || threads > 64 || warmup < 0 || warmup > 1000) {
        throw new IllegalArgumentException(
            "--runs must be at least 1, --threads between 1 and 64 and --warmup between 0 and 1000");
      }
      List<Path> files = files(dir);
      Thumbnailer thumbnailer = context.thumbnailer();
      List<byte[]> images = read(files);
      RenderTimes rendered = render(thumbnailer, images, threads, runs, warmup);
      long[][] times = rendered.times();
      long totalNanos = rendered.totalNanos();
      for (int f = 0; f < files.size(); f++) {
        long[] sorted = times[f];
        Arrays.sort(sorted);
        double median =
            runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2.0;
        context
            .out()
            .println(
                files.get(f).getFileName()
                    + " "
                    + String.format(Locale.ROOT, "%.2f", median / 1e6));
      }
      long totalRenders = (long) files.size() * runs;
      double throughput = totalNanos == 0 ? 0 : totalRenders / (totalNanos / 1e9);
      context.out().println("throughput " + String.format(Locale.ROOT, "%.2f", throughput));
      return ExitCodes.OK;
    }

    /** Every file of {@code dir} but hidden ones, in name order. */
    static List<Path> files(Path dir) throws java.io.IOException {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("DIR is not a folder: " + dir);
      }
      try (Stream<Path> list = Files.list(dir)) {
        return list.filter(Files::isRegularFile)
            .filter(p -> !p.getFileName().toString().startsWith("."))
            .sorted()
            .toList();
      }
    }

    static List<byte[]> read(List<Path> files) throws java.io.IOException {
      List<byte[]> images = new ArrayList<>();
      for (Path file : files) {
        images.add(Files.readAllBytes(file));
      }
      return images;
    }

    /** Per file, the time of each timed render; and the wall time of them all. */
    record RenderTimes(long[][] times, long totalNanos) {
      double perSecond() {
        long renders = (long) times.length * (times.length == 0 ? 0 : times[0].length);
        return totalNanos == 0 ? 0 : renders / (totalNanos / 1e9);
      }
    }

    /**
     * Renders each image {@code warmup} times (x threads) untimed, then {@code runs} times timed:
     * what {@code bench thumbnails} measures, and the render-only side of {@code bench backfill}.
     */
    static RenderTimes render(
        Thumbnailer thumbnailer, List<byte[]> images, int threads, int runs, int warmup)
        throws Exception {
      long[][] times = new long[images.size()][runs];
      long totalNanos = 0;
      if (threads == 1) {
        for (int f = 0; f < images.size(); f++) {
          for (int i = 0; i < warmup; i++) {
            thumbnailer.render(images.get(f));
          }
          long wallStart = System.nanoTime();
          for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            thumbnailer.render(images.get(f));
            times[f][i] = System.nanoTime() - start;
          }
          totalNanos += System.nanoTime() - wallStart;
        }
      } else {
        // Every file warmed up first through the pool (warmup x threads renders, so that its
        // threads, each with its own scratch buffers, take part), then all timed renders through
        // the same pool: no barrier between files, so a thread never idles while another finishes
        // a file's last render (which would measure the barrier, not the renderer).
        List<Callable<Long>> warmups = new ArrayList<>();
        for (byte[] image : images) {
          for (int i = 0; i < warmup * threads; i++) {
            warmups.add(
                () -> {
                  thumbnailer.render(image);
                  return 0L;
                });
          }
        }
        List<Callable<Long>> tasks = new ArrayList<>();
        for (byte[] image : images) {
          for (int i = 0; i < runs; i++) {
            tasks.add(
                () -> {
                  long start = System.nanoTime();
                  thumbnailer.render(image);
                  return System.nanoTime() - start;
                });
          }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          for (Future<Long> w : pool.invokeAll(warmups)) {
            w.get();
          }
          long wallStart = System.nanoTime();
          List<Future<Long>> results = pool.invokeAll(tasks);
          totalNanos = System.nanoTime() - wallStart;
          for (int t = 0; t < results.size(); t++) {
            times[t / runs][t % runs] = results.get(t).get();
          }
        } finally {
          pool.shutdownNow();
        }
      }
      return new RenderTimes(times, totalNanos);
    }
  }
}
