package io.renderlab.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench backfill DIR}: the thumbnail worker end to end against the renderer alone, on the
 * same images, so their ratio is one command. Each run records every file of DIR {@code --copies}
 * times in the catalog (one stored original per file) with a failed job, then times
 *
 * <ol>
 *   <li>render only: each file rendered {@code --copies} times through {@code --threads} threads
 *       (what {@code bench thumbnails} does), after the same warm-up;
 *   <li>end to end: a {@code thumbnails backfill} of those records (the same {@link BackfillRun}):
 *       enqueue, lease, read the original from the store, render, store the thumbnail, set {@code
 *       thumb_url}, complete, wake the waiter. In this process with {@code --threads} render
 *       threads, or with {@code --processes N}, N child processes of this jar with {@code
 *       --threads} each ({@link BenchBackfillChild}), warmed up, then started together.
 * </ol>
 *
 * <p>It counts the statements per thumbnail and the most connections open at once (this process's
 * physical connections; with child processes, {@code pg_stat_activity} sampled 5 times a second,
 * the bench's own connections included). Use a scratch database: the seeding marks every due job of
 * the catalog failed.
 */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description =
        "Times a thumbnails backfill end to end (catalog database + --storage) against render-only on the"
            + " same images of DIR, --runs times; prints both rates, their ratio, statements per thumbnail"
            + " and the most connections open at once. Use a scratch database.")
final class BenchBackfillCommand extends CliCommand {
  static final String SEED_OWNER = "bench-seed";

  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Option(
      names = "--copies",
      defaultValue = "1",
      description = "Records per file (default ${DEFAULT-VALUE}): images = files x copies.")
  int copies;

