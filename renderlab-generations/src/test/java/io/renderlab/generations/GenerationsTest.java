package io.renderlab.generations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.PredictionOutcomeUnknownException;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generations engine end to end on H2 and a folder store, against a fake Replicate that serves
 * the API's JSON and can lose create answers, answer at once ({@code Prefer: wait}) or serve an
 * output that is not an image.
 */
class GenerationsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "black-forest-labs/flux-schnell";

  @TempDir Path dir;

  private final MockWebServer fake = new MockWebServer();
  private final Map<String, JsonNode> inputs = new ConcurrentHashMap<>();
  private final Map<String, Instant> created = new ConcurrentHashMap<>();
  private final List<String> order = new CopyOnWriteArrayList<>();
  private final AtomicInteger predictionRequests = new AtomicInteger();
  private final AtomicInteger fileRequests = new AtomicInteger();
  private volatile boolean loseAnswers;
  private volatile boolean htmlOutputs;
  private byte[] png;

  private JdbcImageCatalog catalog;
  private ReplicateClient replicate;
  private Ingestor ingestor;
  private final List<Generations> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    png = out.toByteArray();
    fake.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            return answer(r);
          }
        });
    fake.start(InetAddress.getLoopbackAddress(), 0);
    JdbcDataSource ds = new JdbcDataSource();
    dataSource = ds;
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    replicate =
        ReplicateClient.builder()
            .token("r8_test")
            .baseUrl(fake.url("/v1").toString())
            .retryPolicy(RetryPolicy.none())
            .build();
    ingestor =
        Ingestor.builder()
            .store(FolderImageStore.of(dir.resolve("store")))
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .retryPolicy(RetryPolicy.none())
            .build();
  }

  @AfterEach
  void tearDown() throws IOException {
    clients.forEach(Generations::close);
    replicate.close();
    fake.close();
  }

  private Generations client(String instance, EventListener listener) {
    Generations g =
        Generations.builder()
            .replicate(replicate)
            .ingestor(ingestor)
            .store(catalog.generations())
            .instanceId(instance)
            .leaseDuration(Duration.ofSeconds(30))
            .retryPolicy(RetryPolicy.builder().maxAttempts(2).build())
            .listener(listener)
            .build();
    clients.add(g);
    return g;
  }

  private static GenerationRequest request(String user, String prompt) {
    return GenerationRequest.builder()
        .userId(user)
        .prompt(prompt)
        .prediction(PredictionRequest.model(MODEL).put("prompt", prompt).build())
        .build();
  }

  @Test
  void aFastModelCostsOneReplicateRequestAndItsOutputIsStoredOnce() {
    Generations generations = client("a", EventListener.NONE);

    List<ImageRecord> records = generations.run(request("ada", "a red bicycle"));

    assertThat(records).hasSize(1);
    assertThat(predictionRequests.get()).as("one create, held by Prefer: wait").isEqualTo(1);
    assertThat(fileRequests.get()).isEqualTo(1);
    assertThat(records.get(0).storageKey()).matches("ada/generated_[0-9a-f]{32}_0\\.png");
    assertThat(storedObjects()).isEqualTo(1);
  }

  @Test
  void twoUsersWithTheSamePromptWhoseCreateAnswersWereLostEachGetTheirOwnPrediction()
      throws Exception {
    bothLose(request("ada", "the same prompt"), request("bob", "the same prompt"));
  }

  @Test
  void twoUsersWhoseMasksWentAsDataUrisAndWhoseAnswersWereLostEachGetTheirOwnPrediction()
      throws Exception {
    // Replicate does not echo data: values, so the two creates look alike in the list.
    bothLose(
        withMask("ada", "data:image/png;base64,AAAA"),
        withMask("bob", "data:image/png;base64,BBBB"));
  }

  private static GenerationRequest withMask(String user, String mask) {
    return GenerationRequest.builder()
        .userId(user)
        .prompt("fill the sky")
        .prediction(
            PredictionRequest.model(MODEL).put("prompt", "fill the sky").put("mask", mask).build())
        .build();
  }

  private void bothLose(GenerationRequest first, GenerationRequest second) throws Exception {
    loseAnswers = true;
    Generations a = client("a", EventListener.NONE);
    GenerationHandle ada = a.submit(first);
    GenerationHandle bob = a.submit(second);
    for (GenerationHandle h : List.of(ada, bob)) {
      assertThat(h.records())
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(PredictionOutcomeUnknownException.class);
    }
    assertThat(order).hasSize(2);
    String adas = order.get(0);
    String bobs = order.get(1);

    loseAnswers = false;
    a.close();
    Generations recovery = client("b", EventListener.NONE);
    // The lost creates were given back for 30 s; a worker whose clock has passed that takes them.
    catalog.generations().release("a");
    forceDue(ada.id());
    forceDue(bob.id());
    RecoveryPass pass = recovery.recover(10);

    assertThat(pass.succeeded()).isEqualTo(2);
    assertThat(recovery.find(ada.id()).orElseThrow().predictionId()).hasValue(adas);
    assertThat(recovery.find(bob.id()).orElseThrow().predictionId()).hasValue(bobs);
    assertThat(catalog.history(HistoryQuery.of("ada")).images())
        .singleElement()
        .satisfies(r -> assertThat(r.predictionId()).hasValue(adas));
    assertThat(catalog.history(HistoryQuery.of("bob")).images())
        .singleElement()
        .satisfies(r -> assertThat(r.predictionId()).hasValue(bobs));
    assertThat(predictionRequestsOfKind("POST")).as("no create sent twice").isEqualTo(2);
  }

  @Test
  void anOutputThatIsNotAnImageEndsTheGenerationFailedWithItsReasonAndNothingStored() {
    htmlOutputs = true;
    List<String> givenUp = new CopyOnWriteArrayList<>();
    Generations generations =
        client(
            "a",
            new EventListener() {
              @Override
              public void generationGivenUp(UUID id, String reason) {
                givenUp.add(reason);
              }
            });

    GenerationHandle handle = generations.submit(request("ada", "html please"));

    assertThat(handle.records()).failsWithin(Duration.ofSeconds(10));
    Generation g = generations.find(handle.id()).orElseThrow();
    assertThat(g.status()).isEqualTo(GenerationStatus.FAILED);
    assertThat(g.error()).hasValueSatisfying(e -> assertThat(e).containsIgnoringCase("image"));
    assertThat(givenUp).hasSize(1);
    assertThat(generations.recover(10).resumed()).as("nothing left to retry").isZero();
    assertThat(storedObjects()).isZero();
  }

  @Test
  void aCanceledGenerationCancelsItsPredictionAndRecordsNothing() throws Exception {
    Generations generations = client("a", EventListener.NONE);
    slow = true;
    GenerationHandle handle = generations.submit(request("ada", "slow"));
    assertThat(firstPoll.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

    Generation canceled = generations.cancel(handle.id()).orElseThrow();

    assertThat(canceled.status()).isEqualTo(GenerationStatus.CANCELED);
    assertThat(cancels.get()).isEqualTo(1);
    assertThat(handle.records()).failsWithin(Duration.ofSeconds(10));
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).isEmpty();
    assertThatThrownBy(() -> generations.cancel(null)).isInstanceOf(NullPointerException.class);
  }

  // --- the fake ---

  private volatile boolean slow;
  private final java.util.concurrent.Semaphore firstPoll = new java.util.concurrent.Semaphore(0);
  private final AtomicInteger cancels = new AtomicInteger();
  private final Map<String, String> status = new ConcurrentHashMap<>();
  private final List<String> methods = new CopyOnWriteArrayList<>();

  private int predictionRequestsOfKind(String method) {
    return (int) methods.stream().filter(method::equals).count();
  }

  private MockResponse answer(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    try {
      if (path.startsWith("/files/")) {
        fileRequests.incrementAndGet();
        if (htmlOutputs) {
          return new MockResponse.Builder()
              .addHeader("Content-Type", "text/html")
              .body("<html><body>not an image</body></html>")
              .build();
        }
        return new MockResponse.Builder()
            .addHeader("Content-Type", "image/png")
            .body(new Buffer().write(png))
            .build();
      }
      if (r.getMethod().equals("POST") && path.equals("/v1/models/" + MODEL + "/predictions")) {
        predictionRequests.incrementAndGet();
        methods.add("POST");
        JsonNode body = JSON.readTree(r.getBody().utf8());
        String id = "p" + (order.size() + 1) + UUID.randomUUID().toString().substring(0, 6);
        inputs.put(id, body.path("input"));
        created.put(id, Instant.now());
        order.add(id);
        status.put(id, slow ? "starting" : "succeeded");
        if (loseAnswers) {
          return new MockResponse.Builder()
              .onResponseStart(new SocketEffect.CloseSocket(true, false, false))
              .build();
        }
        return json(201, render(id));
      }
      if (r.getMethod().equals("GET") && path.equals("/v1/predictions") && loseAnswers) {
        return json(503, "{\"detail\":\"unavailable\",\"status\":503}");
      }
      if (r.getMethod().equals("GET") && path.equals("/v1/predictions")) {
        List<String> results = new ArrayList<>();
        for (int i = order.size() - 1; i >= 0; i--) {
          results.add(render(order.get(i)));
        }
        return json(200, "{\"next\":null,\"results\":[" + String.join(",", results) + "]}");
      }
      if (path.startsWith("/v1/predictions/") && path.endsWith("/cancel")) {
        String id = path.split("/")[3];
        cancels.incrementAndGet();
        status.put(id, "canceled");
        return json(200, render(id));
      }
      if (r.getMethod().equals("GET") && path.startsWith("/v1/predictions/")) {
        predictionRequests.incrementAndGet();
        methods.add("GET");
        String id = path.substring("/v1/predictions/".length());
        if (!inputs.containsKey(id)) {
          return json(404, "{\"detail\":\"Not found.\",\"status\":404}");
        }
        firstPoll.release();
        if (!slow && status.get(id).equals("starting")) {
          status.put(id, "succeeded");
        }
        return json(200, render(id));
      }
      return new MockResponse.Builder().code(404).build();
    } catch (IOException e) {
      return new MockResponse.Builder().code(500).build();
    }
  }

  private String render(String id) {
    boolean done = "succeeded".equals(status.get(id));
    String output = done ? "[\"" + fake.url("/files/" + id + ".png") + "\"]" : "null";
    return "{\"id\":\""
        + id
        + "\",\"model\":\""
        + MODEL
        + "\",\"version\":\"hidden\",\"input\":"
        + echoed(inputs.get(id))
        + ",\"logs\":\"\",\"output\":"
        + output
        + ",\"data_removed\":false,\"error\":null,\"status\":\""
        + status.get(id)
        + "\",\"source\":\"api\",\"created_at\":\""
        + created.get(id)
        + "\",\"urls\":{\"get\":\""
        + fake.url("/v1/predictions/" + id)
        + "\",\"cancel\":\""
        + fake.url("/v1/predictions/" + id + "/cancel")
        + "\"}}";
  }

  /** The input as Replicate shows it: data: values are not echoed. */
  private static JsonNode echoed(JsonNode input) {
    com.fasterxml.jackson.databind.node.ObjectNode copy =
        (com.fasterxml.jackson.databind.node.ObjectNode) input.deepCopy();
    copy.properties()
        .removeIf(f -> f.getValue().isTextual() && f.getValue().asText().startsWith("data:"));
    return copy;
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  private void forceDue(UUID id) throws Exception {
    try (var c = catalogConnection();
        var ps = c.prepareStatement("UPDATE generations SET run_after = ? WHERE id = ?")) {
      ps.setObject(1, java.time.OffsetDateTime.now().minusSeconds(1));
      ps.setObject(2, id);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }

  private java.sql.Connection catalogConnection() throws java.sql.SQLException {
    return dataSource.getConnection();
  }

  private JdbcDataSource dataSource;

  private long storedObjects() {
    Path root = dir.resolve("store");
    if (!Files.exists(root)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.toString().contains("thumbs"))
          .count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
