package io.renderlab.core.bench;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.internal.Jdbc;
import io.renderlab.core.internal.Leases;
import io.renderlab.core.testing.EmbeddedPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Measures the lease round trip ({@code lease(owner, 20, 30 s)} then {@code renew} of what it
 * leased; then, not timed, the rows are finished as a worker's would be) of generations and
 * thumbnail jobs on an embedded PostgreSQL holding many due rows (issue 18, "Numbers"). Not a test
 * (nothing is asserted; it takes minutes); run it on demand:
 *
 * <pre>
 * mvn -B -o -q -pl renderlab-core test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp renderlab-core/target/test-classes:renderlab-core/target/classes:$(cat renderlab-core/target/bench.cp) \
 *     io.renderlab.core.bench.LeaseBenchmark [due rows, comma-separated] [finished rows per due row] [calls] [rounds]
 * </pre>
 *
 * <p>Defaults: 100 000 then 1 000 000 due rows, 2 finished rows per due row, 3 rounds of 200
 * measured calls (after 20 warm-up calls) per table, the tables taking turns. Each table is filled
 * with {@code generate_series}: due rows are unfinished, their lease (of a dead instance) lapsed
 * minutes ago, their {@code run_after} spread over the past hour with ties of ten (a backfill
 * enqueues many at one instant); finished rows are {@code SUCCEEDED} generations and {@code DONE}
 * jobs; then {@code VACUUM ANALYZE} and a {@code CHECKPOINT}, as a database that was not just
 * bulk-loaded would be. The catalog runs on one reused connection (a pool of one), so the figures
 * are the statements' cost, not connection set-up. After the timings it prints {@code EXPLAIN
 * (ANALYZE, BUFFERS)} of the lease statement exactly as the code sends it, in a transaction rolled
 * back.
 */
public final class LeaseBenchmark {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final int MAX = 20;
  private static final int WARMUP = 20;

  private LeaseBenchmark() {}

