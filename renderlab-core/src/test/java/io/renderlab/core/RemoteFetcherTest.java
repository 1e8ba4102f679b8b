package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteFetcherTest {
  static final byte[] PNG = png(100);

  MockWebServer server;
  RemoteFetcher open;

  static byte[] png(int size) {
    byte[] b = new byte[size];
    byte[] sig = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    System.arraycopy(sig, 0, b, 0, sig.length);
    for (int i = sig.length; i < size; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    open =
        RemoteFetcher.builder()
            .allowHost("127.0.0.1")
            .maxBytes(1024)
            .readTimeout(Duration.ofSeconds(2))
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    open.close();
  }

  String url(String path) {
    return server.url(path).toString();
  }

  static byte[] readAll(RemoteResource r) throws IOException {
    try (r;
        InputStream in = r.body()) {
      return in.readAllBytes();
    }
  }

  @Test
  void streamsAnImageAndSniffsItsType() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body(new Buffer().write(PNG))
            .addHeader("Content-Type", "text/html")
            .build());

    RemoteResource r = open.openImage(url("/out.jpg?sig=secret"));

    assertThat(r.mediaType()).contains(MediaType.PNG);
    assertThat(r.redactedUrl()).doesNotContain("secret");
    assertThat(readAll(r)).isEqualTo(PNG);
  }

  @Test
  void bodiesWithoutALengthWork() throws Exception {
    server.enqueue(new MockResponse.Builder().chunkedBody(new Buffer().write(PNG), 7).build());

    RemoteResource r = open.openImage(url("/chunked"));

    assertThat(r.contentLength()).isEmpty();
    assertThat(readAll(r)).isEqualTo(PNG);
  }

  @Test
  void refusesHtmlServedAsAnImage() {
    server.enqueue(
        new MockResponse.Builder()
            .body("<html>not an image</html>")
            .addHeader("Content-Type", "image/png")
            .build());

    assertThatThrownBy(() -> open.openImage(url("/fake.png")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .extracting(e -> ((RemoteFetchRefusedException) e).reason())
        .isEqualTo(Reason.NOT_AN_IMAGE);
  }

  @Test
  void refusesABodyOverTheCapWhenTheLengthSaysSo() {
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(png(2000))).build());

    assertThatThrownBy(() -> open.openImage(url("/big.png")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageContaining("1024-byte cap");
  }

  @Test
  void refusesABodyOverTheCapWhileStreamingWithoutALength() throws Exception {
    server.enqueue(
        new MockResponse.Builder().chunkedBody(new Buffer().write(png(5000)), 100).build());

    RemoteResource r = open.openImage(url("/big-chunked.png"));
    assertThatThrownBy(() -> readAll(r))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .extracting(e -> ((RemoteFetchRefusedException) e).reason())
        .isEqualTo(Reason.TOO_LARGE);
  }

  @Test
  void acceptsABodyExactlyAtTheCap() throws Exception {
    server.enqueue(
        new MockResponse.Builder().chunkedBody(new Buffer().write(png(1024)), 100).build());

    assertThat(readAll(open.openImage(url("/exact.png")))).hasSize(1024);
  }

  @Test
  void aSlowBodyPastTheIdleTimeoutEndsInATimeout() {
    RemoteFetcher impatient =
        open.toBuilder()
            .readTimeout(Duration.ofMillis(200))
            .deadline(Duration.ofSeconds(5))
            .build();
    server.enqueue(
        new MockResponse.Builder()
            .body(new Buffer().write(png(600)))
            .throttleBody(10, 1, TimeUnit.SECONDS)
            .build());

    assertThatThrownBy(() -> readAll(impatient.openImage(url("/slow.png"))))
        .isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void aBodyDribblingPastTheOverallDeadlineEndsInATimeout() {
    RemoteFetcher hurried =
        open.toBuilder()
            .readTimeout(Duration.ofSeconds(5))
            .deadline(Duration.ofMillis(500))
            .build();
    server.enqueue(
        new MockResponse.Builder()
            .body(new Buffer().write(png(1000)))
            .throttleBody(50, 100, TimeUnit.MILLISECONDS)
            .build());

    assertThatThrownBy(() -> readAll(hurried.openImage(url("/dribble.png"))))
        .isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void followsRedirectsAndVetsEveryHop() throws Exception {
    server.enqueue(
        new MockResponse.Builder().code(302).addHeader("Location", "/final.png").build());
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThat(readAll(open.openImage(url("/start")))).isEqualTo(PNG);
  }

  @Test
  void refusesARedirectIntoAPrivateAddress() {
    server.enqueue(
        new MockResponse.Builder()
            .code(302)
            .addHeader("Location", "http://169.254.169.254/latest/meta-data/")
            .build());

    assertThatThrownBy(() -> open.openImage(url("/start")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageContaining("link-local")
        .extracting(e -> ((RemoteFetchRefusedException) e).reason())
        .isEqualTo(Reason.PRIVATE_ADDRESS);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2/x.png",
        "http://2130706434/x.png",
        "http://127.2/x.png",
        "http://0x7f.0.0.2/x.png",
        "http://0177.0.0.2/x.png",
        "http://0/x.png",
        "http://[::1]/x.png",
        "http://[::]/x.png",
        "http://[::ffff:169.254.169.254]/x.png",
        "http://[::ffff:a9fe:a9fe]/x.png",
        "http://[::10.0.0.1]/x.png",
        "http://10.0.0.1/x.png",
        "http://172.16.0.1/x.png",
        "http://192.168.0.1/x.png",
        "http://100.64.0.1/x.png",
        "http://224.0.0.1/x.png",
        "http://[fe80::1]/x.png",
        "http://[fd00::1]/x.png",
        "http://private.example.test/x.png"
      })
  void refusesARedirectIntoEveryNonPublicForm(String location) {
    RemoteFetcher fetcher = open.toBuilder().resolver(RemoteFetcherTest::fakeDns).build();
    server.enqueue(new MockResponse.Builder().code(302).addHeader("Location", location).build());

    assertThatThrownBy(() -> fetcher.openImage(url("/start")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(Reason.PRIVATE_ADDRESS));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"file:///etc/passwd", "ftp://example.com/x.png", "http://user:pw@127.0.0.1/x.png"})
  void refusesARedirectToAnotherSchemeOrToCredentials(String location) {
    server.enqueue(new MockResponse.Builder().code(301).addHeader("Location", location).build());

    assertThatThrownBy(() -> open.openImage(url("/start")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageNotContaining("pw@")
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isIn(Reason.SCHEME, Reason.CREDENTIALS));
  }

  @Test
  void connectsOnlyToTheAddressItVettedWithoutASecondLookup() throws Exception {
    // DNS rebinding: the first answer is allowed, every later one private. Only one lookup happens.
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    RemoteFetcher fetcher =
        open.toBuilder()
            .resolver(
                host -> {
                  if (!host.equals("images.example.test")) {
                    throw new java.net.UnknownHostException(host);
                  }
                  return List.of(
                      InetAddress.getByName(
                          lookups.getAndIncrement() == 0 ? "127.0.0.1" : "10.9.9.9"));
                })
            .build();
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThat(
            readAll(fetcher.openImage("http://images.example.test:" + server.getPort() + "/x.png")))
        .isEqualTo(PNG);
    assertThat(lookups).hasValue(1);
    assertThat(server.takeRequest().getHeaders().get("Host"))
        .isEqualTo("images.example.test:" + server.getPort());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "126.255.255.255", "128.0.0.0", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0",
        "192.167.255.255", "192.169.0.0", "169.253.255.255", "169.255.0.0", "100.63.255.255",
            "100.128.0.0",
        "223.255.255.255", "1.1.1.1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::",
            "2606:4700:4700::1111"
      })
  void acceptsThePublicAddressesNextToEveryBlockedRange(String address) throws Exception {
    assertThat(io.renderlab.core.internal.AddressPolicy.classify(InetAddress.getByName(address)))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.255.255.255",
        "10.255.255.255",
        "172.31.255.255",
        "192.168.255.255",
        "169.254.0.0",
        "100.64.0.0",
        "100.127.255.255",
        "0.255.255.255",
        "239.255.255.255",
        "fc00::",
        "fdff:ffff::1",
        "febf::1",
        "::ffff:100.64.0.1"
      })
  void refusesTheEdgesOfEveryBlockedRange(String address) throws Exception {
    assertThat(io.renderlab.core.internal.AddressPolicy.classify(InetAddress.getByName(address)))
        .isPresent();
  }

  @Test
  void refusesABodyOverTheCapWhoseLengthIsUnderstated() throws Exception {
    // The server claims less than it sends: only the announced bytes are read, never more.
    server.enqueue(
        new MockResponse.Builder()
            .body(new Buffer().write(png(3000)))
            .setHeader("Content-Length", "100")
            .build());

    assertThat(readAll(open.openImage(url("/liar.png")))).hasSize(100);
  }

  @Test
  void refusesEndlessRedirects() {
    for (int i = 0; i < 7; i++) {
      server.enqueue(
          new MockResponse.Builder().code(301).addHeader("Location", "/loop" + i).build());
    }
    assertThatThrownBy(() -> open.openImage(url("/loop")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .extracting(e -> ((RemoteFetchRefusedException) e).reason())
        .isEqualTo(Reason.TOO_MANY_REDIRECTS);
  }

  @Test
  void anExpiredDeliveryUrlIsReportedAsExpired() {
    server.enqueue(new MockResponse.Builder().code(404).build());

    assertThatThrownBy(() -> open.openImage(url("/gone.png")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("expired")
        .satisfies(
            e -> {
              assertThat(((RemoteFetchFailedException) e).isExpired()).isTrue();
              assertThat(((RemoteFetchFailedException) e).isRetryable()).isFalse();
            });
  }

  @Test
  void aServerErrorIsRetryable() {
    server.enqueue(new MockResponse.Builder().code(503).build());

    assertThatThrownBy(() -> open.openImage(url("/busy.png")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .satisfies(e -> assertThat(((RemoteFetchFailedException) e).isRetryable()).isTrue());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/x.png",
        "http://localhost/x.png",
        "http://2130706433/x.png",
        "http://127.1/x.png",
        "http://0x7f.1/x.png",
        "http://0177.0.0.1/x.png",
        "http://0/x.png",
        "http://0.0.0.0/x.png",
        "http://[::1]/x.png",
        "http://[::]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
        "http://[::ffff:7f00:1]/x.png",
        "http://[::127.0.0.1]/x.png",
        "http://[64:ff9b::a9fe:a9fe]/x.png",
        "http://[2002:7f00:1::]/x.png",
        "http://10.0.0.5/x.png",
        "http://172.16.3.4/x.png",
        "http://192.168.1.1/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/x.png",
        "http://224.0.0.1/x.png",
        "http://255.255.255.255/x.png",
        "http://[fe80::1]/x.png",
        "http://[fd00::1]/x.png",
        "http://[ff02::1]/x.png",
        "http://private.example.test/x.png"
      })
  void refusesEveryNonPublicAddress(String url) {
    RemoteFetcher strict = RemoteFetcher.builder().resolver(RemoteFetcherTest::fakeDns).build();

    assertThatThrownBy(() -> strict.openImage(url))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(Reason.PRIVATE_ADDRESS));
  }

  /** DNS for the test: one name with a public and a private address (any private one refuses). */
  static List<InetAddress> fakeDns(String host) throws java.net.UnknownHostException {
    if (host.equals("private.example.test")) {
      return List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.1.2.3"));
    }
    return Arrays.asList(InetAddress.getAllByName(host));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "gopher://x/",
        "javascript:alert(1)"
      })
  void refusesOtherSchemes(String url) {
    assertThatThrownBy(() -> open.openImage(url))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isIn(Reason.SCHEME, Reason.MALFORMED));
  }

  @Test
  void refusesCredentialsInUrlsAndNeverPrintsThem() {
    assertThatThrownBy(() -> open.openImage("http://user:hunter2@127.0.0.1/x.png"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageNotContaining("hunter2")
        .satisfies(
            e ->
                assertThat(((RemoteFetchRefusedException) e).reason())
                    .isEqualTo(Reason.CREDENTIALS));
  }

  @Test
  void theAllowListLiftsTheBlockForCidrsToo() throws Exception {
    RemoteFetcher cidr = RemoteFetcher.builder().allowHost("127.0.0.0/8").build();
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());

    assertThat(readAll(cidr.openImage(url("/ok.png")))).isEqualTo(PNG);
  }

  @Test
  void readsDataUrls() throws Exception {
    String data = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(PNG);

    RemoteResource r = open.openImage(data);

    assertThat(r.mediaType()).contains(MediaType.PNG);
    assertThat(readAll(r)).isEqualTo(PNG);
    assertThat(r.redactedUrl()).isEqualTo("data:image/png,…");
  }

  @Test
  void refusesDataUrlsOverTheCapOrNotImages() {
    String big = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png(4000));
    assertThatThrownBy(() -> open.openImage(big)).isInstanceOf(RemoteFetchRefusedException.class);
    assertThatThrownBy(() -> open.openImage("data:text/plain,hello"))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessageContaining("not a PNG");
  }

  @Test
  void rejectsBlankUrls() {
    assertThatThrownBy(() -> open.open(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteFetcher.builder().maxBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
