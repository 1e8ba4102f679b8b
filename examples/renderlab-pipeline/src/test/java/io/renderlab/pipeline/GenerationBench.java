package io.renderlab.pipeline;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.RecoveryPass;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * On-demand measurements for the pipeline README (not a test):
 *
 * <ol>
 *   <li>the database cost of a generation row: {@code create + started + complete(1 record)}
 *       against the plain {@code catalog.save(record)} it replaces, interleaved, on an H2 file and
 *       on embedded PostgreSQL;
 *   <li>restart to recovered records beyond the model's remaining time: an instance dies while its
 *       prediction runs, the prediction ends, a new instance starts on the same database and store;
 *       timed from the new instance's construction to the records being saved.
 * </ol>
 *
 * {@code java -cp "$CP" io.renderlab.pipeline.GenerationBench [rows=300] [restarts=5]}
 */
public final class GenerationBench {
  private GenerationBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int restarts = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Files.createTempDirectory("generation-bench");
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:file:" + dir.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
    DataSource pg = EmbeddedPostgres.freshDatabase();
    rowCost("H2 file", h2, rows);
    rowCost("PostgreSQL", pg, rows);
    rowCost("H2 pooled", pooled(h2), rows);
    rowCost("PG pooled", pooled(pg), rows);
    restart(
        "H2 file",
        () -> {
          JdbcDataSource fresh = new JdbcDataSource();
          fresh.setURL(
              "jdbc:h2:file:" + dir.resolve("restart-" + UUID.randomUUID()) + ";DB_CLOSE_DELAY=-1");
          return fresh;
        },
        dir,
        restarts);
    restart("PostgreSQL", EmbeddedPostgres::freshDatabase, dir, restarts);
    System.out.println("loadavg " + Files.readString(Path.of("/proc/loadavg")).strip());
    System.exit(0);
  }

  static ImageRecord record(String predictionId) {
    return ImageRecord.builder()
        .userId("bench")
        .kind(ImageKind.GENERATED)
        .name("generated")
        .url("https://cdn.example.com/" + UUID.randomUUID() + ".png")
        .storageKey("bench/" + UUID.randomUUID() + ".png")
        .prompt("a red bicycle")
        .model("google/nano-banana")
        .predictionId(predictionId)
        .build();
  }

  static void rowCost(String name, DataSource ds, int rows) {
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    GenerationStore store = catalog.generations();
    long[] plain = new long[rows];
    long[] durable = new long[rows];
    for (int i = -50; i < rows; i++) { // the first 50 of each warm up
      long t0 = System.nanoTime();
      catalog.save(record("plain-" + UUID.randomUUID()));
      long t1 = System.nanoTime();
      Generation g =
          store.create(
              Generation.builder()
                  .userId("bench")
                  .kind(GenerationKind.GENERATE)
                  .model("google/nano-banana")
                  .prompt("a red bicycle")
                  .inputJson("{\"prompt\":\"a red bicycle\"}")
                  .deadline(Instant.now().plusSeconds(600))
                  .build(),
              "bench",
              Duration.ofSeconds(30));
      String prediction = "p-" + UUID.randomUUID();
      store.started(g.id(), prediction);
      store.ingesting(g.id());
      store.complete(g.id(), List.of(record(prediction)));
      long t2 = System.nanoTime();
      if (i >= 0) {
        plain[i] = t1 - t0;
        durable[i] = t2 - t1;
      }
    }
    double p = median(plain);
    double d = median(durable);
    System.out.printf(
        "%-10s row cost: save %.2f ms, generation (create+started+ingesting+complete) %.2f ms, extra %.2f ms per generation (median of %d, interleaved)%n",
        name, p, d, d - p, rows);
  }

  static void restart(
      String name, java.util.function.Supplier<DataSource> databases, Path dir, int restarts)
      throws Exception {
    FolderImageStore store =
        FolderImageStore.of(Files.createDirectories(dir.resolve("objects-" + UUID.randomUUID())));
    long[] times = new long[restarts];
    for (int i = 0; i < restarts; i++) {
      DataSource ds =
          databases.get(); // a fresh one per round: each fake numbers its predictions from 1
      JdbcImageCatalog.builder().dataSource(ds).build().migrate();
      try (StatefulReplicate fake = new StatefulReplicate(PipelineContract.OUTPUT_PNG, false)) {
        Parts dead = new Parts(ds, store, fake, Clock.systemUTC());
        GenerationHandle h = dead.pipeline.submit(GenerateRequest.of("bench", "a castle " + i));
        if (!fake.awaitPolled(1, Duration.ofSeconds(30))) {
          throw new IllegalStateException(
              "the prediction was never polled: " + h.generation() + " " + h.records());
        }
        dead.die();
        fake.release(); // the model's remaining time is over
        // A clock past the dead lease: the figure excludes the lease (30 s by default) and the
        // worker's interval.
        long t0 = System.nanoTime();
        Parts fresh =
            new Parts(ds, store, fake, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)));
        RecoveryPass pass = fresh.pipeline.recover(10);
        long t1 = System.nanoTime();
        if (pass.succeeded() != 1 || fresh.catalog.generations().records(h.id()).size() != 1) {
          throw new IllegalStateException("not recovered: " + pass);
        }
        times[i] = t1 - t0;
        fresh.close();
      }
    }
    System.out.printf(
        "%-10s restart to recovered records (new instance built + one recovery pass, lease already lapsed): median %.0f ms, all %s ms%n",
        name,
        median(times),
        Arrays.toString(Arrays.stream(times).map(t -> TimeUnit.NANOSECONDS.toMillis(t)).toArray()));
  }

  /**
   * Connections kept open and handed out again (what a pool such as HikariCP gives), so the figure
   * is the SQL's.
   */
  static DataSource pooled(DataSource ds) {
    java.util.concurrent.BlockingQueue<java.sql.Connection> idle =
        new java.util.concurrent.LinkedBlockingQueue<>();
    return (DataSource)
        java.lang.reflect.Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, margs) -> {
              if (!method.getName().equals("getConnection")) {
                return method.invoke(ds, margs);
              }
              java.sql.Connection real = idle.poll();
              java.sql.Connection c = real != null ? real : ds.getConnection();
              return java.lang.reflect.Proxy.newProxyInstance(
                  java.sql.Connection.class.getClassLoader(),
                  new Class<?>[] {java.sql.Connection.class},
                  (p, m, a) -> {
                    if (m.getName().equals("close")) {
                      c.setAutoCommit(true);
                      idle.add(c);
                      return null;
                    }
                    try {
                      return m.invoke(c, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
            });
  }

  static double median(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[s.length / 2] / 1e6;
  }

  /** One instance's clients. */
  static final class Parts {
    final JdbcImageCatalog catalog;
    final ReplicateClient replicate;
    final ThumbnailService thumbnails;
    final RenderLabPipeline pipeline;

    Parts(DataSource ds, FolderImageStore store, StatefulReplicate fake, Clock clock) {
      catalog = JdbcImageCatalog.builder().dataSource(ds).clock(clock).build();
      replicate =
          ReplicateClient.builder()
              .token("r8_bench")
              .baseUrl(fake.baseUrl())
              .createsPerMinute(0)
              .retryPolicy(
                  RetryPolicy.builder()
                      .initialBackoff(Duration.ZERO)
                      .maxBackoff(Duration.ZERO)
                      .build())
              .build();
      thumbnails =
          ThumbnailService.builder()
              .catalog(catalog)
              .jobs(catalog.thumbnailJobs())
              .store(store)
              .workers(1)
              .build();
      Ingestor ingestor =
          Ingestor.builder()
              .store(store)
              .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
              .build();
      pipeline =
          RenderLabPipeline.builder()
              .replicate(replicate)
              .ingestor(ingestor)
              .catalog(catalog)
              .thumbnails(thumbnails)
              .clock(clock)
              .build();
    }

    void die() {
      pipeline.abandon();
      replicate.close();
    }

    void close() {
      pipeline.close();
      replicate.close();
    }
  }
}
