package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Every S3 write is confirmed against what the store keeps. Against a server that stores {@code
 * aws-chunked} bodies undecoded ({@link RawS3Server}) a write either keeps the exact bytes (framing
 * off, the default for plain http) or fails and leaves nothing (framing forced on); against a real
 * S3-protocol server (S3Mock) both settings keep the exact bytes.
 */
class S3WriteCheckTest {
  /**
   * The big ingest's size; the suite uses a smaller one, {@code -Drenderlab.bigIngestMiB=200} for
   * the full run.
   */
  static final long BIG = Long.getLong("renderlab.bigIngestMiB", 24) * 1024 * 1024;

  @RegisterExtension
  static final S3MockExtension S3 =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withInitialBuckets("renderlab-images")
          .build();

  @TempDir Path dir;
  RawS3Server raw;
  MockWebServer source;

  @BeforeEach
  void start() throws Exception {
    raw = new RawS3Server(dir, "renderlab-images");
    source = new MockWebServer();
    source.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws Exception {
    raw.close();
    source.close();
  }

  static S3ImageStore.Builder builder(URI endpoint) {
    return S3ImageStore.builder()
        .bucket("renderlab-images")
        .endpoint(endpoint)
        .pathStyle(true)
        .partSize(5 * 1024 * 1024)
        .credentials(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("test-key", "test-secret")));
  }

  @Test
  void aServerKeepingAwsChunkedFramingIsCaughtAndTheObjectRemoved() throws Exception {
    GeneratedImage image = new GeneratedImage(1024 * 1024 + 7, 1);
    try (S3ImageStore store = builder(raw.endpoint()).chunkedEncoding(true).build()) {
      assertThatThrownBy(
              () ->
                  store.put(
                      "u/a.png",
                      image.stream(),
                      PutOptions.of("image/png").withLength(image.size())))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("aws-chunked")
          .hasMessageContaining("chunkedEncoding=false")
          .hasMessageContaining("nothing was stored")
          .hasMessageNotContaining("test-secret");
    }
    assertThat(raw.awsChunkedBodies.get()).isPositive();
    assertThat(raw.keys()).isEmpty();
  }

  @Test
  void partsKeptWithTheirFramingAbortTheMultipartUpload() throws Exception {
    GeneratedImage image = new GeneratedImage(11 * 1024 * 1024, 2);
    try (S3ImageStore store = builder(raw.endpoint()).chunkedEncoding(true).build()) {
      assertThatThrownBy(() -> store.put("u/b.png", image.stream(), PutOptions.of("image/png")))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("part 1")
          .hasMessageContaining("chunkedEncoding=false");
    }
    assertThat(raw.keys()).isEmpty();
    assertThat(raw.openUploads()).isZero();
  }

  @Test
  void plainHttpEndpointsGetUnframedBodiesByDefaultAndKeepTheExactBytes() throws Exception {
    try (S3ImageStore store = builder(raw.endpoint()).build()) {
      for (long size : new long[] {3, 1024 * 1024, 11L * 1024 * 1024 + 5}) {
        GeneratedImage image = new GeneratedImage(size, size);
        String key = "u/known-" + size + ".png";
        StoredObject known =
            store.put(key, image.stream(), PutOptions.of("image/png").withLength(size));
        assertThat(known.sha256()).isEqualTo(image.sha256());
        assertThat(GeneratedImage.sha256(Files.newInputStream(raw.file(key))))
            .isEqualTo(image.sha256());

        String unknownKey = "u/unknown-" + size + ".png";
        store.put(unknownKey, image.stream(), PutOptions.of("image/png"));
        assertThat(GeneratedImage.sha256(Files.newInputStream(raw.file(unknownKey))))
            .isEqualTo(image.sha256());
      }
    }
    assertThat(raw.awsChunkedBodies.get()).isZero();
  }

