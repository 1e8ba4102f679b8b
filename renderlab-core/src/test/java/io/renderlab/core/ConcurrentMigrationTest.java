package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.testing.EmbeddedPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Several processes (threads with their own connections, and real child JVMs) migrating one empty
 * database at the same moment all succeed, exactly one applies each version, round after round.
 */
class ConcurrentMigrationTest {
  private static final int ROUNDS = 5;
  private static final int CHILD_ROUNDS = 3; // each round starts three JVMs: keep the build short
  private static final int PARTIES = 3;

  @Test
  void threeCatalogsMigratingOneEmptyPostgresAtOnceAllSucceedEveryRound() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(PARTIES);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        DataSource db = EmbeddedPostgres.freshDatabase();
        assertMigratesOnceTogether(pool, db);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void threeCatalogsMigratingOneEmptyH2AtOnceAllSucceedEveryRound(@TempDir Path dir)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(PARTIES);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + dir.resolve("race-" + round) + ";DB_CLOSE_DELAY=-1");
        assertMigratesOnceTogether(pool, h2);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertMigratesOnceTogether(ExecutorService pool, DataSource db)
      throws Exception {
    CyclicBarrier start = new CyclicBarrier(PARTIES);
    List<Future<List<Integer>>> results = new ArrayList<>();
    for (int i = 0; i < PARTIES; i++) {
      Callable<List<Integer>> migrate =
          () -> {
            JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
            start.await(30, TimeUnit.SECONDS);
            return catalog.migrate();
          };
      results.add(pool.submit(migrate));
    }
    List<Integer> appliedByAll = new ArrayList<>();
    for (Future<List<Integer>> r : results) {
      appliedByAll.addAll(r.get(2, TimeUnit.MINUTES)); // throws if any migration failed
    }
    int latest = JdbcImageCatalog.builder().dataSource(db).build().schemaVersion();
    assertThat(latest).isGreaterThanOrEqualTo(1);
    List<Integer> expected = new ArrayList<>();
    for (int v = 1; v <= latest; v++) {
      expected.add(v);
    }
    assertThat(appliedByAll).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(historyRows(db)).isEqualTo(latest);
  }

  @Test
  void threeChildJvmsMigratingOneEmptyPostgresAtOnceAllSucceedEveryRound() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    for (int round = 0; round < CHILD_ROUNDS; round++) {
      PGSimpleDataSource db = (PGSimpleDataSource) EmbeddedPostgres.freshDatabase();
      List<Process> children = new ArrayList<>();
      List<File> outputs = new ArrayList<>();
      for (int i = 0; i < PARTIES; i++) {
        File out = Files.createTempFile("migrate-child", ".log").toFile();
        out.deleteOnExit();
        outputs.add(out);
        children.add(
            new ProcessBuilder(
                    javaBin,
                    "-cp",
                    classpath,
                    "-Xshare:auto",
                    MigrateMain.class.getName(),
                    db.getUrl(),
                    "postgres")
                .redirectErrorStream(true)
                .redirectOutput(out)
                .start());
      }
      int appliedCount = 0;
      for (int i = 0; i < PARTIES; i++) {
        Process child = children.get(i);
        assertThat(child.waitFor(2, TimeUnit.MINUTES))
            .as("child %d of round %d ends", i, round)
            .isTrue();
        String log = Files.readString(outputs.get(i).toPath(), StandardCharsets.UTF_8);
        assertThat(child.exitValue())
            .as("child %d of round %d exit code; output:%n%s", i, round, log)
            .isZero();
        String applied =
            log.lines().filter(l -> l.startsWith("applied=")).findFirst().orElseThrow();
        if (!applied.equals("applied=[]")) {
          appliedCount++;
        }
      }
      assertThat(appliedCount)
          .as("processes that applied the schema in round %d", round)
          .isEqualTo(1);
      assertThat(historyRows(db))
          .isEqualTo(JdbcImageCatalog.builder().dataSource(db).build().schemaVersion());
    }
  }

  private static int historyRows(DataSource db) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM renderlab_schema_history")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** The child process: migrates the catalog at a JDBC URL and prints what it applied. */
  public static final class MigrateMain {
    public static void main(String[] args) {
      PGSimpleDataSource db = new PGSimpleDataSource();
      db.setUrl(args[0]);
      db.setUser(args[1]);
      JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
      System.out.println("applied=" + catalog.migrate());
    }
  }
}