  /** Runs the sizes and prints one block per size. */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String s : (args.length > 0 ? args[0] : "100000,1000000").split(",")) {
      sizes.add(Integer.parseInt(s.strip().replace("_", "")));
    }
    int finishedPerDue = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;

    DataSource fresh = EmbeddedPostgres.freshDatabase();
    System.out.printf(Locale.ROOT, "PostgreSQL %s%n", EmbeddedPostgres.version());
    try (Connection physical = fresh.getConnection()) {
      DataSource one = poolOfOne(physical);
      JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(one).build();
      catalog.migrate();
      System.out.printf(Locale.ROOT, "schema version %d%n", catalog.schemaVersion());
      try (Statement s = physical.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT current_setting('shared_buffers'), current_setting('fsync'), "
                      + "current_setting('synchronous_commit')")) {
        rs.next();
        System.out.printf(
            Locale.ROOT,
            "shared_buffers %s, fsync %s, synchronous_commit %s%n",
            rs.getString(1),
            rs.getString(2),
            rs.getString(3));
      }
      for (int due : sizes) {
        long t0 = System.nanoTime();
        fill(physical, due, finishedPerDue, catalog.schemaVersion());
        System.out.printf(
            Locale.ROOT,
            "%n== %,d due + %,d finished rows per table (filled in %.1f s)%n",
            due,
            (long) due * finishedPerDue,
            (System.nanoTime() - t0) / 1e9);
        GenerationStore generations = catalog.generations();
        ThumbnailJobQueue jobs = catalog.thumbnailJobs();
        for (int round = 1; round <= rounds; round++) {
          System.out.printf(Locale.ROOT, "round %d, load average %.2f%n", round, load());
          measure(
              "generations",
              calls,
              () -> generations.lease("bench", MAX, LEASE).stream().map(Generation::id).toList(),
              ids -> generations.renew("bench", ids, LEASE),
              ids -> ids.forEach(id -> generations.finish(id, GenerationStatus.FAILED, "bench")));
          measure(
              "thumbnail jobs",
              calls,
              () -> jobs.lease("bench", MAX, LEASE).stream().map(ThumbnailJob::imageId).toList(),
              ids -> jobs.renew("bench", ids, LEASE),
              ids -> ids.forEach(id -> jobs.complete(id, "bench")));
        }
        Jdbc jdbc = new Jdbc(one);
        explain(physical, Leases.generations(jdbc, true).leaseSql("id"));
        explain(physical, Leases.thumbnailJobs(jdbc, true).leaseSql("image_id"));
      }
    }
    System.exit(0);
  }

  private interface Renew {
    int renew(List<UUID> ids);
  }

  private interface Done {
    void done(List<UUID> ids);
  }

  private static void measure(
      String what, int calls, Supplier<List<UUID>> lease, Renew renew, Done done) {
    List<Long> leaseNanos = new ArrayList<>();
    List<Long> renewNanos = new ArrayList<>();
    List<Long> roundTrip = new ArrayList<>();
    int leased = 0;
    for (int i = 0; i < WARMUP + calls; i++) {
      long t0 = System.nanoTime();
      List<UUID> ids = lease.get();
      long t1 = System.nanoTime();
      int renewed = renew.renew(ids);
      long t2 = System.nanoTime();
      done.done(ids); // not timed: the work ends, as a worker's does, so its leases stay few
      if (ids.size() != MAX || renewed != MAX) {
        throw new IllegalStateException(
            what + ": leased " + ids.size() + ", renewed " + renewed + ", expected " + MAX);
      }
      if (i >= WARMUP) {
        leaseNanos.add(t1 - t0);
        renewNanos.add(t2 - t1);
        roundTrip.add(t2 - t0);
        leased += ids.size();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%-15s round trip median %6.2f ms  p95 %6.2f ms | lease %5.2f / %5.2f ms | renew %5.2f / %5.2f"
            + " ms (median / p95, %d calls, %,d rows leased)%n",
        what,
        ms(roundTrip, 50),
        ms(roundTrip, 95),
        ms(leaseNanos, 50),
        ms(leaseNanos, 95),
        ms(renewNanos, 50),
        ms(renewNanos, 95),
        calls,
        leased);
  }

  private static double load() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double ms(List<Long> nanos, int percentile) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index)) / 1e6;
  }

  /**
   * Empties the tables and fills them: {@code due} lapsed unfinished rows and {@code due *
   * finishedPerDue} finished ones in each of generations and thumbnail jobs (with their images).
   */
  private static void fill(Connection c, int due, int finishedPerDue, int schemaVersion)
      throws SQLException {
    long finished = (long) due * finishedPerDue;
    // Before schema 4 a finished thumbnail job kept its run_after (NOT NULL).
    String doneRunAfter = schemaVersion >= 4 ? "NULL" : "now() - interval '2 hours'";
    try (Statement s = c.createStatement()) {
      s.execute("TRUNCATE generations, thumbnail_jobs, images");
      s.execute(
          "INSERT INTO generations (id, user_id, kind, model, prompt, input_json, status, attempts, "
              + "run_after, deadline, lease_owner, lease_until, created_at, updated_at, target, "
              + "record_kind, key_prefix) "
              + "SELECT gen_random_uuid(), 'user-' || (g % 5000), 'GENERATE', 'google/nano-banana', "
              + "'prompt ' || g, '{\"prompt\":\"prompt ' || g || '\"}', "
              + "CASE g % 3 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'RUNNING' ELSE 'INGESTING' END, 1, "
              + "now() - interval '1 hour' + (g / 10) * interval '1 ms', now() + interval '1 hour', "
              + "'dead-instance', now() - interval '5 minutes', now() - interval '1 hour', now(), "
              + "'MODEL', 'GENERATED', 'generated' FROM generate_series(1, "
              + due
              + ") g");
      s.execute(
          "INSERT INTO generations (id, user_id, kind, model, prompt, input_json, prediction_id, status, "
              + "attempts, run_after, deadline, created_at, updated_at, target, record_kind, key_prefix) "
              + "SELECT gen_random_uuid(), 'user-' || (g % 5000), 'GENERATE', 'google/nano-banana', "
              + "'prompt ' || g, '{\"prompt\":\"prompt ' || g || '\"}', 'pred-' || g, 'SUCCEEDED', 0, NULL, "
              + "now() - interval '1 day', now() - interval '2 days' + g * interval '1 ms', now(), "
              + "'MODEL', 'GENERATED', 'generated' FROM generate_series(1, "
              + finished
              + ") g");
      s.execute(
          "INSERT INTO images (id, user_id, kind, name, url, storage_key, created_at) "
              + "SELECT gen_random_uuid(), 'user-' || (g % 5000), 'GENERATED', 'n', "
              + "'https://cdn.example.com/' || g || '.png', 'k/' || g, now() FROM generate_series(1, "
              + (due + finished)
              + ") g");
      s.execute(
          "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, lease_owner, lease_until, updated_at) "
              + "SELECT id, 'PENDING', 1, now() - interval '1 hour' + (n / 10) * interval '1 ms', "
              + "'dead-worker', now() - interval '5 minutes', now() "
              + "FROM (SELECT id, row_number() OVER () AS n FROM images) i WHERE n <= "
              + due);
      s.execute(
          "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, updated_at) "
              + "SELECT i.id, 'DONE', 1, "
              + doneRunAfter
              + ", now() FROM images i WHERE NOT EXISTS "
              + "(SELECT 1 FROM thumbnail_jobs j WHERE j.image_id = i.id)");
      s.execute("VACUUM ANALYZE generations");
      s.execute("VACUUM ANALYZE thumbnail_jobs");
      s.execute("VACUUM ANALYZE images");
      s.execute("CHECKPOINT");
    }
  }

  /** Prints the plan of {@code sql} (the PostgreSQL lease statement), executed and rolled back. */
  private static void explain(Connection c, String sql) throws SQLException {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    OffsetDateTime until = now.plus(LEASE);
    System.out.println();
    System.out.println("EXPLAIN (ANALYZE, BUFFERS) " + sql);
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
      ps.setString(1, "explain");
      ps.setObject(2, until);
      ps.setObject(3, until);
      ps.setObject(4, now);
      ps.setObject(5, now);
      ps.setObject(6, now);
      ps.setInt(7, MAX);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          System.out.println("  " + rs.getString(1));
        }
      }
    } finally {
      c.rollback();
      c.setAutoCommit(true);
    }
  }

  /** A DataSource that hands out one connection again and again (its close is ignored). */
  private static DataSource poolOfOne(Connection physical) {
    Connection shared =
        (Connection)
            Proxy.newProxyInstance(
                LeaseBenchmark.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, methodArgs) -> {
                  if (method.getName().equals("close")) {
                    return null;
                  }
                  try {
                    return method.invoke(physical, methodArgs);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return (DataSource)
        Proxy.newProxyInstance(
            LeaseBenchmark.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, methodArgs) -> {
              if (method.getName().equals("getConnection")) {
                return shared;
              }
              if (method.getName().equals("toString")) {
                return "poolOfOne";
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
