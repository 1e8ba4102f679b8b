package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.replicate.internal.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding the prediction a create with a lost answer started, against a fake that lists as
 * Replicate does: newest first, 100 a page, {@code created_after} (inclusive) and {@code
 * created_before} (exclusive) as the API reference defines them, absolute {@code next} links on
 * api.replicate.com, and {@code data:} inputs not echoed back as sent.
 */
class LostCreateTest {
  static final String TOKEN = "r8_LostCreateTestTokenNeverPrinted0123456789";
  static final String MASK =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
  static final Instant SENT = Instant.parse("2025-11-14T10:00:00Z");

  MockWebServer server;
  TestClocks.InstantScheduler scheduler;
  ReplicateClient client;
  String base;

  /** Newest first, as the list returns them. */
  final List<ObjectNode> predictions = new CopyOnWriteArrayList<>();

  final List<String> calls = new CopyOnWriteArrayList<>();
  final Map<String, String> cursors = new ConcurrentHashMap<>();
  final AtomicInteger creates = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            return answer(r);
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = server.url("/v1").toString();
    scheduler = new TestClocks.InstantScheduler();
    client =
        ReplicateClient.builder()
            .token(TOKEN)
            .baseUrl(base)
            .scheduler(scheduler)
            .clock(new MutableClock(SENT))
            .createsPerMinute(0)
            .validateInputs(false)
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    scheduler.shutdownNow();
    server.close();
  }

  MockResponse answer(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    calls.add(r.getMethod() + " " + path);
    if (r.getMethod().equals("POST")) {
      creates.incrementAndGet();
      return ReplicateClientTest.dropped(); // the create's answer is lost
    }
    if (path.equals("/v1/predictions")) {
      return list(r);
    }
    String id = path.substring("/v1/predictions/".length());
    ObjectNode p =
        predictions.stream().filter(n -> n.path("id").asText().equals(id)).findFirst().get();
    ObjectNode done = p.deepCopy();
    done.put("status", "succeeded");
    done.put("output", "https://replicate.delivery/xezq/" + id + "/out.png");
    return FakeReplicate.ok(done.toString());
  }

  MockResponse list(RecordedRequest r) {
    String cursor = r.getUrl().queryParameter("cursor");
    String after;
    String before;
    int offset;
    if (cursor == null) {
      after = r.getUrl().queryParameter("created_after");
      before = r.getUrl().queryParameter("created_before");
      offset = 0;
    } else {
      // An opaque cursor carries the filters, as Replicate's does.
      String[] state = cursors.get(cursor).split(" ");
      after = state[0];
      before = state[1];
      offset = Integer.parseInt(state[2]);
    }
    List<ObjectNode> window = new ArrayList<>();
    for (ObjectNode p : predictions) {
      Instant created = Instant.parse(p.path("created_at").asText());
      if ((after.equals("-") || !created.isBefore(Instant.parse(after)))
          && (before.equals("-") || created.isBefore(Instant.parse(before)))) {
        window.add(p);
      }
    }
    List<ObjectNode> page = window.subList(offset, Math.min(window.size(), offset + 100));
    String next = "null";
    if (offset + 100 < window.size()) {
      String c = "cD0" + cursors.size();
      cursors.put(
          c,
          (after == null ? "-" : after)
              + " "
              + (before == null ? "-" : before)
              + " "
              + (offset + 100));
      next = "\"https://api.replicate.com/v1/predictions?cursor=" + c + "\"";
    }
    List<String> bodies = new ArrayList<>();
    page.forEach(p -> bodies.add(p.toString()));
    return FakeReplicate.ok(
        "{\"previous\":null,\"next\":" + next + ",\"results\":[" + String.join(",", bodies) + "]}");
  }

  /** A listed prediction of nano-banana, created at {@code created}, echoing {@code input}. */
  ObjectNode listed(String id, Instant created, JsonNode input, String source) throws IOException {
    ObjectNode p =
        (ObjectNode)
            Transport.MAPPER.readTree(
                FakeReplicate.prediction(base, id, "processing", null, null, ""));
    p.set("input", input);
    p.put("created_at", created.toString());
    p.put("source", source);
    return p;
  }

  static ObjectNode input(String prompt, String mask) {
    ObjectNode in = Transport.MAPPER.createObjectNode();
    in.put("prompt", prompt);
    in.putArray("image_input").add("https://cdn.example.com/u/photo.png");
    if (mask != null) {
      in.put("mask", mask);
    }
    return in;
  }

  static PredictionRequest request() {
    return PredictionRequest.model("google/nano-banana")
        .input(JsonValue.parse(input("add a pool", MASK).toString()))
        .build();
  }

  @Test
  void aLostCreateWhoseMaskWentAsADataUriIsFoundBehind600NewerPredictions() throws Exception {
    // Replicate keeps the data: mask as a file and echoes its URL, not the data: URI.
    predictions.add(
        0,
        listed(
            "lost1",
            SENT.plusMillis(800),
            input("add a pool", "https://replicate.delivery/mgxm/mask.png"),
            "api"));
    for (int i = 0; i < 600; i++) {
      predictions.add(
          0,
          listed(
              "newer" + i,
              SENT.plusSeconds(2).plusMillis(10L * i),
              input("cat " + i, null),
              "api"));
    }
    // Outside the window: a week old identical request.
    predictions.add(
        listed("old", SENT.minus(Duration.ofDays(7)), input("add a pool", null), "api"));

    Prediction p = client.predictions().run(request(), Duration.ofMinutes(5));

    assertThat(p.id()).isEqualTo("lost1");
    assertThat(p.outputUrls()).containsExactly("https://replicate.delivery/xezq/lost1/out.png");
    assertThat(creates).as("never sent twice").hasValue(1);
    assertThat(calls)
        .containsExactly(
            "POST /v1/models/google/nano-banana/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions",
            "GET /v1/predictions/lost1");
    RecordedRequest create = server.takeRequest();
    assertThat(create.getMethod()).isEqualTo("POST");
    RecordedRequest first = server.takeRequest();
    assertThat(first.getUrl().queryParameter("created_after")).isEqualTo("2025-11-14T09:58:00Z");
    assertThat(first.getUrl().queryParameter("created_before"))
        .isEqualTo("2025-11-14T10:03:30Z"); // sent + 30 s request + 60 s wait + 2 min
  }

  @Test
  void allCandidatesAreReturnedOldestFirstForTheCallerToPair() throws Exception {
    predictions.add(0, listed("a", SENT.plusSeconds(1), input("add a pool", null), "api"));
    predictions.add(0, listed("web", SENT.plusSeconds(2), input("add a pool", null), "web"));
    predictions.add(0, listed("b", SENT.plusSeconds(3), input("add a pool", null), "api"));
    ObjectNode extra = input("add a pool", null);
    extra.put("seed", 3);
    predictions.add(0, listed("extra-field", SENT.plusSeconds(4), extra, "api"));
    predictions.add(0, listed("other-prompt", SENT.plusSeconds(5), input("a lake", null), "api"));
    ObjectNode otherModel =
        listed("other-model", SENT.plusSeconds(6), input("add a pool", null), "api");
    otherModel.put("model", "black-forest-labs/flux-fill-pro");
    predictions.add(0, otherModel);

    List<Prediction> found = client.predictions().findLostCandidates(request(), SENT);

    assertThat(found).extracting(Prediction::id).containsExactly("a", "b");
    assertThat(creates).hasValue(0);
  }
}
