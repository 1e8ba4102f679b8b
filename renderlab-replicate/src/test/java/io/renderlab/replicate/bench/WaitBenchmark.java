package io.renderlab.replicate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.internal.Transport;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Measures how many requests a wait costs and how late the caller sees a prediction end, against a
 * loopback fake whose model finishes at a known instant. Not a test (nothing is asserted, and it
 * runs in real time); run it on demand:
 *
 * <pre>
 * java -cp ... io.renderlab.replicate.bench.WaitBenchmark [short seconds] [short reps] [long seconds] [long reps]
 * </pre>
 *
 * <p>The fake behaves as Replicate does: a create with {@code Prefer: wait=N} is held until the
 * model finishes or N seconds pass, whichever is first; a get answers {@code processing} until the
 * finishing instant and {@code succeeded} after. Each strategy runs its own predictions; a run's
 * duration is the nominal one plus a uniform 0–1 s so fixed-interval loops are not measured at one
 * lucky phase. "delay" is the caller seeing the end minus the model finishing, on one monotonic
 * clock.
 */
public final class WaitBenchmark {
  private final Map<String, Long> finishAt = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private MockWebServer server;
  private String base;

  private WaitBenchmark() {}

  /** Runs the scenarios and prints one table per scenario. */
  public static void main(String[] args) throws Exception {
    double shortSeconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    int shortReps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    double longSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 70;
    int longReps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    WaitBenchmark bench = new WaitBenchmark();
    bench.start();
    try {
      bench.scenario("warm-up 1 s", 1, 2, false);
      bench.scenario(shortSeconds + " s", shortSeconds, shortReps, false);
      bench.scenario(longSeconds + " s", longSeconds, longReps, true);
    } finally {
      bench.server.close();
    }
  }

