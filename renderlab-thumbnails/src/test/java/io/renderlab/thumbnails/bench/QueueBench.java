package io.renderlab.thumbnails.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.PutOptions;
import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.thumbnails.ThumbnailService;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * On-demand benchmark (not a test), two parts on one embedded PostgreSQL:
 *
 * <ol>
 *   <li>Thumbnails per second end to end (lease, read original, render, store, set thumb_url,
 *       complete) with one and two worker processes (child JVMs, each a {@link ThumbnailService}
 *       with 2 render threads), unpooled (a new connection per catalog call, as the CLI did) and
 *       pooled (HikariCP, 10), interleaved round by round so they share the machine's noise.
 *   <li>The lease round trip (lease 10 jobs, then complete them) with 100 000 jobs pending.
 * </ol>
 *
 * <p>{@code java -cp … io.renderlab.thumbnails.bench.QueueBench [IMAGES_PER_ROUND] [ROUNDS]}, or
 * {@code … QueueBench lease} for the second part alone.
 */
public final class QueueBench {
  private QueueBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("worker")) {
      worker(args[1], Boolean.parseBoolean(args[2]), Path.of(args[3]));
      return;
    }
    if (args.length > 0 && args[0].equals("lease")) {
      DataSource db = EmbeddedPostgres.freshDatabase();
      JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
      catalog.migrate();
      leaseRoundTrip(db, catalog);
      System.exit(0);
    }
    int images = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    PGSimpleDataSource db = (PGSimpleDataSource) EmbeddedPostgres.freshDatabase();
    db.setUser("postgres");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
    catalog.migrate();
    Path folder = Files.createTempDirectory("queue-bench");
    FolderImageStore store = FolderImageStore.of(folder);
    byte[] png = photo(1024, 768);
    String key = "bench/original.png";
    store.put(key, new ByteArrayInputStream(png), PutOptions.of("image/png"));
    System.out.printf(
        Locale.ROOT,
        "PostgreSQL %s, %d images per round of %d x %d PNG, loadavg %s%n",
        EmbeddedPostgres.version(),
        images,
        1024,
        768,
        loadavg());

    String[][] modes = {{"unpooled", "1"}, {"pooled", "1"}, {"unpooled", "2"}, {"pooled", "2"}};
    for (int round = 1; round <= rounds; round++) {
      for (String[] mode : modes) {
        boolean pooled = mode[0].equals("pooled");
        int processes = Integer.parseInt(mode[1]);
        List<Process> workers = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(processes);
        for (int p = 0; p < processes; p++) {
          Process w =
              new ProcessBuilder(
                      javaBin(),
                      "-cp",
                      System.getProperty("java.class.path"),
                      QueueBench.class.getName(),
                      "worker",
                      db.getUrl(),
                      Boolean.toString(pooled),
                      folder.toString())
                  .redirectErrorStream(true)
                  .start();
          workers.add(w);
          Thread t =
              new Thread(
                  () -> {
                    try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(w.getInputStream(), StandardCharsets.UTF_8))) {
                      for (String line; (line = r.readLine()) != null; ) {
                        if (line.equals("ready")) {
                          ready.countDown();
                        }
                      }
                    } catch (java.io.IOException ignored) {
                      // ended
                    }
                  });
          t.setDaemon(true);
          t.start();
        }
        if (!ready.await(120, TimeUnit.SECONDS)) {
          throw new IllegalStateException("workers did not start");
        }
        insertImages(db, key, store.publicUrl(key), images);
        long start = System.nanoTime();
        catalog.thumbnailJobs().backfill(images);
        while (count(db, "SELECT COUNT(*) FROM images WHERE thumb_url IS NULL") > 0) {
          Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "round %d %-8s processes=%d: %d thumbnails in %.2f s = %.1f/s (loadavg %s)%n",
            round,
            mode[0],
            processes,
            images,
            seconds,
            images / seconds,
            loadavg());
        for (Process w : workers) {
          w.destroy();
          w.waitFor(60, TimeUnit.SECONDS);
        }
      }
    }
    leaseRoundTrip(db, catalog);
    System.exit(0);
  }

  /** A child process: one ThumbnailService until killed. */
  static void worker(String url, boolean pooled, Path folder) throws Exception {
    PGSimpleDataSource plain = new PGSimpleDataSource();
    plain.setUrl(url);
    plain.setUser("postgres");
    DataSource ds = plain;
    if (pooled) {
      HikariConfig config = new HikariConfig();
      config.setDataSource(plain);
      config.setMaximumPoolSize(10);
      config.setMinimumIdle(2);
      ds = new HikariDataSource(config);
    }
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    ThumbnailService service =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(FolderImageStore.of(folder))
            .workers(2)
            .pollInterval(Duration.ofMillis(50))
            .build()
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> service.shutdown(Duration.ofSeconds(5))));
    System.out.println("ready");
    Thread.sleep(Long.MAX_VALUE);
  }

  static void leaseRoundTrip(DataSource db, JdbcImageCatalog catalog) throws Exception {
    int pending = 100_000;
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM thumbnail_jobs");
      s.execute(
          "INSERT INTO images (id, user_id, kind, name, url, storage_key, created_at) "
              + "SELECT gen_random_uuid(), 'u', 'UPLOADED', 'n', 'https://x.test/' || g, 'k/' || g, now() FROM generate_series(1, "
              + pending
              + ") g");
      s.execute(
          "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, updated_at) "
              + "SELECT id, 'PENDING', 0, now() - interval '1 minute', now() FROM images WHERE thumb_url IS NULL");
      s.execute("ANALYZE");
    }
    HikariConfig config = new HikariConfig();
    config.setDataSource(db);
    config.setMaximumPoolSize(4);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      JdbcImageCatalog pooled = JdbcImageCatalog.builder().dataSource(pool).build();
      int pendingNow = pooled.thumbnailJobs().pending();
      List<Long> nanos = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        long t0 = System.nanoTime();
        List<ThumbnailJob> jobs = pooled.thumbnailJobs().lease("bench", 10, Duration.ofSeconds(30));
        long t1 = System.nanoTime();
        for (ThumbnailJob j : jobs) {
          pooled.thumbnailJobs().complete(j.imageId(), "bench");
        }
        if (i >= 20) {
          nanos.add(t1 - t0);
        }
      }
      nanos.sort(null);
      System.out.printf(
          Locale.ROOT,
          "lease of 10 jobs with %d pending (pooled): median %.2f ms, p90 %.2f ms (loadavg %s)%n",
          pendingNow,
          nanos.get(nanos.size() / 2) / 1e6,
          nanos.get(nanos.size() * 9 / 10) / 1e6,
          loadavg());
    }
  }

  static void insertImages(DataSource db, String key, String url, int n) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO images (id, user_id, kind, name, url, storage_key, created_at) VALUES (?, 'bench', 'UPLOADED', 'n', ?, ?, ?)")) {
      c.setAutoCommit(false);
      OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
      for (int i = 0; i < n; i++) {
        ps.setObject(1, UUID.randomUUID());
        ps.setString(2, url);
        ps.setString(3, key);
        ps.setObject(4, now);
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    }
  }

  static int count(DataSource db, String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static byte[] photo(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, Color.ORANGE, w, h, Color.BLUE));
    g.fillRect(0, 0, w, h);
    for (int i = 0; i < 200; i++) {
      g.setColor(new Color((i * 37) % 256, (i * 91) % 256, (i * 53) % 256));
      g.fillOval((i * 97) % w, (i * 61) % h, 40, 30);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  static String loadavg() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "?";
    }
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
