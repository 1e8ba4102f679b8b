package io.renderlab.server;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.h2.jdbcx.JdbcDataSource;

/**
 * On-demand measurements of the sample server (not a unit test; nothing runs it in the build).
 *
 * <p>A loopback fake Replicate whose model takes 300 ms (it honours {@code Prefer: wait} by
 * answering the create with the finished prediction after 300 ms, as Replicate does for models that
 * finish within the wait), then: 40 {@code POST /api/generate}, 20 at once (20 users, two each in
 * turn, so the per-user cap of 2 is never hit); every answer's status and latency; every record's
 * thumbnail; then an 80 MiB upload, once with a Content-Length and once chunked, while another
 * client keeps calling {@code /healthz}.
 *
 * <p>Run from the repository root after {@code mvn -o -q -pl examples/renderlab-server -am
 * test-compile}: see the module's README for the command.
 */
public final class ServerLoadHarness {
  static final String SECRET = "harness-secret-that-is-at-least-thirty-two-bytes";
  static final int GENERATIONS = 40;
  static final int CONCURRENCY = 20;
  static final Duration MODEL_TIME = Duration.ofMillis(300);

  private ServerLoadHarness() {}

  public static void main(String[] args) throws Exception {
    byte[] output = png(1024, 1024);
    Path dir = Files.createTempDirectory("renderlab-harness-");
    AtomicInteger ids = new AtomicInteger();
    MockWebServer fake = new MockWebServer();
    fake.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) throws InterruptedException {
            String path = r.getUrl().encodedPath();
            if (path.startsWith("/files/")) {
              return new MockResponse.Builder()
                  .addHeader("Content-Type", "image/png")
                  .body(new Buffer().write(output))
                  .build();
            }
            String id = "h" + ids.incrementAndGet();
            Thread.sleep(
                MODEL_TIME
                    .toMillis()); // the model runs; Prefer: wait holds the answer until it ends
            return new MockResponse.Builder()
                .code(201)
                .addHeader("Content-Type", "application/json")
                .body(
                    "{\"id\":\""
                        + id
                        + "\",\"model\":\"google/nano-banana\",\"status\":\"succeeded\",\"output\":[\""
                        + fake.url("/files/" + id + ".png")
                        + "\"],\"error\":null,\"logs\":\"\",\"input\":{},\"urls\":{}}")
                .build();
          }
        });
    fake.start(InetAddress.getLoopbackAddress(), 0);

    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    int port;
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String base = "http://127.0.0.1:" + port;
    FolderImageStore store = FolderImageStore.of(dir.resolve("objects"), base + "/files/");
    ThumbnailService thumbnails =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .build()
            .start();
    ReplicateClient replicate =
        ReplicateClient.builder()
            .token("r8_harness")
            // Route and policy tests: model fields and the schema check are tested in the pipeline
            // and the Replicate client; here a model gets the fields it is told.
            .validateInputs(false)
            .baseUrl(fake.url("/v1").toString())
            .createsPerMinute(0)
            .retryPolicy(RetryPolicy.none())
            .build();
    Ingestor ingestor =
        Ingestor.builder()
            .store(store)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    RenderLabPipeline pipeline =
        RenderLabPipeline.builder()
            .replicate(replicate)
            .inputFields(io.renderlab.pipeline.InputFields.defaults())
            .ingestor(ingestor)
            .catalog(catalog)
            .thumbnails(thumbnails)
            .build();
    RenderLabServer server =
        RenderLabServer.builder()
            .pipeline(pipeline, thumbnails)
            .filesRoot(dir.resolve("objects"))
            .jwtSecret(SECRET)
            .port(port)
            .build()
            .start();
    TestTokens tokens = TestTokens.hs256(SECRET, Clock.systemUTC());
    HttpClient http =
        HttpClient.newBuilder().executor(Executors.newFixedThreadPool(CONCURRENCY)).build();

    System.out.printf(
        "server %s, fake Replicate %s, model time %d ms, %d cores%n",
        base, fake.url("/"), MODEL_TIME.toMillis(), Runtime.getRuntime().availableProcessors());
    // Warm-up: one generation so JIT, connection pools and H2 are not in the figures.
    generate(http, base, tokens.issue("warmup", Duration.ofMinutes(10)), "warm-up");

    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
    long start = System.nanoTime();
    List<Future<?>> work = new ArrayList<>();
    for (int u = 0; u < CONCURRENCY; u++) {
      String token = tokens.issue("user-" + u, Duration.ofMinutes(10));
      int user = u;
      work.add(
          clients.submit(
              () -> {
                for (int i = 0; i < GENERATIONS / CONCURRENCY; i++) {
                  long t0 = System.nanoTime();
                  int status = generate(http, base, token, "prompt " + user + "/" + i);
                  latencies.add(System.nanoTime() - t0);
                  statuses.add(status);
                }
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get();
    }
    long wall = System.nanoTime() - start;
    clients.shutdown();

    List<ImageRecord> records = new ArrayList<>();
    for (int u = 0; u < CONCURRENCY; u++) {
      records.addAll(catalog.history(HistoryQuery.of("user-" + u)).images());
    }
    List<CompletableFuture<ImageRecord>> thumbs = new ArrayList<>();
    records.forEach(r -> thumbs.add(thumbnails.awaitThumbnail(r.id())));
    CompletableFuture.allOf(thumbs.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    long thumbsDone = System.nanoTime() - start;
    long withThumb =
        records.stream()
            .map(r -> catalog.find(r.id()).orElseThrow())
            .filter(r -> r.thumbUrl().isPresent())
            .count();

    Collections.sort(latencies);
    System.out.printf(
        "generations: %d sent, %d concurrent; statuses %s%n",
        statuses.size(), CONCURRENCY, histogram(statuses));
    System.out.printf(
        "latency ms: min %.0f  p50 %.0f  p90 %.0f  p99 %.0f  max %.0f%n",
        ms(latencies.get(0)),
        ms(pct(latencies, 50)),
        ms(pct(latencies, 90)),
        ms(pct(latencies, 99)),
        ms(latencies.get(latencies.size() - 1)));
    System.out.printf(
        "wall %.0f ms (%.1f generations/s); recorded %d, with thumbnails %d, all thumbnails after %.0f ms%n",
        ms(wall), GENERATIONS / (wall / 1e9), records.size(), withThumb, ms(thumbsDone));

    // An 80 MiB upload against the default 50 MiB cap, with and without Content-Length, while
    // another client keeps asking /healthz.
    AtomicInteger healthy = new AtomicInteger();
    AtomicInteger unhealthy = new AtomicInteger();
    Thread prober =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  int s =
                      http.send(
                              HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode();
                  (s == 200 ? healthy : unhealthy).incrementAndGet();
                } catch (IOException e) {
                  unhealthy.incrementAndGet();
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    prober.start();
    String token = tokens.issue("uploader", Duration.ofMinutes(10));
    for (boolean chunked : new boolean[] {false, true}) {
      long t0 = System.nanoTime();
      String answer = bigUpload(port, token, 80L * 1024 * 1024, chunked);
      System.out.printf(
          "80 MiB upload (%s): %s in %.0f ms%n",
          chunked ? "chunked" : "Content-Length", answer, ms(System.nanoTime() - t0));
    }
    int after = generate(http, base, token, "after the big uploads");
    prober.interrupt();
    prober.join();
    System.out.printf(
        "while uploading: /healthz answered 200 %d times, failed %d times; a generation afterwards: %d%n",
        healthy.get(), unhealthy.get(), after);
    System.out.printf(
        "uploads recorded for 'uploader': %d%n",
        catalog
            .history(HistoryQuery.of("uploader").withKind(io.renderlab.core.ImageKind.UPLOADED))
            .images()
            .size());

    server.close();
    thumbnails.close();
    replicate.close();
    fake.close();
    System.exit(0);
  }

  static int generate(HttpClient http, String base, String token, String prompt)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/generate"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      System.out.println("  " + r.statusCode() + " " + r.body());
    }
    return r.statusCode();
  }

  /**
   * Sends a multipart upload of {@code size} bytes over a raw socket (so the answer can be read
   * while the body is still going out, as browsers and curl do) and returns the status line and
   * body, or what happened to the connection.
   */
  static String bigUpload(int port, String token, long size, boolean chunked) throws Exception {
    String boundary = "harness" + UUID.randomUUID();
    byte[] head =
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    long length = head.length + size + tail.length;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Type: multipart/form-data; boundary="
                  + boundary
                  + "\r\n"
                  + (chunked
                      ? "Transfer-Encoding: chunked\r\n"
                      : "Content-Length: " + length + "\r\n")
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<String> answer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  InputStream in = socket.getInputStream();
                  ByteArrayOutputStream got = new ByteArrayOutputStream();
                  byte[] buf = new byte[8192];
                  for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                    String s = got.toString(StandardCharsets.UTF_8);
                    int end = s.indexOf("\r\n\r\n");
                    if (end >= 0 && s.indexOf('}', end) > 0) {
                      break;
                    }
                  }
                  String s = got.toString(StandardCharsets.UTF_8);
                  return s.isEmpty()
                      ? "connection closed with no answer"
                      : s.lines().findFirst().orElse("")
                          + " "
                          + s.substring(s.indexOf("\r\n\r\n") + 4);
                } catch (IOException e) {
                  return "read failed: " + e;
                }
              });
      long sent = 0;
      try (InputStream body =
          new SequenceInputStream(
              new java.io.ByteArrayInputStream(head),
              new SequenceInputStream(
                  new ZeroStream(size), new java.io.ByteArrayInputStream(tail)))) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = body.read(buf)) > 0 && !answer.isDone(); ) {
          if (chunked) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          }
          out.write(buf, 0, n);
          if (chunked) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          sent += n;
        }
        if (chunked && !answer.isDone()) {
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException e) {
        // the server closed the connection after answering; the answer is what counts
      }
      return answer.get(60, TimeUnit.SECONDS).strip()
          + String.format(" (client had sent %.1f MiB)", sent / 1048576.0);
    }
  }

  /** {@code size} bytes of a PNG signature followed by zeros, without holding them in memory. */
  static final class ZeroStream extends InputStream {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    private final long size;
    private long position;

    ZeroStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      if (position >= size) {
        return -1;
      }
      int value = position < SIGNATURE.length ? SIGNATURE[(int) position] & 0xff : 0;
      position++;
      return value;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = position + i < SIGNATURE.length ? SIGNATURE[(int) (position + i)] : 0;
      }
      position += n;
      return n;
    }
  }

  static byte[] png(int width, int height) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, new Color(0x355c7d), width, height, new Color(0xf67280)));
    g.fillRect(0, 0, width, height);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  static long pct(List<Long> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static String histogram(List<Integer> statuses) {
    java.util.Map<Integer, Long> counts = new java.util.TreeMap<>();
    statuses.forEach(s -> counts.merge(s, 1L, Long::sum));
    return counts.toString();
  }
}
