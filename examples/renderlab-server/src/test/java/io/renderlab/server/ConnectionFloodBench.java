package io.renderlab.server;

import io.renderlab.core.JdbcImageCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;

/**
 * On demand, not part of the build: the slow-header flood of issue 22 against a {@code serve}-like
 * server, and the latency of {@code /healthz} meanwhile, probed from the flood's own address.
 *
 * <p>Three kinds of process, so that each stays under the file-descriptor limit (20,000 here): the
 * server ({@code -Xmx512m}, default header deadline and caps), {@code floods} flooders of {@code
 * connections / floods} connections each (each sends a request line, then one header byte every
 * {@code byteEvery} seconds, and reconnects at once whenever the server closes it), and this
 * process, which starts them, waits for the flood to build up, then opens a fresh connection to
 * {@code /healthz} every 200 ms for {@code seconds} and prints the latency percentiles, the
 * failures and the server's open file descriptors.
 *
 * <pre>
 * mvn -B -o -q -pl examples/renderlab-server -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * cd examples/renderlab-server
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     io.renderlab.server.ConnectionFloodBench [connections=20000] [floods=2] [seconds=30] \
 *     [byteEvery=20] [reconnect=true]
 * </pre>
 */
public final class ConnectionFloodBench {
  static final String SECRET = "bench-secret-that-is-at-least-thirty-two-bytes";

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("server")) {
      server(Path.of(args[1]));
      return;
    }
    if (args.length > 0 && args[0].equals("flood")) {
      flood(
          Integer.parseInt(args[1]),
          Integer.parseInt(args[2]),
          Integer.parseInt(args[3]),
          Boolean.parseBoolean(args[4]));
      return;
    }
    int connections = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int floods = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int byteEvery = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    boolean reconnect = args.length <= 4 || Boolean.parseBoolean(args[4]);
    orchestrate(connections, floods, seconds, byteEvery, reconnect);
  }

  static void orchestrate(
      int connections, int floods, int seconds, int byteEvery, boolean reconnect) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Path portFile = Files.createTempFile("flood-bench", ".port");
    Files.delete(portFile);
    List<Process> children = new ArrayList<>();
    Process server =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-Dbench.maxConnections=" + Integer.getInteger("bench.maxConnections", 10_000),
                "-Dbench.maxPerAddress=" + Integer.getInteger("bench.maxPerAddress", 1_000),
                "-cp",
                cp,
                ConnectionFloodBench.class.getName(),
                "server",
                portFile.toString())
            .inheritIO()
            .start();
    children.add(server);
    try {
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.exists(portFile) || Files.size(portFile) == 0) {
        if (System.nanoTime() > until || !server.isAlive()) {
          throw new IllegalStateException("the server did not start");
        }
        Thread.sleep(100);
      }
      int port = Integer.parseInt(Files.readString(portFile).strip());
      System.out.printf("server pid %d on port %d%n", server.pid(), port);
      System.out.printf("idle: /healthz %s%n", summary(probe(port, 10)));
      for (int i = 0; i < floods; i++) {
        children.add(
            new ProcessBuilder(
                    java,
                    "-Xmx256m",
                    "-cp",
                    cp,
                    ConnectionFloodBench.class.getName(),
                    "flood",
                    Integer.toString(port),
                    Integer.toString(connections / floods),
                    Integer.toString(byteEvery),
                    Boolean.toString(reconnect))
                .inheritIO()
                .start());
      }
      Thread.sleep(10_000); // the flood builds up
      System.out.printf(
          "flood of %d connections (one header byte per %d s, %s) for %d s; server fds: %d%n",
          connections,
          byteEvery,
          reconnect ? "reconnecting at once when closed" : "not reconnecting",
          seconds,
          fds(server.pid()));
      List<Long> latencies = probe(port, seconds * 5);
      System.out.printf(
          "under flood: /healthz %s; server fds: %d; failures: %s%n",
          summary(latencies), fds(server.pid()), FAILURES);
    } finally {
      for (Process p : children) {
        p.destroy();
      }
      Files.deleteIfExists(portFile);
    }
    System.exit(0);
  }

  /** {@code n} probes 200 ms apart, each on a fresh connection; -1 for a failure. */
  static List<Long> probe(int port, int n) throws InterruptedException {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        s.setSoTimeout(5_000);
        OutputStream o = s.getOutputStream();
        o.write(
            ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
        InputStream in = s.getInputStream();
        String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        if (answer.startsWith("HTTP/1.1 200")) {
          out.add((System.nanoTime() - start) / 1_000_000);
        } else {
          out.add(-1L);
          FAILURES.merge(
              answer.isEmpty() ? "closed without an answer" : "other answer", 1, Integer::sum);
        }
      } catch (IOException e) {
        out.add(-1L);
        FAILURES.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
      }
      Thread.sleep(200);
    }
    return out;
  }

  static final java.util.Map<String, Integer> FAILURES =
      new java.util.concurrent.ConcurrentHashMap<>();

  static String summary(List<Long> latencies) {
    List<Long> ok = new ArrayList<>();
    long failed = 0;
    for (long l : latencies) {
      if (l < 0) {
        failed++;
      } else {
        ok.add(l);
      }
    }
    if (ok.isEmpty()) {
      return "all " + failed + " probes failed";
    }
    Collections.sort(ok);
    return String.format(
        "%d probes: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms, %d failed (>5 s or error)",
        latencies.size(),
        ok.get(ok.size() / 2),
        ok.get(Math.min(ok.size() - 1, ok.size() * 9 / 10)),
        ok.get(Math.min(ok.size() - 1, ok.size() * 99 / 100)),
        ok.get(ok.size() - 1),
        failed);
  }

  static long fds(long pid) {
    try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return list.count();
    } catch (IOException e) {
      return -1;
    }
  }

  static void server(Path portFile) throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    RenderLabServer server =
        RenderLabServer.builder()
            .catalog(catalog, catalog.thumbnailJobs())
            .jwtSecret(SECRET)
            .port(0)
            .maxConnections(
                Integer.getInteger("bench.maxConnections", 10_000),
                Integer.getInteger("bench.maxPerAddress", 1_000))
            .build()
            .start();
    Path tmp = Files.createTempFile(portFile.getParent(), "port", ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, portFile);
    while (true) {
      Thread.sleep(5_000);
      ConnectionGuard g = server.connections();
      System.out.printf(
          "server: open %d, waiting for a head %d, evicted %d, refused %d, timed out %d%n",
          g.open(), g.waitingForHead(), g.evicted(), g.refused(), g.timedOut());
    }
  }

  /** Holds {@code n} slow-header connections, reconnecting each one the server closes. */
  static void flood(int port, int n, int byteEvery, boolean reconnect) throws IOException {
    InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    Selector selector = Selector.open();
    ByteBuffer sink = ByteBuffer.allocate(4096);
    long reconnects = 0;
    long failures = 0;
    for (int i = 0; i < n; i++) {
      failures += connect(selector, target) ? 0 : 1;
    }
    long nextTrickle = System.nanoTime();
    long nextReport = System.nanoTime() + 5_000_000_000L;
    while (true) {
      selector.select(200);
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      int lost = 0;
      while (it.hasNext()) {
        SelectionKey key = it.next();
        it.remove();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
          if (key.isConnectable()) {
            ch.finishConnect();
            ch.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nX".getBytes(StandardCharsets.ISO_8859_1)));
            key.interestOps(SelectionKey.OP_READ);
          } else if (key.isReadable()) {
            sink.clear();
            if (ch.read(sink) < 0) {
              throw new IOException("closed");
            }
          }
        } catch (IOException e) {
          key.cancel();
          ch.close();
          lost++;
        }
      }
      for (int i = 0; reconnect && i < lost; i++) {
        reconnects++;
        failures += connect(selector, target) ? 0 : 1;
      }
      long now = System.nanoTime();
      if (now - nextTrickle > 0) {
        nextTrickle = now + Duration.ofSeconds(byteEvery).toNanos();
        ByteBuffer one = ByteBuffer.allocate(1);
        for (SelectionKey key : selector.keys()) {
          SocketChannel ch = (SocketChannel) key.channel();
          if (ch.isConnected()) {
            one.clear();
            one.put((byte) 'x').flip();
            try {
              ch.write(one);
            } catch (IOException e) {
              // seen as closed at its next read
            }
          }
        }
      }
      if (now - nextReport > 0) {
        nextReport = now + 5_000_000_000L;
        System.out.printf(
            "flood: %d connections held, %d reconnects, %d failed connects%n",
            selector.keys().size(), reconnects, failures);
      }
    }
  }

  private static boolean connect(Selector selector, InetSocketAddress target) {
    try {
      SocketChannel ch = SocketChannel.open();
      ch.configureBlocking(false);
      if (ch.connect(target)) {
        ch.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nX".getBytes(StandardCharsets.ISO_8859_1)));
        ch.register(selector, SelectionKey.OP_READ);
      } else {
        ch.register(selector, SelectionKey.OP_CONNECT);
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
