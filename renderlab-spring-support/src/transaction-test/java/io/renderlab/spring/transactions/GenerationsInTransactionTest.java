package io.renderlab.spring.transactions;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.SpringJdbcConnections;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.testing.FakeReplicate;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Durable generations never join the application's transaction: a generation run inside one
 * finishes (its row is visible to the threads that complete it) and its paid outputs stay recorded
 * when the application rolls back.
 */
class GenerationsInTransactionTest {
  @TempDir Path dir;

  @Test
  void aGenerationRunInsideATransactionFinishesAndOutlivesTheRollback() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(ds)).build();
    catalog.migrate();
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
    try (FakeReplicate fake = FakeReplicate.start();
        ReplicateClient replicate =
            ReplicateClient.builder().token("r8_t").baseUrl(fake.baseUrl()).build();
        Generations generations =
            Generations.builder()
                .replicate(replicate)
                .store(catalog.generations())
                .ingestor(
                    Ingestor.builder()
                        .store(FolderImageStore.of(dir))
                        .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
                        .build())
                .build()) {
      List<List<ImageRecord>> ran = new java.util.ArrayList<>();
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  tx.executeWithoutResult(
                      s -> {
                        ran.add(
                            generations.run(
                                GenerationRequest.builder()
                                    .userId("u")
                                    .prompt("p")
                                    .prediction(
                                        PredictionRequest.model("black-forest-labs/flux-schnell")
                                            .put("prompt", "p")
                                            .build())
                                    .build()));
                        throw new IllegalStateException("the application's own failure");
                      }))
          .hasMessage("the application's own failure");

      List<ImageRecord> records = ran.get(0);
      assertThat(records).hasSize(1);
      assertThat(catalog.find(records.get(0).id())).as("paid output kept").isPresent();
    }
  }
}
