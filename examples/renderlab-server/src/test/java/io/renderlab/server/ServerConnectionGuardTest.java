package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.JdbcImageCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slow headers and connection floods: the header deadline and the connection caps, over raw
 * sockets. Time is an injected clock (the deadline) and every wait is on a condition.
 */
class ServerConnectionGuardTest {
  static final String SECRET = "test-secret-that-is-at-least-thirty-two-bytes";
  final ServerCostControlsTest.MutableClock clock =
      new ServerCostControlsTest.MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
  final List<Socket> sockets = new ArrayList<>();
  RenderLabServer server;

  RenderLabServer start(int total, int perAddress) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    server =
        RenderLabServer.builder()
            .catalog(catalog, catalog.thumbnailJobs())
            .jwtSecret(SECRET)
            .devUser("dev") // requests without a token: bodies are read without signing in
            .clock(clock)
            .port(0)
            .headerTimeout(Duration.ofSeconds(10))
            .maxConnections(total, perAddress)
            .build()
            .start();
    return server;
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A connection that has sent {@code bytes} and nothing more. */
  Socket open(String bytes) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
    s.setSoTimeout(20_000); // a guard against a hang only: every read below ends on its own
    sockets.add(s);
    send(s, bytes);
    return s;
  }

  static void send(Socket s, String bytes) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Whether the server closed this connection: its stream ends (or is reset) without an answer. */
  static boolean closedByServer(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      return in.read() < 0;
    } catch (SocketException reset) {
      return true;
    }
  }

  static void await(BooleanSupplier condition) {
    await(condition, () -> "");
  }

  static void await(BooleanSupplier condition, java.util.function.Supplier<String> state) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("condition not met in time " + state.get());
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  String healthz(Socket s) throws IOException {
    send(
        s,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:"
            + server.port()
            + "\r\nConnection: close\r\n\r\n");
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void aRequestHeadMustArriveWithinTheHeaderDeadlineWhateverItsByteRate() throws IOException {
    start(100, 100);
    ConnectionGuard guard = server.connections();
    Socket slow = open("GET /healthz HTTP/1.1\r\nHo");
    await(() -> guard.waitingForHead() == 1);
    clock.now = clock.now.plusSeconds(6);
    send(
        slow, "st: 127"); // bytes keep coming: an idle timeout would restart, the deadline does not
    Socket later = open("GET /healthz HTTP/1.1\r\n");
    await(() -> guard.waitingForHead() == 2);
    clock.now = clock.now.plusSeconds(5); // slow: 11 s, later: 5 s

    guard.sweep();

    assertThat(closedByServer(slow)).isTrue();
    assertThat(guard.timedOut()).isEqualTo(1);
    assertThat(guard.open()).isEqualTo(1);
    send(later, "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
    String answer = new String(later.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"status\":\"ok\"");
  }

  @Test
  void aNewcomerPastTheAddressCapEvictsTheOldestConnectionWithoutARequestHead() throws IOException {
    start(100, 3);
    ConnectionGuard guard = server.connections();
    List<Socket> flood = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      flood.add(open("GET / HTTP/1.1\r\nX-Slow: "));
      int n = i + 1;
      await(() -> guard.open() == n); // in order, so "oldest" is the first
    }

    // The health check comes from the flood's own address and is served.
    Socket check = new Socket(InetAddress.getLoopbackAddress(), server.port());
    sockets.add(check);
    check.setSoTimeout(20_000);
    assertThat(healthz(check)).startsWith("HTTP/1.1 200");
    check.close();

    assertThat(closedByServer(flood.get(0))).as("the oldest waiting connection").isTrue();
    assertThat(guard.evicted()).isEqualTo(1);
    await(() -> guard.open() == 2, () -> "open: " + guard.open());
    // The others are still open: they can still send their request.
    send(flood.get(1), "1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(new String(flood.get(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void connectionsInsideARequestAreNeverEvictedTheNewcomerIsClosedInstead() throws IOException {
    start(2, 2);
    ConnectionGuard guard = server.connections();
    String head =
        "POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    Socket a = open(head);
    Socket b = open(head);
    await(() -> guard.open() == 2 && guard.waitingForHead() == 0);

    Socket c = open("GET /healthz HTTP/1.1\r\n");
    assertThat(closedByServer(c)).isTrue();
    assertThat(guard.refused()).isEqualTo(1);
    assertThat(guard.evicted()).isZero();
    assertThat(guard.open()).isEqualTo(2);
    // Both requests are still served: their bodies arrive, they get an answer.
    String rest = "\"prompt\":\"p\"}" + " ".repeat(99 - "\"prompt\":\"p\"}".length());
    for (Socket s : List.of(a, b)) {
      send(s, rest);
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
          .startsWith("HTTP/1.1 ");
    }
  }

  @Test
  void theTotalCapEvictsTheOldestWaitingConnectionOfAnyAddress() throws IOException {
    start(3, 3);
    ConnectionGuard guard = server.connections();
    Socket first = open("GET");
    await(() -> guard.open() == 1);
    open("GET");
    open("GET");
    await(() -> guard.open() == 3);
    Socket check = new Socket(InetAddress.getLoopbackAddress(), server.port());
    sockets.add(check);
    check.setSoTimeout(20_000);
    assertThat(healthz(check)).startsWith("HTTP/1.1 200");
    assertThat(closedByServer(first)).isTrue();
    assertThat(guard.evicted()).isEqualTo(1);
  }

  @Test
  void theCapsAreValidated() {
    RenderLabServer.Builder b = RenderLabServer.builder();
    assertThatThrownBy(() -> b.maxConnections(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxConnections(10, 11)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.headerTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    b.maxConnections(1, 1).headerTimeout(Duration.ofMillis(1));
  }
}
