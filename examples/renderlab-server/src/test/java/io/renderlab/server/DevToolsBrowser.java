package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol with nothing but {@code
 * java.net.http}: no WebDriver, no browser download. Test support only.
 */
final class DevToolsBrowser implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
  private final List<String> stderr = java.util.Collections.synchronizedList(new ArrayList<>());

  private DevToolsBrowser(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** The Chromium binary: {@code $CHROMIUM}, else the first of the usual names on the PATH. */
  static Optional<Path> findChromium() {
    String configured = System.getenv("CHROMIUM");
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String name :
        List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts Chromium headless with a fresh profile and attaches to its first page. */
  static DevToolsBrowser launch(Path chromium, int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("renderlab-chromium-");
    List<String> command =
        List.of(
            chromium.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--user-data-dir=" + profile,
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "--window-size=" + width + "," + height,
            "about:blank");
    Process process =
        new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader err =
        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> browserUrl = new CompletableFuture<>();
    List<String> early = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try {
                for (String line; (line = err.readLine()) != null; ) {
                  early.add(line);
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    browserUrl.complete(m.group(1));
                  }
                }
              } catch (IOException ignored) {
                // the process ended
              }
              browserUrl.completeExceptionally(
                  new IllegalStateException("Chromium exited: " + String.join("\n", early)));
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      URI ws = URI.create(browserUrl.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      HttpClient http = HttpClient.newHttpClient();
      URI list = URI.create("http://" + ws.getHost() + ":" + ws.getPort() + "/json/list");
      JsonNode targets =
          JSON.readTree(
              http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                  .body());
      String pageUrl = null;
      for (JsonNode t : targets) {
        if ("page".equals(t.path("type").asText())) {
          pageUrl = t.path("webSocketDebuggerUrl").asText();
          break;
        }
      }
      if (pageUrl == null) {
        throw new IllegalStateException("Chromium has no page target: " + targets);
      }
      DevToolsBrowser[] self = new DevToolsBrowser[1];
      WebSocket socket =
          http.newWebSocketBuilder()
              .buildAsync(
                  URI.create(pageUrl),
                  new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(
                        WebSocket webSocket, CharSequence data, boolean last) {
                      text.append(data);
                      if (last) {
                        String message = text.toString();
                        text.setLength(0);
                        self[0].onMessage(message);
                      }
                      webSocket.request(1);
                      return null;
                    }
                  })
              .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      DevToolsBrowser browser = new DevToolsBrowser(process, profile, socket);
      self[0] = browser;
      browser.stderr.addAll(early);
      return browser;
    } catch (Exception e) {
      process.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  private void onMessage(String message) {
    try {
      JsonNode node = JSON.readTree(message);
      if (node.has("id")) {
        CompletableFuture<JsonNode> call = calls.remove(node.get("id").asInt());
        if (call != null) {
          if (node.has("error")) {
            call.completeExceptionally(
                new IllegalStateException("DevTools error: " + node.get("error")));
          } else {
            call.complete(node.path("result"));
          }
        }
      }
    } catch (IOException e) {
      calls.values().forEach(c -> c.completeExceptionally(e));
    }
  }

  /** Sends one DevTools command and waits for its result. */
  JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    calls.put(id, result);
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", params == null ? JSON.createObjectNode() : params);
    socket.sendText(message.toString(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  static ObjectNode params() {
    return JSON.createObjectNode();
  }

  /** Loads a URL and waits for the load event. */
  void navigate(String url) throws Exception {
    call("Page.enable", null);
    call("Page.navigate", params().put("url", url));
    evaluate(
        "new Promise(r => document.readyState === 'complete' ? r(true) : addEventListener('load', () => r(true)))");
  }

  /**
   * Evaluates an expression in the page, awaiting it if it is a promise; returns its JSON value.
   */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result =
        call(
            "Runtime.evaluate",
            params()
                .put("expression", expression)
                .put("awaitPromise", true)
                .put("returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("Page script failed: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /**
   * Waits until a page expression is truthy, checking in the page every 100 ms, up to the timeout;
   * then returns its last value.
   */
  JsonNode waitFor(String expression, Duration timeout) throws Exception {
    String js =
        "new Promise((resolve, reject) => { const until = Date.now() + "
            + timeout.toMillis()
            + ";"
            + " const check = () => { let v; try { v = ("
            + expression
            + "); } catch (e) { v = false; }"
            + " if (v) resolve(v); else if (Date.now() > until) reject(new Error('timed out waiting for: ' + "
            + JSON.writeValueAsString(expression)
            + ")); else setTimeout(check, 100); }; check(); })";
    return evaluate(js);
  }

  /** Puts a local file into an {@code <input type=file>} as if the user had picked it. */
  void setFile(String selector, Path file) throws Exception {
    int root = call("DOM.getDocument", null).path("root").path("nodeId").asInt();
    int node =
        call("DOM.querySelector", params().put("nodeId", root).put("selector", selector))
            .path("nodeId")
            .asInt();
    if (node == 0) {
      throw new IllegalStateException("No element matches " + selector);
    }
    ObjectNode p = params().put("nodeId", node);
    p.putArray("files").add(file.toAbsolutePath().toString());
    call("DOM.setFileInputFiles", p);
  }

  /** A PNG screenshot of the viewport. */
  byte[] screenshot() throws Exception {
    return Base64.getDecoder()
        .decode(
            call("Page.captureScreenshot", params().put("format", "png")).path("data").asText());
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    } catch (RuntimeException ignored) {
      // the browser is being killed anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    deleteTree(profile);
  }

  /**
   * Best-effort removal of the profile folder. Chromium's helper processes can still be writing
   * into it after the browser process ended, so files may appear or vanish mid-walk: walk again a
   * few times, and never let the clean-up of a temporary folder fail a test.
   */
  private static void deleteTree(Path root) {
    for (int attempt = 0; attempt < 5 && Files.exists(root); attempt++) {
      try (Stream<Path> paths = Files.walk(root)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | java.io.UncheckedIOException ignored) {
        // something changed under the walk; the next attempt sees the new state
      }
    }
  }
}
