package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.replicate.WebhookVerifier;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile traffic: unbounded and slow bodies, error shapes, browser headers, dev-user mode, fixed
 * configuration.
 */
class ServerHardeningTest {
  static final String SECRET = "test-secret-that-is-at-least-thirty-two-bytes";
  static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final int MIB = 1024 * 1024;
  @TempDir Path files;
  JdbcImageCatalog catalog;
  RenderLabServer server;
  final HttpClient http = HttpClient.newHttpClient();
  final TestTokens tokens = TestTokens.hs256(SECRET, Clock.systemUTC());

  RenderLabServer.Builder builder() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    return RenderLabServer.builder()
        .catalog(catalog, catalog.thumbnailJobs())
        .filesRoot(files)
        .port(0)
        .webhookSecret(WEBHOOK_SECRET);
  }

  RenderLabServer start(RenderLabServer.Builder b) {
    server = b.build().start();
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  String base() {
    return "http://127.0.0.1:" + server.port();
  }

  static JsonNode json(String body) throws IOException {
    return RenderLabServer.JSON.readTree(body);
  }

  /** A raw HTTP/1.1 exchange: the answer's status, headers and body, read from a socket. */
  record Answer(int status, Map<String, String> headers, String body) {}

  static Answer readAnswer(InputStream in) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.put(
          l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
    }
    String length = headers.get("content-length");
    byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed before the answer ended");
      }
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Streams a chunked body of up to {@code budget} bytes while reading the answer; returns the
   * answer and how many body bytes had been sent when it arrived.
   */
  record Streamed(Answer answer, long sentBeforeAnswer) {}

  Streamed streamChunked(String path, Map<String, String> headers, long budget) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head =
          new StringBuilder(
              "POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + server.port()
                  + "\r\nTransfer-Encoding: chunked\r\n");
      if (!headers.containsKey("Content-Type")) {
        head.append("Content-Type: application/json\r\n");
      }
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      AtomicLong sent = new AtomicLong();
      AtomicBoolean answered = new AtomicBoolean();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) ' ');
                byte[] size =
                    (Integer.toHexString(chunk.length) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                try {
                  while (!answered.get() && sent.get() < budget) {
                    out.write(size);
                    out.write(chunk);
                    out.write('\r');
                    out.write('\n');
                    sent.addAndGet(chunk.length);
                  }
                } catch (IOException e) {
                  // the server closed the connection: what we want once it has answered
                }
              });
      Answer answer = readAnswer(new BufferedInputStream(socket.getInputStream()));
      long before = sent.get();
      answered.set(true);
      socket.shutdownInput();
      writer.get(30, TimeUnit.SECONDS);
      return new Streamed(answer, before);
    }
  }

  @Test
  void anUnsignedChunkedWebhookIsRefusedBeforeItsBodyIsRead() throws Exception {
    start(builder().jwtSecret(SECRET));

    // The sender would go on to 1 GiB; the answer must come after at most socket buffers' worth.
    Streamed s = streamChunked("/api/webhooks/replicate", Map.of(), 1024L * MIB);

    assertThat(s.answer().status()).isEqualTo(401);
    assertThat(s.answer().headers().get("content-type")).startsWith("application/json");
    assertThat(json(s.answer().body()).get("error").asText()).contains("webhook-signature");
    assertThat(s.sentBeforeAnswer()).isLessThan(16L * MIB);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aWebhookWithPlausibleHeadersButAnEndlessChunkedBodyGets413AtTheCap() throws Exception {
    start(builder().jwtSecret(SECRET));
    long now = System.currentTimeMillis() / 1000;
    String sig = WebhookVerifier.of(WEBHOOK_SECRET).signature("msg_big", now, new byte[0]);

    Streamed s =
        streamChunked(
            "/api/webhooks/replicate",
            Map.of(
                "webhook-id",
                "msg_big",
                "webhook-timestamp",
                Long.toString(now),
                "webhook-signature",
                sig),
            256L * MIB);

    assertThat(s.answer().status()).isEqualTo(413);
    assertThat(json(s.answer().body()).get("error").asText()).contains("larger than");
    assertThat(s.sentBeforeAnswer()).isLessThan(RenderLabServer.MAX_JSON_BYTES + 16L * MIB);
  }

  @Test
  void aRouteThatReadsNoBodyAnswersAndClosesInsteadOfDrainingAnEndlessOne() throws Exception {
    start(builder().jwtSecret(SECRET));
    for (String path : List.of("/healthz", "/api/history", "/nowhere")) {
      Streamed s =
          streamChunked(
              path,
              Map.of("Authorization", "Bearer " + tokens.issue("ada", Duration.ofMinutes(5))),
              1024L * MIB);
      assertThat(s.answer().status())
          .as(path)
          .isEqualTo(Map.of("/healthz", 405, "/api/history", 405, "/nowhere", 404).get(path));
      assertThat(s.answer().headers().get("connection")).as(path).isEqualTo("close");
      assertThat(s.sentBeforeAnswer()).as(path).isLessThan(16L * MIB);
    }
  }

  @Test
  void anAbsurdWebhookTimestampIs400AndAStaleOne401() throws Exception {
    start(builder().jwtSecret(SECRET));
    for (String ts : List.of("99999999999999999", "-5", "soon")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base() + "/api/webhooks/replicate"))
                  .header("webhook-id", "m")
                  .header("webhook-timestamp", ts)
                  .header("webhook-signature", "v1,AAAA")
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(ts).isEqualTo(400);
      assertThat(json(r.body()).get("error").asText()).contains("webhook-timestamp");
    }
    HttpResponse<String> stale =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/webhooks/replicate"))
                .header("webhook-id", "m")
                .header(
                    "webhook-timestamp", Long.toString(System.currentTimeMillis() / 1000 - 3600))
                .header("webhook-signature", "v1,AAAA")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(stale.statusCode()).isEqualTo(401);
  }

  @Test
  void chunkedBodiesPastTheCapGet413OnJsonAndUploadRoutes() throws Exception {
    start(builder().jwtSecret(SECRET).maxUploadBytes(2 * MIB));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));

    Streamed json =
        streamChunked("/api/generate-thumbnail", Map.of("Authorization", auth), 128L * MIB);
    assertThat(json.answer().status()).isEqualTo(413);
    assertThat(json.answer().headers().get("content-type")).startsWith("application/json");
    assertThat(json.sentBeforeAnswer()).isLessThan(RenderLabServer.MAX_JSON_BYTES + 16L * MIB);

    Streamed upload =
        streamChunked(
            "/api/upload",
            Map.of("Authorization", auth, "Content-Type", "multipart/form-data; boundary=xyz"),
            128L * MIB);
    assertThat(upload.answer().status()).isEqualTo(413);
    assertThat(upload.answer().headers().get("content-type")).startsWith("application/json");
    assertThat(upload.sentBeforeAnswer()).isLessThan(2L * MIB + 16L * MIB);
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).isEmpty();
  }

  @Test
  void aClientThatSendsItsWholeOversizedBodyBeforeReadingGets413AndACleanClose() throws Exception {
    start(builder().jwtSecret(SECRET).maxUploadBytes(MIB));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));
    byte[] body = new byte[4 * MIB]; // more than the socket buffers hold: sent only if read
    java.util.Arrays.fill(body, (byte) 'x');
    for (boolean chunked : new boolean[] {false, true}) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        String head =
            "POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                + auth
                + "\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
                + (chunked
                    ? "Transfer-Encoding: chunked\r\n\r\n"
                    : "Content-Length: " + body.length + "\r\n\r\n");
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        if (chunked) {
          for (int at = 0; at < body.length; at += 64 * 1024) {
            out.write(
                (Integer.toHexString(64 * 1024) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, 64 * 1024);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
          out.write(body); // the whole body, before reading anything
        }
        out.flush();

        InputStream in = new BufferedInputStream(socket.getInputStream());
        Answer a = readAnswer(in);
        assertThat(a.status()).as("chunked " + chunked).isEqualTo(413);
        assertThat(a.headers().get("connection")).isEqualTo("close");
        assertThat(json(a.body()).get("error").asText()).contains("larger than");
        assertThat(in.read()).as("then the end of the stream, not a reset").isEqualTo(-1);
      }
    }
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).isEmpty();
  }

  @Test
  void aDeclaredLengthOverTheCapIsRefusedBeforeReadingOnEveryRoute() throws Exception {
    start(builder().jwtSecret(SECRET));
    for (String path :
        List.of("/api/history", "/api/generate", "/nowhere", "/api/webhooks/replicate")) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        socket.setSoTimeout(10_000);
        socket
            .getOutputStream()
            .write(
                ("POST "
                        + path
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: "
                        + (3L * MIB)
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        socket
            .getOutputStream()
            .write(new byte[64 * 1024]); // Jetty dispatches once content arrives
        Answer a = readAnswer(new BufferedInputStream(socket.getInputStream()));
        assertThat(a.status()).as(path).isEqualTo(413);
        assertThat(json(a.body()).get("error").asText()).contains("larger than");
      }
    }
  }

  /** Sends a body one byte every {@code every}, from its own thread, and reads the answer. */
  CompletableFuture<Answer> slowClient(String path, String auth, int length, Duration every) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                ("POST "
                        + path
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: "
                        + auth
                        + "\r\nContent-Length: "
                        + length
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicBoolean done = new AtomicBoolean();
            Thread drip =
                new Thread(
                    () -> {
                      try {
                        for (int i = 0; i < length && !done.get(); i++) {
                          out.write('{');
                          out.flush();
                          Thread.sleep(every.toMillis()); // the client is slow on purpose
                        }
                      } catch (IOException | InterruptedException e) {
                        // closed by the server
                      }
                    });
            drip.setDaemon(true);
            drip.start();
            try {
              return readAnswer(new BufferedInputStream(socket.getInputStream()));
            } finally {
              done.set(true);
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  @Test
  void slowBodiesAreCutOffWith408WhileOtherRequestsAreServed() throws Exception {
    start(builder().jwtSecret(SECRET));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));
    List<CompletableFuture<Answer>> slow = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      slow.add(
          slowClient(
              "/api/generate-thumbnail", auth, 2000, Duration.ofMillis(100))); // 10 B/s for 200 s
    }
    HttpResponse<String> normal =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history"))
                .header("Authorization", auth)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(normal.statusCode()).isEqualTo(200);

    for (CompletableFuture<Answer> f : slow) {
      Answer a = f.get(15, TimeUnit.SECONDS);
      assertThat(a.status()).isEqualTo(408);
      assertThat(a.headers().get("content-type")).startsWith("application/json");
      assertThat(json(a.body()).get("error").asText()).contains("rate");
    }
  }

  @Test
  void aBodyThatKeepsTheRateButNeverEndsIsCutOffAtTheBodyDeadline() throws Exception {
    start(
        builder()
            .jwtSecret(SECRET)
            .minRequestDataRate(0)
            .requestBodyTimeout(Duration.ofSeconds(1)));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));

    Answer a =
        slowClient("/api/generate-thumbnail", auth, 1000, Duration.ofMillis(20))
            .get(15, TimeUnit.SECONDS);

    assertThat(a.status()).isEqualTo(408);
    assertThat(json(a.body()).get("error").asText()).contains("not received within");
  }

  @Test
  void everyErrorIsJsonIncludingUnknownPathsWrongMethodsAndJettysOwn() throws Exception {
    start(builder().jwtSecret(SECRET));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));
    for (String path : List.of("/nowhere", "/api/nowhere", "/files/none.png", "/favicon.ico")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .header("Authorization", auth)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.headers().firstValue("Content-Type"))
          .as(path)
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      assertThat(json(r.body()).get("error").asText()).isNotBlank();
    }
    HttpResponse<String> wrongMethod =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history"))
                .header("Authorization", auth)
                .method("DELETE", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow"))
        .hasValueSatisfying(v -> assertThat(v).contains("GET"));
    assertThat(json(wrongMethod.body()).get("error").asText()).contains("DELETE");

    try (Socket socket =
        new Socket(
            InetAddress.getLoopbackAddress(),
            server.port())) { // Jetty refuses it before Javalin sees it
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                      + "a".repeat(20_000)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      Answer a = readAnswer(new BufferedInputStream(socket.getInputStream()));
      assertThat(a.status()).isEqualTo(431);
      assertThat(a.headers().get("content-type")).startsWith("application/json");
      assertThat(a.body()).doesNotContain("<").contains("\"error\"");
    }
  }

  @Test
  void anExtremeHistoryCursorIs400() throws Exception {
    start(builder().jwtSecret(SECRET));
    String auth = "Bearer " + tokens.issue("ada", Duration.ofMinutes(5));
    for (String raw :
        List.of(
            "1:31556889864403199:999999999:" + UUID.randomUUID(),
            "1:-31557014167219200:0:" + UUID.randomUUID(),
            "1:99999999999999999999:0:x",
            "garbage")) {
      String cursor =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base() + "/api/history?cursor=" + cursor))
                  .header("Authorization", auth)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(raw).isEqualTo(400);
      assertThat(json(r.body()).get("error").asText()).contains("cursor");
    }
  }

  @Test
  void headMirrorsGet() throws Exception {
    start(builder().jwtSecret(SECRET));
    Files.createDirectories(files.resolve("ada"));
    Files.write(
        files.resolve("ada/a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});

    HttpResponse<String> present =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/files/ada/a.png"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> missing =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/files/ada/missing.png"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> noToken =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(present.statusCode()).isEqualTo(200);
    assertThat(present.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(present.body()).isEmpty();
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(noToken.statusCode()).isEqualTo(401);
  }

  @Test
  void theGallerySendsACspThatAllowsOnlyItsOwnInlineCodeAndForbidsFraming() throws Exception {
    start(builder().jwtSecret(SECRET));
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/")).build(),
            HttpResponse.BodyHandlers.ofString());

    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp)
        .contains("frame-ancestors 'none'")
        .contains("default-src 'none'")
        .doesNotContain("unsafe-inline");
    Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(page.body());
    assertThat(script.find()).isTrue();
    String hash =
        Base64.getEncoder()
            .encodeToString(
                MessageDigest.getInstance("SHA-256")
                    .digest(script.group(1).getBytes(StandardCharsets.UTF_8)));
    assertThat(csp).contains("script-src 'sha256-" + hash + "'");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");

    HttpResponse<String> api =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(api.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(v -> assertThat(v).contains("frame-ancestors 'none'"));
    assertThat(api.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
  }

  @Test
  void devUserModeRefusesPagesOfOtherOriginsAndForeignHostNames() throws Exception {
    start(builder().devUser("me"));
    String boundary = "b" + UUID.randomUUID();
    byte[] form =
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nxx\r\n--"
                + boundary
                + "--\r\n")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> crossOrigin =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/upload"))
                .header("Origin", "https://evil.example")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> otherLocalPort =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/generate-thumbnail"))
                .header("Origin", "http://127.0.0.1:1")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> sameOrigin =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/generate-thumbnail"))
                .header("Origin", base())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> curl =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(crossOrigin.statusCode()).isEqualTo(403);
    assertThat(json(crossOrigin.body()).get("error").asText()).contains("origin");
    assertThat(otherLocalPort.statusCode()).isEqualTo(403);
    assertThat(sameOrigin.statusCode())
        .as(sameOrigin.body())
        .isEqualTo(400); // reached the route: missing imageId
    assertThat(curl.statusCode()).isEqualTo(200);
    assertThat(catalog.history(HistoryQuery.of("me")).images()).isEmpty();

    try (Socket socket =
        new Socket(
            InetAddress.getLoopbackAddress(), server.port())) { // DNS rebinding: a foreign name
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /api/history HTTP/1.1\r\nHost: attacker.example:8080\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      Answer a = readAnswer(new BufferedInputStream(socket.getInputStream()));
      assertThat(a.status()).isEqualTo(403);
      assertThat(a.body()).contains("loopback");
    }
  }

  @Test
  void theConfigurationIsFixedAtBuild() throws Exception {
    RenderLabServer.Builder b = builder().jwtSecret(SECRET);
    start(b);
    b.devUser("mallory").maxUploadBytes(1);

    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/history")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(401);
  }
}