  @Option(
      names = "--render-copies",
      defaultValue = "0",
      description =
          "Render-only renders of each file (default ${DEFAULT-VALUE}: --copies), to keep a long end-to-end run"
              + " from spending as long again rendering alone.")
  int renderCopies;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Render threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Timed runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description =
          "Untimed renders of each file first, times --threads (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--processes",
      defaultValue = "0",
      description =
          "N: the end-to-end side runs in N child processes of this jar started together, each with"
              + " --threads render threads; 0: in this process (default ${DEFAULT-VALUE}).")
  int processes;

  @Option(
      names = "--lookahead",
      defaultValue = "1000",
      description = "The backfill's --lookahead (default ${DEFAULT-VALUE}).")
  int lookahead;

  @Option(
      names = "--pin",
      description =
          "With --processes: run each child on its own --threads CPUs (Linux taskset), as on an instance"
              + " of that many cores; the database and this process are not pinned.")
  boolean pin;

  @Override
  protected int execute() throws Exception {
    if (copies < 1
        || copies > 100_000
        || threads < 1
        || threads > 64
        || runs < 1
        || runs > 100
        || warmup < 0
        || warmup > 1000
        || processes < 0
        || processes > 16
        || lookahead < 1
        || lookahead > ThumbnailsCommand.Backfill.MAX_LOOKAHEAD
        || renderCopies < 0
        || renderCopies > 100_000) {
      throw new IllegalArgumentException(
          "--copies and --render-copies must be 1-100000, --threads 1-64, --runs 1-100, --warmup 0-1000,"
              + " --processes 0-16 and --lookahead 1-100000");
    }
    if (pin && processes == 0) {
      throw new IllegalArgumentException("--pin needs --processes");
    }
    if (pin && processes * threads > Runtime.getRuntime().availableProcessors()) {
      throw new IllegalArgumentException(
          "--pin needs --processes x --threads CPUs, this machine has "
              + Runtime.getRuntime().availableProcessors());
    }
    List<Path> files = BenchCommand.Thumbnails.files(dir);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("DIR has no files: " + dir);
    }
    List<byte[]> images = BenchCommand.Thumbnails.read(files);
    QueryMeter meter = new QueryMeter();
    context.meter(meter);
    ImageCatalog catalog = context.catalog();
    ImageStore store = context.store();
    int total = images.size() * copies;
    double[] renderOnly = new double[runs];
    double[] endToEnd = new double[runs];
    ArrayNode runsJson = Json.MAPPER.createArrayNode();
    for (int run = 0; run < runs; run++) {
      String user = "bench-" + UUID.randomUUID().toString().substring(0, 8);
      seed(catalog, store, files, images, run, user);
      BenchCommand.Thumbnails.RenderTimes alone =
          BenchCommand.Thumbnails.render(
              context.thumbnailer(threads),
              images,
              threads,
              renderCopies == 0 ? copies : renderCopies,
              warmup);
      renderOnly[run] = alone.perSecond();
      long statementsBefore = meter.statements();
      meter.resetMaxOpen();
      ConnectionSampler sampler = new ConnectionSampler(context);
      List<Process> ready = processes == 0 ? List.of() : children();
      long started = System.nanoTime();
      int rendered;
      int failed;
      if (processes == 0) {
        try (ThumbnailService service = context.newThumbnailService(threads)) {
          service.start();
          BackfillRun.Counts counts =
              ThumbnailsCommand.Backfill.run(
                  context, ThumbnailsCommand.Backfill.MAX_LIMIT, lookahead, service, false);
          rendered = counts.rendered();
          failed = counts.failed();
        }
      } else {
        sampler.start();
        go(ready);
        // Counted in the catalog: with --until-empty each child renders more than it waited for.
        rendered = thumbnails(user, true);
        failed = thumbnails(user, false);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      sampler.stop();
      endToEnd[run] = rendered / seconds;
      double perThumbnail = (meter.statements() - statementsBefore) / (double) Math.max(1, total);
      int connections = processes == 0 ? meter.maxOpen() : sampler.max();
      ObjectNode r =
          Json.object()
              .put("renderOnly", round(renderOnly[run]))
              .put("endToEnd", round(endToEnd[run]))
              .put("ratio", round(endToEnd[run] / renderOnly[run]))
              .put("rendered", rendered)
              .put("failed", failed)
              .put("seconds", round(seconds))
              .put("maxConnections", connections);
      if (processes == 0) {
        r.put("statementsPerThumbnail", round(perThumbnail));
      }
      runsJson.add(r);
      if (!context.json()) {
        context
            .out()
            .println(
                String.format(
                    Locale.ROOT,
                    "run %d: %d images, render only %.2f/s, end to end %.2f/s, ratio %.2f,"
                        + " %d failed, %s%d connections at most",
                    run + 1,
                    total,
                    renderOnly[run],
                    endToEnd[run],
                    endToEnd[run] / renderOnly[run],
                    failed,
                    processes == 0
                        ? String.format(
                            Locale.ROOT, "%.2f statements per thumbnail, ", perThumbnail)
                        : "",
                    connections));
      }
    }
    double[] ratio = new double[runs];
    for (int i = 0; i < runs; i++) {
      ratio[i] = endToEnd[i] / renderOnly[i];
    }
    if (context.json()) {
      context
          .out()
          .println(
              Json.write(
                  Json.object()
                      .put("images", total)
                      .put("threads", threads)
                      .put("processes", processes)
                      .<ObjectNode>set("runs", runsJson)
                      .<ObjectNode>set("renderOnly", spread(renderOnly))
                      .<ObjectNode>set("endToEnd", spread(endToEnd))
                      .set("ratio", spread(ratio))));
    } else {
      context.out().println("render only " + text(renderOnly));
      context.out().println("end to end  " + text(endToEnd));
      context.out().println("ratio       " + text(ratio));
    }
    return ExitCodes.OK;
  }

  /**
   * Records each file {@code copies} times (one stored original per file, shared), then marks their
   * jobs failed, so the timed backfill enqueues them itself as it would old rows.
   */
  private void seed(
      ImageCatalog catalog,
      ImageStore store,
      List<Path> files,
      List<byte[]> images,
      int run,
      String user) {
    String prefix = "bench/" + UUID.randomUUID() + "/";
    for (int f = 0; f < files.size(); f++) {
      String key = prefix + files.get(f).getFileName();
      byte[] bytes = images.get(f);
      String url =
          store
              .put(
                  key,
                  new ByteArrayInputStream(bytes),
                  PutOptions.of("application/octet-stream").withLength(bytes.length))
              .url();
      for (int c = 0; c < copies; c++) {
        catalog.save(
            ImageRecord.builder()
                .userId(user)
                .kind(ImageKind.UPLOADED)
                .name(files.get(f).getFileName() + " #" + c + " run " + (run + 1))
                .url(url)
                .storageKey(key)
                .build());
      }
    }
    ThumbnailJobQueue jobs = catalog.thumbnailJobs();
    List<ThumbnailJob> leased;
    // A short lease: a bench killed while seeding leaves jobs that workers take a minute later,
    // not ones every backfill waits an hour for.
    while (!(leased = jobs.lease(SEED_OWNER, 1000, Duration.ofMinutes(1))).isEmpty()) {
      for (ThumbnailJob job : leased) {
        jobs.fail(job.imageId(), SEED_OWNER, "seeded by bench backfill", null);
      }
    }
  }

  /** This run's images with a thumbnail ({@code done}) or without one. */
  private int thumbnails(String user, boolean done) throws Exception {
    try (Connection c = context.dataSource().getConnection();
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT COUNT(*) FROM "
                    + context.settings().tableNames.images()
                    + " WHERE user_id = ? AND thumb_url IS "
                    + (done ? "NOT NULL" : "NULL"))) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Starts {@code processes} children ({@link BenchBackfillChild}: {@code thumbnails backfill
   * --until-empty} once told to go) and returns when every one has warmed up, so a JVM's start, its
   * JIT and its pool are outside the timed part, as they are for the in-process side.
   */
  private List<Process> children() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Settings s = settings();
    List<Process> started = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      List<String> command =
          new ArrayList<>(
              List.of(
                  java,
                  // one core's worth per render thread: the JVM sizes its GC and JIT threads to it,
                  // as on an instance of that size, instead of counting on the other children's
                  // cores
                  "-XX:ActiveProcessorCount=" + threads,
                  "-cp",
                  System.getProperty("java.class.path"),
                  RenderLabCli.class.getName(),
                  "bench",
                  "backfill-child",
                  dir.toString(),
                  "--threads",
                  Integer.toString(threads),
                  "--warmup",
                  Integer.toString(warmup),
                  "--lookahead",
                  Integer.toString(lookahead),
                  "--home",
                  s.home.toString(),
                  "--database",
                  s.databaseUrl,
                  "--table-prefix",
                  s.tableNames.prefix(),
                  "--table-schema",
                  s.tableNames.schema().orElse(""),
                  "--storage",
                  s.storageUrl));
      if (pin) {
        int first = p * threads;
        command.addAll(0, List.of("taskset", "-c", first + "-" + (first + threads - 1)));
      }
      ProcessBuilder b = new ProcessBuilder(command);
      b.redirectError(ProcessBuilder.Redirect.INHERIT);
      started.add(b.start());
    }
    for (Process child : started) {
      String line = readLine(child.getInputStream());
      if (!BenchBackfillChild.READY.equals(line)) {
        started.forEach(Process::destroyForcibly);
        throw new IllegalStateException(
            "a child backfill did not start (exit "
                + child.waitFor()
                + "): "
                + (line == null ? "no output" : line));
      }
    }
    return started;
  }

  /** Tells every ready child to start its backfill, at once, and waits until all have ended. */
  private void go(List<Process> children) throws Exception {
    for (Process child : children) {
      child.getOutputStream().write('\n');
      child.getOutputStream().flush();
    }
    for (Process child : children) {
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = child.waitFor();
      if (exit != ExitCodes.OK) {
        context.err().println("warning: a child backfill exited " + exit + ": " + out.strip());
      } else if (context.debug()) {
        context.err().println("child: " + out.strip());
      }
    }
  }

  /** One line of a child's output, read byte by byte (no buffer may hold back what follows). */
  private static String readLine(java.io.InputStream in) throws java.io.IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      line.write(b);
    }
    return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8).strip();
  }

  private static ObjectNode spread(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return Json.object()
        .put("min", round(sorted[0]))
        .put("median", round(median(sorted)))
        .put("max", round(sorted[sorted.length - 1]));
  }

  private static String text(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "min %.2f, median %.2f, max %.2f",
        sorted[0],
        median(sorted),
        sorted[sorted.length - 1]);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Counts the catalog database's connections ({@code pg_stat_activity}) while children run. */
  private static final class ConnectionSampler {
    private final CliContext context;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger max = new AtomicInteger();
    private Thread thread;

    ConnectionSampler(CliContext context) {
      this.context = context;
    }

    void start() {
      if (!context.settings().databaseUrl.startsWith("jdbc:postgresql:")) {
        return;
      }
      running.set(true);
      thread =
          new Thread(
              () -> {
                try (Connection c = context.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                  while (running.get()) {
                    try (ResultSet rs =
                        st.executeQuery(
                            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")) {
                      rs.next();
                      max.accumulateAndGet(rs.getInt(1), Math::max);
                    }
                    TimeUnit.MILLISECONDS.sleep(200);
                  }
                } catch (Exception e) {
                  context.err().println("warning: connection sampling stopped: " + e.getMessage());
                }
              },
              "bench-connection-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join();
      }
    }

    int max() {
      return max.get();
    }
  }
}
