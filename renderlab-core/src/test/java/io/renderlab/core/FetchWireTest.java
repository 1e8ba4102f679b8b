package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetcher's HTTP/1.1 on the wire, against a raw socket server: the response shapes a mock
 * server does not produce (close-delimited bodies, interim responses, oversized or malformed heads,
 * TLS against a plain port) and what the request looks like.
 */
class FetchWireTest {
  static final byte[] PNG = RemoteFetcherTest.png(300);

  ServerSocket server;
  RemoteFetcher fetcher;
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    fetcher =
        RemoteFetcher.builder()
            .allowHost("127.0.0.1")
            .maxBytes(1024)
            .readTimeout(Duration.ofMillis(500))
            .deadline(Duration.ofSeconds(5))
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    release.countDown();
    server.close();
    fetcher.close();
  }

  /** Answers one connection with {@code head} then {@code body}, and returns the request head. */
  CompletableFuture<String> answer(String head, byte[] body, boolean holdOpen) {
    return answer(head, body, holdOpen, true);
  }

  CompletableFuture<String> answer(
      String head, byte[] body, boolean holdOpen, boolean readRequest) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = server.accept()) {
            String request = readRequest ? readHead(s.getInputStream()) : "";
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            if (holdOpen) {
              release.await(10, TimeUnit.SECONDS);
            }
            return request;
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  static byte[] readAll(RemoteResource r) throws IOException {
    try (r;
        InputStream in = r.body()) {
      return in.readAllBytes();
    }
  }

  @Test
  void sendsOneGetWithTheHostPathAndQueryAndNoCompression() throws Exception {
    CompletableFuture<String> request =
        answer("HTTP/1.1 200 OK\r\nContent-Length: " + PNG.length + "\r\n\r\n", PNG, false);

    assertThat(readAll(fetcher.openImage(url("/a%20b/x.png?sig=1&v=%C3%A9#frag")))).isEqualTo(PNG);
    assertThat(request.get(5, TimeUnit.SECONDS))
        .startsWith("GET /a%20b/x.png?sig=1&v=%C3%A9 HTTP/1.1\r\n")
        .contains("Host: 127.0.0.1:" + server.getLocalPort() + "\r\n")
        .contains("User-Agent: renderlab-java\r\n")
        .contains("Accept-Encoding: identity\r\n")
        .contains("Connection: close\r\n");
  }

  @Test
  void readsACloseDelimitedBody() throws Exception {
    answer("HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\n", PNG, false);

    RemoteResource r = fetcher.openImage(url("/old.png"));

    assertThat(r.contentLength()).isEmpty();
    assertThat(readAll(r)).isEqualTo(PNG);
  }

  @Test
  void skipsAnInterimResponse() throws Exception {
    answer(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
            + PNG.length
            + "\r\n\r\n",
        PNG,
        false);

    assertThat(readAll(fetcher.openImage(url("/x.png")))).isEqualTo(PNG);
  }

  @Test
  void refusesAnOversizedResponseHead() {
    String huge = "X-Filler: " + "a".repeat(4000) + "\r\n";
    answer("HTTP/1.1 200 OK\r\n" + huge.repeat(40) + "\r\n", PNG, true);

    assertThatThrownBy(() -> fetcher.openImage(url("/x.png")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("ProtocolException");
  }

  @Test
  void refusesAnOverlongHeaderLine() {
    answer("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(9000) + "\r\n\r\n", PNG, true);

    assertThatThrownBy(() -> fetcher.openImage(url("/x.png")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("ProtocolException");
  }

  @Test
  void refusesConflictingContentLengths() {
    answer("HTTP/1.1 200 OK\r\nContent-Length: 300\r\nContent-Length: 20\r\n\r\n", PNG, true);

    assertThatThrownBy(() -> fetcher.openImage(url("/x.png")))
        .isInstanceOf(RemoteFetchFailedException.class);
  }

  @Test
  void aBodyCutShortOfItsLengthFails() {
    answer("HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n", PNG, false);

    assertThatThrownBy(() -> readAll(fetcher.openImage(url("/cut.png"))))
        .isInstanceOf(RemoteFetchFailedException.class)
        .satisfies(e -> assertThat(((RemoteFetchFailedException) e).isRetryable()).isTrue());
  }

  @Test
  void aServerSilentBeforeItsHeadersTimesOut() {
    answer("", new byte[0], true);

    assertThatThrownBy(() -> fetcher.openImage(url("/silent.png")))
        .isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void httpsToAPortThatDoesNotSpeakTlsFailsWithoutLeakingTheQuery() {
    // answers the ClientHello with plain HTTP, as a plain port would
    answer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", new byte[0], true, false);

    assertThatThrownBy(
            () ->
                fetcher.openImage(
                    "https://127.0.0.1:" + server.getLocalPort() + "/x.png?token=secret"))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageNotContaining("secret");
  }

  @Test
  void aResponseThatIsNotHttpFails() {
    answer("SSH-2.0-OpenSSH_9.6\r\n", new byte[0], true);

    assertThatThrownBy(() -> fetcher.openImage(url("/x.png")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("ProtocolException");
  }
}