  @Test
  void aBodyShorterThanAnnouncedLeavesNothingWithoutFraming() throws Exception {
    GeneratedImage image = new GeneratedImage(6 * 1024 * 1024, 3);
    try (S3ImageStore store = builder(raw.endpoint()).build()) {
      assertThatThrownBy(
              () ->
                  store.put(
                      "u/short.png",
                      image.stream(),
                      PutOptions.of("image/png").withLength(image.size() + 10)))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("announced");
    }
    assertThat(raw.keys()).isEmpty();
    assertThat(raw.openUploads()).isZero();
  }

  @Test
  void aRealS3ServerKeepsTheExactBytesWithAndWithoutFraming() throws Exception {
    URI s3mock = URI.create("http://127.0.0.1:" + S3.getHttpPort());
    for (boolean chunked : new boolean[] {true, false}) {
      try (S3ImageStore store = builder(s3mock).chunkedEncoding(chunked).build()) {
        for (long size : new long[] {1024 * 1024 + 1, 6L * 1024 * 1024}) {
          GeneratedImage image = new GeneratedImage(size, size + (chunked ? 1 : 0));
          String key = "u/" + chunked + "-" + size + ".png";
          store.put(key, image.stream(), PutOptions.of("image/png").withLength(size));
          assertThat(GeneratedImage.sha256(store.open(key))).isEqualTo(image.sha256());
        }
      }
    }
  }

  @Test
  void theStorageUrlTurnsTheFramingOnAndOff() throws Exception {
    GeneratedImage image = new GeneratedImage(100_000, 4);
    String base = "s3://renderlab-images?endpoint=" + raw.endpoint() + "&pathStyle=true";
    System.setProperty("aws.accessKeyId", "test-key");
    System.setProperty("aws.secretAccessKey", "test-secret");
    try {
      try (ImageStore store = ImageStores.fromUrl(base + "&chunkedEncoding=true")) {
        assertThatThrownBy(
                () ->
                    store.put(
                        "u/on.png",
                        image.stream(),
                        PutOptions.of("image/png").withLength(image.size())))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("aws-chunked");
      }
      try (ImageStore store = ImageStores.fromUrl(base + "&chunkedEncoding=false")) {
        store.put("u/off.png", image.stream(), PutOptions.of("image/png").withLength(image.size()));
      }
      assertThatThrownBy(() -> ImageStores.fromUrl(base + "&chunkedEncoding=maybe"))
          .hasMessageContaining("chunkedEncoding");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
    assertThat(raw.keys()).containsExactly("u/off.png");
  }

  /** The scenario: a big streamed ingest into the undecoding server. */
  @Test
  void aBigStreamedIngestKeepsTheExactBytesOrFailsAndLeavesNothing() throws Exception {
    GeneratedImage image = new GeneratedImage(BIG, 5);
    String expected = image.sha256();
    try (RemoteFetcher fetcher =
        RemoteFetcher.builder().allowHost("127.0.0.1").maxBytes(BIG + 1).build()) {
      // framing off (the plain-http default): the exact bytes
      source.enqueue(new MockResponse.Builder().body(image.responseBody()).build());
      try (S3ImageStore store = builder(raw.endpoint()).build()) {
        Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();
        StoredObject stored = ingestor.ingestTo(source.url("/big.png").toString(), "u/big.png");
        assertThat(stored.bytes()).isEqualTo(BIG);
        assertThat(stored.sha256()).isEqualTo(expected);
        try (InputStream kept = Files.newInputStream(raw.file("u/big.png"))) {
          assertThat(GeneratedImage.sha256(kept)).isEqualTo(expected);
        }
      }
      // framing forced on: a failure, and nothing kept
      source.enqueue(new MockResponse.Builder().body(image.responseBody()).build());
      try (S3ImageStore store = builder(raw.endpoint()).chunkedEncoding(true).build()) {
        Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();
        assertThatThrownBy(
                () -> ingestor.ingestTo(source.url("/big.png").toString(), "u/big-framed.png"))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("aws-chunked");
      }
    }
    assertThat(raw.keys()).containsExactly("u/big.png");
    assertThat(raw.openUploads()).isZero();
  }
}