  private void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            try {
              return answer(r);
            } catch (Exception e) {
              return new MockResponse.Builder().code(500).body(e.toString()).build();
            }
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = server.url("/v1").toString();
  }

  private MockResponse answer(RecordedRequest r) throws Exception {
    String path = r.getUrl().encodedPath();
    if (r.getMethod().equals("POST") && path.endsWith("/predictions")) {
      JsonNode body = Transport.MAPPER.readTree(r.getBody().utf8());
      String id = "bench" + ids.incrementAndGet();
      long now = System.nanoTime();
      long end = now + (long) (body.path("input").path("seconds").asDouble() * 1e9);
      finishAt.put(id, end);
      requests.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      String prefer = r.getHeaders().get("Prefer");
      if (prefer != null && prefer.startsWith("wait")) {
        long wait =
            prefer.contains("=") ? Long.parseLong(prefer.substring(prefer.indexOf('=') + 1)) : 60;
        long until = Math.min(end, now + Duration.ofSeconds(wait).toNanos());
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
      }
      return json(201, id);
    }
    String id = path.substring(path.lastIndexOf('/') + 1);
    requests.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    return json(200, id);
  }

  private MockResponse json(int code, String id) {
    boolean done = System.nanoTime() - finishAt.get(id) >= 0;
    String body =
        "{\"id\":\""
            + id
            + "\",\"model\":\"bench/model\",\"version\":\"hidden\",\"input\":{},\"logs\":\"\","
            + "\"output\":"
            + (done ? "\"https://replicate.delivery/" + id + ".png\"" : "null")
            + ",\"data_removed\":false,\"error\":null,"
            + "\"status\":\""
            + (done ? "succeeded" : "processing")
            + "\",\"created_at\":\"2025-11-14T10:00:00.000Z\","
            + "\"urls\":{\"get\":\""
            + base
            + "/predictions/"
            + id
            + "\",\"cancel\":\""
            + base
            + "/predictions/"
            + id
            + "/cancel\"}}";
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  interface Strategy {
    /** Runs one prediction of {@code seconds} to the end; returns its id. */
    String run(double seconds) throws Exception;
  }

  private void scenario(String name, double seconds, int reps, boolean concurrent)
      throws Exception {
    ReplicateClient renderlab =
        ReplicateClient.builder()
            .token("r8_bench")
            .baseUrl(base)
            .createsPerMinute(0)
            .validateInputs(false) // measures waiting only, as the other strategies do
            .build();
    ReplicateClient renderlab1s =
        renderlab.toBuilder()
            .pollSchedule(Duration.ofMillis(250), 1.5, Duration.ofSeconds(1))
            .build();
    Map<String, Strategy> strategies = new java.util.LinkedHashMap<>();
    strategies.put(
        "renderlab (Prefer: wait, then 250 ms x1.5 .. 2 s)",
        s -> renderlab.predictions().run(request(s), Duration.ofMinutes(10)).id());
    strategies.put(
        "renderlab, poll cap 1 s",
        s -> renderlab1s.predictions().run(request(s), Duration.ofMinutes(10)).id());
    strategies.put(
        "official clients' loop (create, get every 500 ms)", s -> loop(s, Duration.ofMillis(500)));
    strategies.put("seed loop (create, get every 1 s)", s -> loop(s, Duration.ofSeconds(1)));
    Map<String, List<long[]>> results = new java.util.LinkedHashMap<>();
    strategies
        .keySet()
        .forEach(k -> results.put(k, Collections.synchronizedList(new ArrayList<>())));
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (int rep = 0; rep < reps; rep++) {
        List<CompletableFuture<Void>> round = new ArrayList<>();
        for (Map.Entry<String, Strategy> e : strategies.entrySet()) {
          double d = seconds + ThreadLocalRandom.current().nextDouble();
          round.add(
              CompletableFuture.runAsync(
                  () -> {
                    try {
                      String id = e.getValue().run(d);
                      long seen = System.nanoTime();
                      results
                          .get(e.getKey())
                          .add(new long[] {requests.get(id).get(), seen - finishAt.get(id)});
                    } catch (Exception ex) {
                      throw new IllegalStateException(ex);
                    }
                  },
                  pool));
        }
        if (concurrent) {
          runs.addAll(round);
        } else {
          CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).join();
        }
      }
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
    } finally {
      pool.shutdownNow();
      renderlab.close();
      renderlab1s.close();
    }
    System.out.printf(
        Locale.ROOT,
        "%n== prediction of %s + U(0,1) s, %d runs%s ==%n",
        name,
        reps,
        concurrent ? " (concurrent)" : "");
    System.out.printf(
        Locale.ROOT,
        "%-52s %22s %32s%n",
        "strategy",
        "requests min/med/max",
        "delay ms min/median/mean/max");
    for (Map.Entry<String, List<long[]>> e : results.entrySet()) {
      List<Long> req = e.getValue().stream().map(a -> a[0]).sorted().toList();
      List<Double> delay = e.getValue().stream().map(a -> a[1] / 1e6).sorted().toList();
      double mean = delay.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      System.out.printf(
          Locale.ROOT,
          "%-52s %8d/%d/%d %12.1f/%.1f/%.1f/%.1f%n",
          e.getKey(),
          req.get(0),
          req.get(req.size() / 2),
          req.get(req.size() - 1),
          delay.get(0),
          delay.get(delay.size() / 2),
          mean,
          delay.get(delay.size() - 1));
    }
  }

  private static PredictionRequest request(double seconds) {
    return PredictionRequest.model("bench/model").put("seconds", seconds).build();
  }

  private final HttpClient plain = HttpClient.newHttpClient();

  /**
   * The seed's loop (and, with 500 ms, the official clients' {@code wait()}): create, then sleep
   * and get until it ends.
   */
  private String loop(double seconds, Duration interval) throws Exception {
    HttpRequest create =
        HttpRequest.newBuilder(URI.create(base + "/models/bench/model/predictions"))
            .header("Authorization", "Bearer r8_bench")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"seconds\":" + seconds + "}}"))
            .build();
    JsonNode p =
        Transport.MAPPER.readTree(plain.send(create, HttpResponse.BodyHandlers.ofString()).body());
    URI get = URI.create(p.path("urls").path("get").asText());
    while (!Prediction.parse(p.toString()).isTerminal()) {
      Thread.sleep(interval.toMillis());
      p =
          Transport.MAPPER.readTree(
              plain
                  .send(
                      HttpRequest.newBuilder(get)
                          .header("Authorization", "Bearer r8_bench")
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
    }
    return p.path("id").asText();
  }
}
