package io.renderlab.generations.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.PredictionOutcomeUnknownException;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.testing.FakeReplicate;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pairing of lost creates with their predictions when two users sent the same request: a peer
 * that claims its prediction while this generation's lookup runs must not hand this generation the
 * peer's prediction (the claim would then fail, and the generation would wait for nothing).
 */
class LostCreatesTest {
  private static final String MODEL = "black-forest-labs/flux-schnell";

  private final FakeReplicate fake = FakeReplicate.start();
  private ReplicateClient replicate;

  @AfterEach
  void tearDown() {
    if (replicate != null) {
      replicate.close();
    }
    fake.close();
  }

  @Test
  void aPeerClaimingItsPredictionBetweenTheLookupsReadsLeavesThisGenerationItsOwn() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    GenerationStore store = catalog.generations();
    replicate =
        ReplicateClient.builder()
            .token("r8_test")
            .baseUrl(fake.baseUrl())
            .retryPolicy(RetryPolicy.none())
            .build();

    // Two users send the same create; both answers are lost, so neither row holds a prediction.
    fake.loseCreateAnswers();
    PredictionRequest request =
        PredictionRequest.model(MODEL).put("prompt", "a lighthouse").build();
    Generation ada = write(store, "ada", request);
    Generation bob = write(store, "bob", request);
    assertThat(fake.predictionIds()).hasSize(2);
    String adas = fake.predictionIds().get(0);
    String bobs = fake.predictionIds().get(1);

    // Ada's worker claims her prediction at the worst moment of Bob's lookup: between its reads.
    for (String between : List.of("awaitingPrediction", "findByPrediction")) {
      GenerationStore racing = claimingBefore(between, store, ada.id(), adas);
      Generation bobNow = store.find(bob.id()).orElseThrow();
      assertThat(new LostCreates(racing).find(bobNow, replicate))
          .as("Ada claims hers just before Bob's lookup calls %s", between)
          .hasValueSatisfying(p -> assertThat(p.id()).isEqualTo(bobs));
      reset(ds, ada.id());
    }
  }

  /** Writes a generation's row and sends its create, whose answer the fake loses. */
  private Generation write(GenerationStore store, String user, PredictionRequest request) {
    Generation g =
        store.create(
            Generation.builder()
                .id(UUID.randomUUID())
                .userId(user)
                .kind(GenerationKind.GENERATE)
                .model(MODEL)
                .prompt("a lighthouse")
                .inputJson(request.input().rawJson())
                .deadline(java.time.Instant.now().plus(Duration.ofHours(1)))
                .build(),
            "worker",
            Duration.ofMinutes(1));
    try {
      replicate.predictions().create(request);
      throw new AssertionError("the fake was told to lose the create's answer");
    } catch (PredictionOutcomeUnknownException expected) {
      return g;
    }
  }

  /** The store, except that Ada's claim commits just before the first call of {@code method}. */
  private static GenerationStore claimingBefore(
      String method, GenerationStore store, UUID ada, String adas) {
    AtomicBoolean claimed = new AtomicBoolean();
    return (GenerationStore)
        Proxy.newProxyInstance(
            GenerationStore.class.getClassLoader(),
            new Class<?>[] {GenerationStore.class},
            (proxy, m, args) -> {
              if (m.getName().equals(method) && claimed.compareAndSet(false, true)) {
                assertThat(store.started(ada, adas)).isTrue();
              }
              try {
                return m.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Takes Ada's prediction back, so the next round starts with both creates unclaimed. */
  private static void reset(JdbcDataSource ds, UUID ada) {
    try (var c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE generations SET prediction_id = NULL, status = 'PENDING' WHERE id = ?")) {
      ps.setObject(1, ada);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}
