package io.renderlab.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.RemoteFetchFailedException;
import io.renderlab.core.RemoteFetcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS in the fetcher's client, against a loopback TLS server whose certificate (made by the JDK's
 * keytool) names {@code images.example.test}: the certificate must match the URL's host, the host
 * goes out as SNI, and a certificate the JDK does not trust is refused.
 */
class PinnedHttpTlsTest {
  static final String HOST = "images.example.test";
  static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir static Path dir;
  static SSLContext serverContext;
  static SSLContext clientContext;

  SSLServerSocket server;

  @BeforeAll
  static void certificate() throws Exception {
    Path store = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + HOST,
                "-ext",
                "SAN=dns:" + HOST,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", keys.getCertificate("server"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);
  }

  @BeforeEach
  void start() throws IOException {
    server =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  /** Answers one request with a small body; returns the SNI names the client sent. */
  CompletableFuture<List<SNIServerName>> answerOnce() {
    return CompletableFuture.supplyAsync(
        () -> {
          try (SSLSocket s = (SSLSocket) server.accept()) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            List<SNIServerName> names =
                ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
              head.write(c);
              if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
              }
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes());
            out.flush();
            return names;
          } catch (IOException e) {
            return List.of(); // the client refused the handshake
          }
        });
  }

  PinnedHttp.Target target(String host) {
    return new PinnedHttp.Target(
        "https",
        host,
        server.getLocalPort(),
        "/x.png",
        List.of(InetAddress.getLoopbackAddress()),
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        System.nanoTime() + Duration.ofSeconds(10).toNanos());
  }

  @Test
  void talksToTheServerItsCertificateNamesAndSendsTheHostAsSni() throws Exception {
    CompletableFuture<List<SNIServerName>> sni = answerOnce();

    try (PinnedHttp.Response response =
        PinnedHttp.get(target(HOST), Map.of(), clientContext.getSocketFactory())) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().readAllBytes()).isEqualTo("hello".getBytes());
    }
    assertThat(sni.get(10, TimeUnit.SECONDS)).containsExactly(new SNIHostName(HOST));
  }

  @Test
  void refusesACertificateForAnotherHost() {
    answerOnce();

    assertThatThrownBy(
            () ->
                PinnedHttp.get(
                    target("other.example.test"), Map.of(), clientContext.getSocketFactory()))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("other.example.test");
  }

  @Test
  void theFetcherRefusesACertificateTheJdkDoesNotTrust() {
    answerOnce();
    RemoteFetcher fetcher =
        RemoteFetcher.builder()
            .allowHost("127.0.0.1")
            .resolver(host -> List.of(InetAddress.getLoopbackAddress()))
            .build();

    assertThatThrownBy(
            () -> fetcher.open("https://" + HOST + ":" + server.getLocalPort() + "/x.png"))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("SSLHandshakeException");
  }
}
