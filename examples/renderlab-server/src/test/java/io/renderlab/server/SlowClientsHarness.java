package io.renderlab.server;

import io.renderlab.core.JdbcImageCatalog;
import java.io.BufferedInputStream;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;

/**
 * On demand, not part of the build: 20 slow-body clients (1 byte per 100 ms), 20 slow-header
 * clients (1 header byte per second) and 4 rate-keeping clients (8 KiB/s, never ending) at once
 * against a server with a small thread pool's worth of attention, while a normal client calls
 * {@code /api/history} in a loop. Run once with the defaults and once with the protections off
 * (minimum rate 0, body deadline 1 day), in the same process, and prints what each slow client got
 * and the normal client's latencies.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) io.renderlab.server.SlowClientsHarness
 * </pre>
 */
public final class SlowClientsHarness {
  static final String SECRET = "harness-secret-that-is-at-least-thirty-two-bytes";

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    for (boolean protectedServer : new boolean[] {true, false, true, false}) {
      run(protectedServer, seconds);
    }
    System.exit(0);
  }

  static void run(boolean protections, int seconds) throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    RenderLabServer.Builder b =
        RenderLabServer.builder()
            .catalog(catalog, catalog.thumbnailJobs())
            .jwtSecret(SECRET)
            .port(0)
            .filesRoot(Files.createTempDirectory("harness"));
    if (!protections) {
      b.minRequestDataRate(0).requestBodyTimeout(Duration.ofDays(1));
    } else {
      b.requestBodyTimeout(Duration.ofSeconds(5)); // short here so that the run shows it
    }
    RenderLabServer server = b.build().start();
    String token =
        TestTokens.hs256(SECRET, Clock.systemUTC()).issue("harness", Duration.ofHours(1));
    Map<String, List<String>> outcomes = new ConcurrentHashMap<>();
    ExecutorService pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r);
              t.setDaemon(true);
              return t;
            });
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int i = 0; i < 20; i++) {
      pool.submit(() -> slowBody(server.port(), token, 100, 1, end, start, outcomes));
      pool.submit(() -> slowHeaders(server.port(), end, start, outcomes));
    }
    for (int i = 0; i < 4; i++) {
      pool.submit(
          () ->
              slowBody(
                  server.port(),
                  token,
                  100,
                  820,
                  end,
                  start,
                  outcomes)); // ~8 KiB/s, over the minimum rate
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/history"))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          failures.incrementAndGet();
        }
        latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      } catch (IOException e) {
        failures.incrementAndGet();
      }
      Thread.sleep(50);
    }
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    server.close();
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    System.out.printf(
        "%n== protections %s, %d s, load %s",
        protections ? "ON (4 KiB/s minimum, 5 s body deadline)" : "OFF",
        seconds,
        Files.readString(java.nio.file.Path.of("/proc/loadavg")));
    outcomes.forEach(
        (kind, list) -> {
          Map<String, Integer> counts = new java.util.TreeMap<>();
          list.forEach(o -> counts.merge(o.replaceAll(" after [0-9.]+ s", ""), 1, Integer::sum));
          List<Double> times =
              list.stream()
                  .filter(o -> o.contains(" after "))
                  .map(o -> Double.parseDouble(o.replaceAll(".* after ([0-9.]+) s", "$1")))
                  .sorted()
                  .toList();
          System.out.printf(
              "%-14s %s%s%n",
              kind,
              counts,
              times.isEmpty()
                  ? ""
                  : String.format(
                      " (answered after %.1f–%.1f s)", times.get(0), times.get(times.size() - 1)));
        });
    System.out.printf(
        "normal client: %d requests, %d failed, latency p50 %d ms, p99 %d ms, max %d ms%n",
        sorted.size(),
        failures.get(),
        pct(sorted, 50),
        pct(sorted, 99),
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1));
  }

  static long pct(List<Long> sorted, int p) {
    return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
  }

  static void slowBody(
      int port,
      String token,
      int everyMillis,
      int bytesEach,
      long end,
      long start,
      Map<String, List<String>> outcomes) {
    String kind = bytesEach == 1 ? "slow body" : "8 KiB/s body";
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(
          (int) Math.max(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/generate-thumbnail HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Length: 1000000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      Thread drip =
          new Thread(
              () -> {
                byte[] chunk = new byte[bytesEach];
                java.util.Arrays.fill(chunk, (byte) ' ');
                try {
                  while (System.nanoTime() < end) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(everyMillis);
                  }
                } catch (IOException | InterruptedException e) {
                  // closed
                }
              });
      drip.setDaemon(true);
      drip.start();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String status = ServerHardeningTest.readAnswer(in).status() + "";
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add(status + String.format(" after %.1f s", (System.nanoTime() - start) / 1e9));
    } catch (java.net.SocketTimeoutException e) {
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add("still open at the end");
    } catch (IOException e) {
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add("closed: " + e.getClass().getSimpleName());
    }
  }

  static void slowHeaders(int port, long end, long start, Map<String, List<String>> outcomes) {
    String kind = "slow headers";
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
              .getBytes(StandardCharsets.US_ASCII));
      while (System.nanoTime() < end) {
        out.write('a');
        out.flush();
        Thread.sleep(1000);
      }
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add("still open at the end");
    } catch (IOException e) {
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add("closed: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      outcomes
          .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
          .add("still open at the end");
      Thread.currentThread().interrupt();
    }
  }
}
