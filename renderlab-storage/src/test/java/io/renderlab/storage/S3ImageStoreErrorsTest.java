package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Server failures S3Mock cannot produce, from mockwebserver with S3's XML error bodies. */
class S3ImageStoreErrorsTest {
  MockWebServer server;
  S3ImageStore store;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    store = builder().build();
  }

  S3ImageStore.Builder builder() {
    return S3ImageStore.builder()
        .bucket("renderlab-images")
        .endpoint(URI.create("http://127.0.0.1:" + server.getPort()))
        .pathStyle(true)
        .credentials(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("test-key", "test-secret")));
  }

  @AfterEach
  void stop() throws IOException {
    store.close();
    server.close();
  }

  static MockResponse s3Error(int code, String errorCode) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/xml")
        .body(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + errorCode
                + "</Code><Message>m</Message>"
                + "<RequestId>r</RequestId></Error>")
        .build();
  }

  @Test
  void aServerErrorDuringAStreamedPutSurfacesAsARetryableStorageFailureNotAReplayError() {
    // The SDK would retry, but a streamed body cannot be read twice: it must not try.
    for (int i = 0; i < 4; i++) {
      server.enqueue(s3Error(500, "InternalError"));
    }
    InputStream streamed =
        new ByteArrayInputStream(new byte[1000]) {
          @Override
          public boolean markSupported() {
            return false;
          }
        };

    // aws-chunked framing on: a body of known length goes up as one streamed PUT
    try (S3ImageStore streaming = builder().chunkedEncoding(true).build()) {
      assertThatThrownBy(
              () -> streaming.put("u/a.png", streamed, PutOptions.of("image/png").withLength(1000)))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("HTTP 500")
          .hasMessageNotContaining("test-secret")
          .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aSmallBodyOfUnknownLengthIsBufferedSoTheSdkMayRetryIt() throws Exception {
    server.enqueue(s3Error(503, "SlowDown"));
    server.enqueue(new MockResponse.Builder().code(200).addHeader("ETag", "\"abc\"").build());
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("ETag", "\"abc\"")
            .body(SupabaseImageStoreTest.headBody(1000))
            .build());

    store.put("u/a.png", new ByteArrayInputStream(new byte[1000]), PutOptions.of("image/png"));

    // the refused PUT, its retry, and the HEAD that confirms what the store keeps
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void aWriteTheStoreKeptWithAnotherMd5IsRemovedAndNamesTheLikelyCause() throws Exception {
    // 1000 zero bytes have the MD5 ede3d3b685b4e137ba4cb2521329a75e; the store reports another
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("ETag", "\"0123456789abcdef0123456789abcdef\"")
            .build());
    server.enqueue(new MockResponse.Builder().code(204).build());

    try (S3ImageStore streaming = builder().chunkedEncoding(true).build()) {
      assertThatThrownBy(
              () ->
                  streaming.put(
                      "u/a.png",
                      new ByteArrayInputStream(new byte[1000]),
                      PutOptions.of("image/png").withLength(1000)))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("ETag")
          .hasMessageContaining("aws-chunked")
          .hasMessageContaining("chunkedEncoding=false")
          .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isFalse());
    }
    server.takeRequest();
    assertThat(server.takeRequest().getMethod()).isEqualTo("DELETE");
  }

  @Test
  void anEncryptedObjectsEtagIsNotTakenForAnMd5() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("ETag", "\"0123456789abcdef0123456789abcdef\"")
            .addHeader("x-amz-server-side-encryption", "aws:kms")
            .build());
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("ETag", "\"0123456789abcdef0123456789abcdef\"")
            .body(SupabaseImageStoreTest.headBody(1000))
            .build());

    store.put(
        "u/a.png",
        new ByteArrayInputStream(new byte[1000]),
        PutOptions.of("image/png").withLength(1000));

    assertThat(server.getRequestCount()).isEqualTo(2);
  }
}
