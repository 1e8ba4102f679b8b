package io.renderlab.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

/**
 * Replicate as a state machine on mockwebserver, answering with the API's JSON: creates start
 * {@code starting}, polls say {@code processing} until {@link #release()}, then the prediction
 * succeeds with a PNG on loopback. Prompts steer outcomes: {@code fail} fails, {@code removed}
 * succeeds with {@code data_removed: true}, {@code gone} succeeds with an output URL that answers
 * 404. {@code GET /predictions} lists them newest first (for the lost-create lookup). Shared with
 * the server's and the CLI's tests through this module's test-jar.
 */
public final class StatefulReplicate implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public final MockWebServer server = new MockWebServer();
  public final AtomicInteger creates = new AtomicInteger();
  public final CountDownLatch firstPoll = new CountDownLatch(1);

  /** One permit per prediction the first time it is polled (its prediction id is saved by then). */
  public final java.util.concurrent.Semaphore polled = new java.util.concurrent.Semaphore(0);

  private final java.util.Set<String> seenPolls = ConcurrentHashMap.newKeySet();
  private final byte[] png;
  private final Map<String, Entry> predictions = new ConcurrentHashMap<>();
  private final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean released;

  private static final class Entry {
    final String id;
    final JsonNode input;
    final Instant createdAt;
    volatile String status = "starting";

    Entry(String id, JsonNode input, Instant createdAt) {
      this.id = id;
      this.input = input;
      this.createdAt = createdAt;
    }
  }

  public StatefulReplicate(byte[] png, boolean releasedFromStart) throws IOException {
    this.png = png;
    this.released = releasedFromStart;
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            return answer(r);
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** Waits until {@code n} distinct predictions have been polled. */
  public boolean awaitPolled(int n, Duration timeout) throws InterruptedException {
    return polled.tryAcquire(n, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public String baseUrl() {
    return server.url("/v1").toString();
  }

  /** Lets running predictions end. */
  public void release() {
    released = true;
  }

  /**
   * Registers a prediction as if a create had been sent by a process that died before the answer.
   */
  public String startedElsewhere(JsonNode input) {
    Entry e = new Entry("lost" + creates.incrementAndGet(), input, Instant.now());
    predictions.put(e.id, e);
    order.add(0, e.id);
    return e.id;
  }

  private MockResponse answer(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    try {
      if (path.startsWith("/files/gone")) {
        return new MockResponse.Builder().code(404).body("Not found").build();
      }
      if (path.startsWith("/files/")) {
        return new MockResponse.Builder()
            .addHeader("Content-Type", "image/png")
            .body(new Buffer().write(png))
            .build();
      }
      if (r.getMethod().equals("POST")
          && path.endsWith("/predictions")
          && path.startsWith("/v1/models/")) {
        JsonNode body = JSON.readTree(r.getBody().utf8());
        Entry e = new Entry("gen" + creates.incrementAndGet(), body.path("input"), Instant.now());
        predictions.put(e.id, e);
        order.add(0, e.id);
        if (prompt(e).contains("fail")) {
          e.status = "failed";
        }
        return json(201, render(e));
      }
      if (r.getMethod().equals("GET") && path.equals("/v1/predictions")) {
        List<String> results = new ArrayList<>();
        for (String id : order) {
          results.add(render(predictions.get(id)));
        }
        return json(
            200,
            "{\"next\":null,\"previous\":null,\"results\":[" + String.join(",", results) + "]}");
      }
      if (path.startsWith("/v1/predictions/") && path.endsWith("/cancel")) {
        Entry e = predictions.get(path.split("/")[3]);
        if (e == null) {
          return json(404, "{\"detail\":\"Not found.\",\"status\":404}");
        }
        if (!e.status.equals("succeeded")) {
          e.status = "canceled";
        }
        return json(200, render(e));
      }
      if (r.getMethod().equals("GET") && path.startsWith("/v1/predictions/")) {
        Entry e = predictions.get(path.substring("/v1/predictions/".length()));
        if (e == null) {
          return json(404, "{\"detail\":\"Not found.\",\"status\":404}");
        }
        firstPoll.countDown();
        if (seenPolls.add(e.id)) {
          polled.release();
        }
        if (!e.status.equals("failed") && !e.status.equals("canceled")) {
          e.status = released ? "succeeded" : "processing";
        }
        return json(200, render(e));
      }
      return new MockResponse.Builder().code(404).build();
    } catch (IOException e) {
      return new MockResponse.Builder().code(500).build();
    }
  }

  private static String prompt(Entry e) {
    return e.input.path("prompt").asText("");
  }

  private String render(Entry e) {
    boolean done = e.status.equals("succeeded");
    String file = prompt(e).contains("gone") ? "gone-" + e.id : e.id;
    String output = done ? "\"" + server.url("/files/" + file + ".png") + "\"" : "null";
    String base = baseUrl();
    return "{\"id\":\""
        + e.id
        + "\",\"model\":\"google/nano-banana\",\"version\":\"hidden\",\"input\":"
        + e.input
        + ",\"logs\":\"\",\"output\":"
        + output
        + ",\"data_removed\":"
        + (done && prompt(e).contains("removed"))
        + ",\"error\":"
        + (e.status.equals("failed") ? "\"NSFW content detected\"" : "null")
        + ",\"status\":\""
        + e.status
        + "\",\"source\":\"api\",\"created_at\":\""
        + e.createdAt
        + "\""
        + ",\"urls\":{\"get\":\""
        + base
        + "/predictions/"
        + e.id
        + "\",\"cancel\":\""
        + base
        + "/predictions/"
        + e.id
        + "/cancel\"}}";
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
