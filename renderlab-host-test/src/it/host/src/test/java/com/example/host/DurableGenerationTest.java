package com.example.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.testing.FakeReplicate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host on the published modules only: an instance stops mid-generation without handing anything
 * back (as a SIGKILL would), a second instance on the same database finishes it, with one create.
 */
class DurableGenerationTest {
  @TempDir Path dir;

  @Test
  void aSecondInstanceFinishesWhatAStoppedOneStarted() {
    try (FakeReplicate fake = FakeReplicate.start();
        ReplicateClient replicate =
            ReplicateClient.builder().token("r8_host").baseUrl(fake.baseUrl()).build()) {
      DataSource db = new H2(dir.resolve("catalog"));
      JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(db).build();
      catalog.migrate();
      Ingestor ingestor =
          Ingestor.builder()
              .store(FolderImageStore.of(dir.resolve("images")))
              .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
              .build();
      fake.hold();
      Generations first = instance("first", replicate, ingestor, catalog);
      GenerationHandle handle =
          first.submit(
              GenerationRequest.builder()
                  .userId("user-1")
                  .prompt("a lighthouse")
                  .prediction(
                      PredictionRequest.model("black-forest-labs/flux-schnell")
                          .put("prompt", "a lighthouse")
                          .build())
                  .build());
      Instant giveUp = Instant.now().plusSeconds(30);
      while (first.find(handle.id()).orElseThrow().predictionId().isEmpty()) {
        assertTrue(Instant.now().isBefore(giveUp), "the create was answered");
        Thread.onSpinWait();
      }
      first.abandon(); // stops like a killed process: no lease handed back
      fake.release();

      Generations second = instance("second", replicate, ingestor, catalog);
      Generation g = second.find(handle.id()).orElseThrow();
      giveUp = Instant.now().plusSeconds(60);
      while (!g.status().isTerminal() && Instant.now().isBefore(giveUp)) {
        second.recover(10); // takes it once the first instance's lease lapses
        g = second.find(handle.id()).orElseThrow();
      }
      second.close();

      assertEquals(GenerationStatus.SUCCEEDED, g.status(), g.toString());
      assertEquals(1, second.records(handle.id()).size());
      assertEquals(1, fake.creates(), "one create");
    }
  }

  private static Generations instance(
      String name, ReplicateClient replicate, Ingestor ingestor, JdbcImageCatalog catalog) {
    return Generations.builder()
        .replicate(replicate)
        .ingestor(ingestor)
        .store(catalog.generations())
        .instanceId(name)
        .leaseDuration(Duration.ofSeconds(1))
        .build();
  }

  /** An H2 file database, a connection per call (what a host's pool would hand out). */
  private static final class H2 implements DataSource {
    private final String url;

    H2(Path file) {
      this.url = "jdbc:h2:file:" + file + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    public Connection getConnection() throws SQLException {
      return DriverManager.getConnection(url);
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return DriverManager.getConnection(url, user, password);
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return false;
    }
  }
}
