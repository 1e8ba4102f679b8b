package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two fetch policies: the operator's {@code allowHost} exemptions reach the operator's own
 * sources; the strict view for end users' URLs drops them, and its errors do not tell how a host
 * resolved or whether a port is open. No test sends traffic beyond loopback: private addresses are
 * refused before any connection.
 */
class StrictFetchPolicyTest {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13};

  MockWebServer provider;
  MockWebServer internal;
  RemoteFetcher operator;

  @BeforeEach
  void start() throws IOException {
    provider = new MockWebServer();
    provider.start(InetAddress.getLoopbackAddress(), 0);
    internal = new MockWebServer();
    internal.start(InetAddress.getLoopbackAddress(), 0);
    operator =
        RemoteFetcher.builder().allowHost("127.0.0.1").readTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() throws IOException {
    provider.close();
    internal.close();
    operator.close();
  }

  /** The refusal with the URL taken out, to compare what two refusals tell. */
  static String shape(Throwable e, String url) {
    RemoteFetchRefusedException r = (RemoteFetchRefusedException) e;
    return r.getClass().getName()
        + "|"
        + r.reason()
        + "|"
        + r.isRetryable()
        + "|"
        + r.getMessage().replace(Redaction.url(url), "<url>");
  }

  static Throwable failure(RemoteFetcher fetcher, String url) {
    try {
      fetcher.open(url).close();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a refusal of " + url);
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void theOperatorsExemptionReachesItsProviderButNotWithTheStrictView() throws Exception {
    provider.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    String url = provider.url("/output.png").toString();
    try (RemoteResource r = operator.openImage(url)) {
      assertThat(r.body().readAllBytes()).isEqualTo(PNG);
    }

    RemoteFetcher users = operator.strict();
    assertThat(users.isStrict()).isTrue();
    assertThat(operator.isStrict()).isFalse();
    assertThatThrownBy(() -> users.openImage(url))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(Reason.UNREACHABLE));
    assertThat(provider.getRequestCount()).isEqualTo(1);
    users.close(); // a view: closing it leaves the operator's fetcher working
    provider.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    operator.openImage(url).close();
  }

  @Test
  void aRedirectFromTheAllowedHostIntoItsInternalPortIsRefusedForUserUrls() throws Exception {
    String secret = internal.url("/admin/secret.png").toString();
    provider.enqueue(new MockResponse.Builder().code(302).addHeader("Location", secret).build());
    provider.enqueue(new MockResponse.Builder().code(302).addHeader("Location", secret).build());
    internal.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    String url = provider.url("/redirect").toString();

    // the operator's policy follows it (both are on its allowed host) ...
    operator.openImage(url).close();
    assertThat(internal.getRequestCount()).isEqualTo(1);

    // ... the strict one reaches neither the allowed host nor its internal port
    Throwable refused = failure(operator.strict(), url);
    assertThat(refused).isInstanceOf(RemoteFetchRefusedException.class);
    assertThat(refused.getMessage()).doesNotContain(String.valueOf(internal.getPort()));
    assertThat(internal.getRequestCount()).isEqualTo(1);
    assertThat(provider.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aClosedPortAnOpenPortAndAPrivateAddressLookAlikeToTheUser() throws Exception {
    RemoteFetcher users = operator.strict();
    String open = provider.url("/x.png").toString();
    String closed = "http://127.0.0.1:" + closedPort() + "/x.png";
    String privateAddress = "http://10.20.30.40:8080/x.png";
    String privateName = "http://intranet.corp/x.png";
    RemoteFetcher usersWithDns =
        RemoteFetcher.builder()
            .resolver(h -> List.of(InetAddress.getByAddress(h, new byte[] {10, 0, 0, 7})))
            .build()
            .strict();

    String expected = shape(failure(users, open), open);
    assertThat(shape(failure(users, closed), closed)).isEqualTo(expected);
    assertThat(shape(failure(users, privateAddress), privateAddress)).isEqualTo(expected);
    assertThat(shape(failure(usersWithDns, privateName), privateName)).isEqualTo(expected);
    assertThat(expected)
        .doesNotContain("loopback", "private", "refused", "Connect", "resolve", "timed out");
    assertThat(provider.getRequestCount()).isZero();
  }

  @Test
  void connectionFailuresAreOpaqueToo() throws Exception {
    // Loopback stands in for a public host here: opaque errors with the exemption kept, so the
    // connection is really attempted: refused, accepted-then-closed (not HTTP), and answered.
    try (RemoteFetcher opaque =
            RemoteFetcher.builder()
                .allowHost("127.0.0.1")
                .opaqueErrors(true)
                .connectTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofSeconds(2))
                .build();
        ServerSocket notHttp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> closer =
          CompletableFuture.runAsync(
              () -> {
                try (Socket s = notHttp.accept()) {
                  s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes());
                } catch (IOException ignored) {
                  // the test ends either way
                }
              });
      String closed = "http://127.0.0.1:" + closedPort() + "/x.png";
      String talksSsh = "http://127.0.0.1:" + notHttp.getLocalPort() + "/x.png";
      String privateAddress = "http://192.168.1.1/x.png";

      String expected = shape(failure(opaque, closed), closed);
      assertThat(shape(failure(opaque, talksSsh), talksSsh)).isEqualTo(expected);
      assertThat(shape(failure(opaque, privateAddress), privateAddress)).isEqualTo(expected);
      closer.join();

      provider.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
      opaque.openImage(provider.url("/ok.png").toString()).close();
    }
  }

  @Test
  void withoutOpaqueErrorsTheOperatorIsToldWhy() throws Exception {
    String closed = "http://127.0.0.1:" + closedPort() + "/x.png";
    assertThatThrownBy(() -> operator.open(closed)).isInstanceOf(RemoteFetchFailedException.class);
    assertThatThrownBy(() -> operator.open("http://10.20.30.40/x.png"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageContaining("private address")
        .hasMessageContaining("allowHost");
  }

  @Test
  void checkVetsAUrlWithoutConnectingOrResolving() throws Exception {
    RemoteFetcher publicDns =
        RemoteFetcher.builder()
            .resolver(
                h -> {
                  throw new AssertionError("check must not resolve " + h);
                })
            .build()
            .strict();
    publicDns.check("https://cdn.example.com/a.png");
    publicDns.check("http://cdn.example.com:8080/a.png");

    for (String bad :
        new String[] {
          "javascript:alert(1)",
          "file:///etc/passwd",
          "ftp://cdn.example.com/a.png",
          "data:image/png;base64,AAAA",
          "https://user:pw@cdn.example.com/a.png"
        }) {
      assertThatThrownBy(() -> publicDns.check(bad))
          .as(bad)
          .isInstanceOf(RemoteFetchRefusedException.class);
    }
    RemoteFetcher users = operator.strict();
    for (String local :
        new String[] {
          provider.url("/a.png").toString(),
          "http://169.254.169.254/latest/meta-data",
          "http://[::1]/a.png",
          "http://2130706433/a.png",
          "http://localhost:8080/a.png",
          "http://[::ffff:10.0.0.1]/a.png"
        }) {
      assertThatThrownBy(() -> users.check(local))
          .as(local)
          .isInstanceOf(RemoteFetchRefusedException.class)
          .satisfies(
              e ->
                  assertThat(((RemoteFetchRefusedException) e).reason())
                      .isEqualTo(Reason.UNREACHABLE));
    }
    assertThat(provider.getRequestCount()).isZero();
  }
}
