package io.renderlab.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.renderlab.replicate.WebhookVerifier;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Replicate's HTTP API on loopback, for a host's tests: it speaks the real API's JSON (predictions
 * created on the model, version and deployment endpoints, read, listed newest first with {@code
 * created_after}/{@code created_before} and absolute {@code next} links, canceled; {@code Prefer:
 * wait} honoured), serves each output as a PNG, and signs webhook deliveries the way Replicate
 * does. It can be told to lose create answers, hold predictions running, and fail, cancel, or
 * delete outputs by prompt. Nothing leaves the machine.
 *
 * <p>Outcomes by prompt: a prompt containing {@code fail} fails ({@code "NSFW content detected"}),
 * {@code cancel} ends {@code canceled}, {@code removed} succeeds with {@code data_removed: true},
 * {@code gone} succeeds with an output URL that answers 404, {@code html} with one that serves an
 * HTML page. Everything else succeeds with one PNG output.
 *
 * <pre>{@code
 * try (FakeReplicate fake = FakeReplicate.start()) {
 *   ReplicateClient replicate = ReplicateClient.builder().token("r8_test").baseUrl(fake.baseUrl()).build();
 *   ... run the code under test ...
 *   assertThat(fake.creates()).isEqualTo(1);
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the server. It runs on the JDK's own HTTP server (module
 * {@code jdk.httpserver}), so it adds nothing to a host's test class path but this module and
 * Jackson.
 */
public final class FakeReplicate implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The page size of the prediction list (Replicate's is 100). */
  public static final int PAGE_SIZE = 100;

  private final HttpServer server;
  private final ExecutorService executor;
  private final String origin;
  private final String webhookSecret = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWZha2UtcmVwbGljYXRl";
  private final Map<String, Entry> predictions = new ConcurrentHashMap<>();
  private final List<Entry> order = new CopyOnWriteArrayList<>();
  private final AtomicInteger creates = new AtomicInteger();
  private final AtomicInteger predictionRequests = new AtomicInteger();
  private final AtomicInteger fileRequests = new AtomicInteger();
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<String, JsonNode> models = new ConcurrentHashMap<>();
  private final byte[] png;
  private volatile boolean held;
  private volatile boolean loseCreateAnswers;

  private static final class Entry {
    final String id;
    final String model;
    final String version;
    final String deployment;
    final JsonNode input;
    final Instant createdAt;
    final String webhook;
    volatile String status = "starting";

    Entry(
        String id,
        String model,
        String version,
        String deployment,
        JsonNode input,
        String webhook) {
      this.id = id;
      this.model = model;
      this.version = version;
      this.deployment = deployment;
      this.input = input;
      this.webhook = webhook;
      this.createdAt = Instant.now();
    }
  }

  private FakeReplicate(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
    this.origin = "http://127.0.0.1:" + server.getAddress().getPort();
    png = png(Color.ORANGE);
  }

  /**
   * Starts a fake on a free loopback port.
   *
   * @throws UncheckedIOException if no port can be bound
   */
  public static FakeReplicate start() {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the fake Replicate", e);
    }
    ExecutorService executor =
        Executors.newCachedThreadPool(
            task -> {
              Thread t = new Thread(task, "fake-replicate");
              t.setDaemon(true);
              return t;
            });
    FakeReplicate fake = new FakeReplicate(server, executor);
    server.setExecutor(executor);
    server.createContext("/", fake::handle);
    server.start();
    return fake;
  }

  /** The API base URL to give the client ({@code http://127.0.0.1:PORT/v1}). */
  public String baseUrl() {
    return origin + "/v1";
  }

  /** The secret webhook deliveries are signed with (give it to the host's verifier). */
  public String webhookSecret() {
    return webhookSecret;
  }

  /** Keeps new and running predictions {@code processing} until {@link #release()}. */
  public FakeReplicate hold() {
    held = true;
    return this;
  }

  /** Lets held predictions end (at their next read). */
  public FakeReplicate release() {
    held = false;
    return this;
  }

  /**
   * From now on, a create starts its prediction and then drops the connection before answering, as
   * a network failure after the request reached Replicate would; {@link #answerCreates()} ends it.
   */
  public FakeReplicate loseCreateAnswers() {
    loseCreateAnswers = true;
    return this;
  }

  /** From now on, creates are answered again (the default). */
  public FakeReplicate answerCreates() {
    loseCreateAnswers = false;
    return this;
  }

  /**
   * Serves a model at {@code GET /v1/models/{owner}/{name}}, as the API's model object (with {@code
   * latest_version.openapi_schema}): the client then checks inputs against its schema. Unregistered
   * models answer 404 there (inputs go unchecked).
   *
   * @throws IllegalArgumentException if the JSON is not a model object with {@code owner} and
   *     {@code name}
   */
  public FakeReplicate model(String modelJson) {
    try {
      JsonNode model = JSON.readTree(modelJson);
      if (!model.path("owner").isTextual() || !model.path("name").isTextual()) {
        throw new IllegalArgumentException("a model object needs 'owner' and 'name'");
      }
      models.put(model.path("owner").asText() + "/" + model.path("name").asText(), model);
      return this;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Predictions created so far (including those whose answer was lost). */
  public int creates() {
    return creates.get();
  }

  /**
   * Requests to the predictions endpoints so far: creates, reads, lists and cancels (what costs
   * money or counts against rate limits; model and schema reads are not counted).
   */
  public int predictionRequests() {
    return predictionRequests.get();
  }

  /** Requests for output files so far. */
  public int fileRequests() {
    return fileRequests.get();
  }

  /** The ids of the predictions created, oldest first. */
  public List<String> predictionIds() {
    List<String> out = new ArrayList<>();
    order.forEach(e -> out.add(e.id));
    return out;
  }

  /** A prediction as the API shows it now, if it exists. */
  public Optional<String> predictionJson(String id) {
    Entry e = predictions.get(id);
    return e == null ? Optional.empty() : Optional.of(render(e).toString());
  }

  /**
   * A signed delivery of the prediction as it is now, as Replicate would POST it to its webhook:
   * the body and the {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature}
   * headers.
   *
   * @throws IllegalArgumentException if there is no such prediction
   */
  public WebhookDelivery delivery(String predictionId) {
    Entry e = predictions.get(predictionId);
    if (e == null) {
      throw new IllegalArgumentException("no prediction " + predictionId);
    }
    settle(e);
    byte[] body = render(e).toString().getBytes(StandardCharsets.UTF_8);
    String messageId = "msg_" + e.id;
    long timestamp = Instant.now().getEpochSecond();
    String signature = WebhookVerifier.of(webhookSecret).signature(messageId, timestamp, body);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("webhook-id", messageId);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    headers.put("webhook-signature", signature);
    headers.put("Content-Type", "application/json");
    return new WebhookDelivery(Optional.ofNullable(e.webhook), headers, body);
  }

  /** A request as the dispatcher reads it. */
  private record Request(
      String method, String path, Map<String, String> query, String prefer, byte[] body) {}

  /** An answer; {@code drop} closes the connection without one. */
  private record Answer(int code, String contentType, byte[] body, boolean drop) {
    static Answer of(int code, String contentType, String body) {
      return new Answer(code, contentType, body.getBytes(StandardCharsets.UTF_8), false);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Request request =
          new Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              query(exchange.getRequestURI().getRawQuery()),
              exchange.getRequestHeaders().getFirst("Prefer"),
              body);
      Answer answer = answer(request);
      if (answer.drop) {
        return; // closing an exchange that sent no headers drops the connection
      }
      if (answer.contentType != null) {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType);
      }
      exchange.sendResponseHeaders(answer.code, answer.body.length == 0 ? -1 : answer.body.length);
      if (answer.body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body);
        }
      }
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }

  private Answer answer(Request r) {
    String path = r.path();
    String method = r.method();
    try {
      if (path.startsWith("/files/")) {
        fileRequests.incrementAndGet();
        if (path.contains("gone")) {
          return Answer.of(404, "text/plain", "Not found");
        }
        if (path.contains("html")) {
          return Answer.of(
              200,
              "text/html; charset=utf-8",
              "<!doctype html><html><body>Not an image</body></html>");
        }
        return new Answer(200, "image/png", png, false);
      }
      if (!path.startsWith("/v1/")) {
        return notFound();
      }
      if (method.equals("GET")
          && path.startsWith("/v1/models/")
          && !path.endsWith("/predictions")) {
        // A model (its latest version's input schema): as registered, else unknown.
        String name = path.substring("/v1/models/".length());
        JsonNode model = models.get(name);
        return model == null ? notFound() : json(200, model);
      }
      predictionRequests.incrementAndGet();
      if (method.equals("POST") && path.endsWith("/predictions")) {
        return create(r, path);
      }
      if (method.equals("GET") && path.equals("/v1/predictions")) {
        return list(r);
      }
      if (method.equals("POST")
          && path.startsWith("/v1/predictions/")
          && path.endsWith("/cancel")) {
        Entry e = predictions.get(path.split("/")[3]);
        if (e == null) {
          return notFound();
        }
        if (!terminal(e.status)) {
          e.status = "canceled";
        }
        return json(200, render(e));
      }
      if (method.equals("GET") && path.startsWith("/v1/predictions/")) {
        Entry e = predictions.get(path.substring("/v1/predictions/".length()));
        if (e == null) {
          return notFound();
        }
        settle(e);
        return json(200, render(e));
      }
      return notFound();
    } catch (IOException e) {
      return new Answer(500, null, new byte[0], false);
    }
  }

  private Answer create(Request r, String path) throws IOException {
    JsonNode body = JSON.readTree(r.body());
    if (body == null || !body.path("input").isObject()) {
      return json(
          422, JSON.createObjectNode().put("detail", "input is required").put("status", 422));
    }
    String model = null;
    String version = null;
    String deployment = null;
    if (path.startsWith("/v1/models/")) {
      model = path.substring("/v1/models/".length(), path.length() - "/predictions".length());
    } else if (path.startsWith("/v1/deployments/")) {
      deployment =
          path.substring("/v1/deployments/".length(), path.length() - "/predictions".length());
      model = deployment;
    } else if (path.equals("/v1/predictions") && body.path("version").isTextual()) {
      version = body.path("version").asText();
      int colon = version.indexOf(':');
      if (colon >= 0) {
        model = version.substring(0, colon);
        version = version.substring(colon + 1);
      }
    } else {
      return json(
          422, JSON.createObjectNode().put("detail", "version is required").put("status", 422));
    }
    String webhook = body.path("webhook").isTextual() ? body.path("webhook").asText() : null;
    String id = String.format(Locale.ROOT, "fake%06d", ids.incrementAndGet());
    Entry e = new Entry(id, model, version, deployment, body.path("input"), webhook);
    predictions.put(id, e);
    order.add(e);
    creates.incrementAndGet();
    String prefer = r.prefer();
    if (prefer != null && prefer.toLowerCase(Locale.ROOT).startsWith("wait")) {
      settle(e); // a prediction that ends at once is answered ended: one request
    }
    if (loseCreateAnswers) {
      return new Answer(0, null, new byte[0], true);
    }
    return json(201, render(e));
  }

  private Answer list(Request r) {
    Instant after = instant(r.query().get("created_after"));
    Instant before = instant(r.query().get("created_before"));
    String cursor = r.query().get("cursor");
    int from = cursor == null ? 0 : Integer.parseInt(cursor);
    List<Entry> newestFirst = new ArrayList<>();
    for (int i = order.size() - 1; i >= 0; i--) {
      Entry e = order.get(i);
      if ((after == null || !e.createdAt.isBefore(after))
          && (before == null || e.createdAt.isBefore(before))) {
        newestFirst.add(e);
      }
    }
    ObjectNode page = JSON.createObjectNode();
    ArrayNode results = page.putArray("results");
    int to = Math.min(newestFirst.size(), from + PAGE_SIZE);
    for (int i = from; i < to; i++) {
      results.add(render(newestFirst.get(i)));
    }
    if (to < newestFirst.size()) {
      // Absolute, on Replicate's own host, as the real API writes them.
      StringBuilder next =
          new StringBuilder("https://api.replicate.com/v1/predictions?cursor=").append(to);
      if (after != null) {
        next.append("&created_after=").append(after);
      }
      if (before != null) {
        next.append("&created_before=").append(before);
      }
      page.put("next", next.toString());
    } else {
      page.putNull("next");
    }
    page.putNull("previous");
    return json(200, page);
  }

  private static Instant instant(String value) {
    return value == null || value.isBlank() ? null : Instant.parse(value);
  }

  /** Moves a prediction to its end when it is not held. */
  private void settle(Entry e) {
    if (terminal(e.status) || held) {
      if (!terminal(e.status)) {
        e.status = "processing";
      }
      return;
    }
    String prompt = e.input.path("prompt").asText("");
    e.status =
        prompt.contains("fail") ? "failed" : prompt.contains("cancel") ? "canceled" : "succeeded";
  }

  private static boolean terminal(String status) {
    return status.equals("succeeded")
        || status.equals("failed")
        || status.equals("canceled")
        || status.equals("aborted");
  }

  private ObjectNode render(Entry e) {
    String prompt = e.input.path("prompt").asText("");
    boolean succeeded = e.status.equals("succeeded");
    ObjectNode p = JSON.createObjectNode();
    p.put("id", e.id);
    p.put("model", e.model == null ? "" : e.model);
    p.put("version", e.version == null ? "hidden" : e.version);
    if (e.deployment != null) {
      p.put("deployment", e.deployment);
    }
    // Replicate does not echo data: URIs back.
    ObjectNode input = e.input.deepCopy();
    input
        .properties()
        .removeIf(f -> f.getValue().isTextual() && f.getValue().asText().startsWith("data:"));
    p.set("input", input);
    p.put("logs", "");
    if (succeeded) {
      String file = prompt.contains("gone") ? "gone-" : prompt.contains("html") ? "html-" : "";
      p.putArray("output").add(origin + "/files/" + file + e.id + ".png");
    } else {
      p.putNull("output");
    }
    p.put("data_removed", succeeded && prompt.contains("removed"));
    if (e.status.equals("failed")) {
      p.put("error", "NSFW content detected");
    } else {
      p.putNull("error");
    }
    p.put("status", e.status);
    p.put("source", "api");
    p.put("created_at", e.createdAt.toString());
    if (terminal(e.status)) {
      p.put("completed_at", Instant.now().toString());
      p.putObject("metrics").put("predict_time", 0.1);
    } else {
      p.putObject("metrics");
    }
    if (e.webhook != null) {
      p.put("webhook", e.webhook);
    }
    ObjectNode urls = p.putObject("urls");
    urls.put("get", baseUrl() + "/predictions/" + e.id);
    urls.put("cancel", baseUrl() + "/predictions/" + e.id + "/cancel");
    urls.put("stream", "https://stream.replicate.com/v1/files/" + e.id);
    return p;
  }

  private static Answer json(int code, JsonNode body) {
    return Answer.of(code, "application/json", body.toString());
  }

  private static Answer notFound() {
    return json(404, JSON.createObjectNode().put("detail", "Not found.").put("status", 404));
  }

  private static byte[] png(Color color) {
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        image.setRGB(x, y, color.getRGB() ^ (x * 3 + y * 5));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "FakeReplicate{" + baseUrl() + ", predictions=" + order.size() + '}';
  }
}
