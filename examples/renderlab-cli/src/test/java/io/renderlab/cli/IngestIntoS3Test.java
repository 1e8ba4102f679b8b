package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.storage.GeneratedImage;
import io.renderlab.storage.RawS3Server;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} of a big streamed body into an S3 server that keeps {@code aws-chunked} bodies
 * undecoded: the exact bytes are stored (framing off, the plain-http default), or the command fails
 * with one {@code error:} line and a non-zero exit, leaving nothing (framing forced on). The suite
 * streams 24 MiB; {@code -Drenderlab.bigIngestMiB=200} runs the 200 MiB.
 */
class IngestIntoS3Test {
  static final long BIG = Long.getLong("renderlab.bigIngestMiB", 24) * 1024 * 1024;

  @TempDir Path home;
  @TempDir Path s3root;
  RawS3Server s3;
  MockWebServer source;
  CliRunner cli;

  @BeforeEach
  void start() throws Exception {
    s3 = new RawS3Server(s3root, "renderlab-images");
    source = new MockWebServer();
    source.start(InetAddress.getLoopbackAddress(), 0);
    cli = new CliRunner(home);
    System.setProperty("aws.accessKeyId", "test-key");
    System.setProperty("aws.secretAccessKey", "test-secret");
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    s3.close();
    source.close();
  }

  CliRunner.Result ingest(String storageQuery, String key) {
    return cli.run(
        "ingest",
        source.url("/big.png").toString(),
        "--key",
        key,
        "--storage",
        "s3://renderlab-images?endpoint=" + s3.endpoint() + "&pathStyle=true" + storageQuery,
        "--allow-host",
        "127.0.0.1",
        "--max-bytes",
        Long.toString(BIG + 1));
  }

  @Test
  void aBigIngestStoresTheExactBytesOrExitsNonZeroWithOneErrorLine() throws Exception {
    GeneratedImage image = new GeneratedImage(BIG, 42);
    String expected = image.sha256();

    source.enqueue(new MockResponse.Builder().body(image.responseBody()).build());
    CliRunner.Result framed = ingest("&chunkedEncoding=true", "u/framed.png");
    assertThat(framed.exitCode()).as(framed.err()).isNotZero();
    assertThat(framed.err().lines()).hasSize(1).allMatch(l -> l.startsWith("error: "));
    assertThat(framed.err())
        .contains("aws-chunked")
        .contains("chunkedEncoding=false")
        .doesNotContain("test-secret");
    assertThat(framed.out()).isEmpty();
    assertThat(s3.keys()).isEmpty();
    assertThat(s3.openUploads()).isZero();

    source.enqueue(new MockResponse.Builder().body(image.responseBody()).build());
    CliRunner.Result plain = ingest("", "u/big.png");
    assertThat(plain.exitCode()).as(plain.err()).isZero();
    assertThat(plain.out().strip()).endsWith("/renderlab-images/u/big.png");
    try (InputStream kept = Files.newInputStream(s3.file("u/big.png"))) {
      assertThat(GeneratedImage.sha256(kept)).isEqualTo(expected);
    }
    assertThat(s3.awsChunkedBodies.get()).as("only the forced run framed its bodies").isPositive();
  }
}
