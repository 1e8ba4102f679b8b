package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The S3 store against a real S3-protocol server (Adobe S3Mock, started in-process by the test).
 */
class S3ImageStoreTest extends ImageStoreContract {
  @RegisterExtension
  static final S3MockExtension S3 =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withInitialBuckets("renderlab-images")
          .build();

  S3ImageStore store;

  static S3ImageStore.Builder builder() {
    return S3ImageStore.builder()
        .bucket("renderlab-images")
        .endpoint(URI.create("http://127.0.0.1:" + S3.getHttpPort()))
        .region("us-east-1")
        .pathStyle(true)
        .partSize(5 * 1024 * 1024)
        .credentials(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("test-key", "test-secret")));
  }

  @BeforeEach
  void setUp() {
    store = builder().build();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Override
  ImageStore store() {
    return store;
  }

  /** S3Mock answers 412 to a second writer, but checks and writes non-atomically under a race. */
  @Override
  boolean conditionalWriteIsAtomic() {
    return false;
  }

  @Test
  void abortsTheUnfinishedMultipartUploadsUnderAPrefixAndNoOthers() {
    try (var s3 = S3.createS3ClientV2()) {
      String dead = "user-1/generated_" + key().replace("/", "_") + "_0.png";
      String other = "user-2/generated_keep_0.png";
      s3.createMultipartUpload(r -> r.bucket("renderlab-images").key(dead));
      s3.createMultipartUpload(r -> r.bucket("renderlab-images").key(other));

      int aborted = store.abortIncompleteUploads(dead.substring(0, dead.length() - 6));

      assertThat(aborted).isEqualTo(1);
      var left = s3.listMultipartUploads(r -> r.bucket("renderlab-images")).uploads();
      assertThat(left).extracting(u -> u.key()).doesNotContain(dead).contains(other);
      s3.abortMultipartUpload(
          r ->
              r.bucket("renderlab-images")
                  .key(other)
                  .uploadId(
                      left.stream()
                          .filter(u -> u.key().equals(other))
                          .findFirst()
                          .get()
                          .uploadId()));
    }
  }

  @Test
  void uploadsALargeBodyOfUnknownLengthInParts() throws Exception {
    byte[] body = bytes(12 * 1024 * 1024 + 123, 42);
    String key = key();

    var stored = store.put(key, new ByteArrayInputStream(body), PutOptions.of("image/png"));

    assertThat(stored.sha256()).isEqualTo(sha256(body));
    assertThat(read(store, key)).isEqualTo(body);
  }

  @Test
  void aMultipartUploadThatFailsMidwayIsAbortedAndLeavesNothing() throws Exception {
    String key = key();
    byte[] prefix = bytes(6 * 1024 * 1024, 9);
    java.io.InputStream failing =
        new java.io.SequenceInputStream(
            new ByteArrayInputStream(prefix),
            new java.io.InputStream() {
              @Override
              public int read() throws java.io.IOException {
                throw new java.io.IOException("source connection reset");
              }
            });

    assertThatThrownBy(() -> store.put(key, failing, PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class);
    assertThat(store.exists(key)).isFalse();
    try (var s3 = S3.createS3ClientV2()) {
      assertThat(s3.listMultipartUploads(r -> r.bucket("renderlab-images")).uploads())
          .noneMatch(u -> u.key().equals(key));
    }
  }

  @Test
  void aRefusalOfTheSourceDuringAKnownLengthPutSurfacesAsItselfAndStoresNothing() {
    String key = key();
    java.io.InputStream refusing =
        new java.io.InputStream() {
          int sent;

          @Override
          public int read() {
            if (sent++ > 100_000) {
              throw new io.renderlab.core.RemoteFetchRefusedException(
                  io.renderlab.core.RemoteFetchRefusedException.Reason.TOO_LARGE,
                  "http://x/…",
                  "over the cap");
            }
            return 7;
          }
        };

    assertThatThrownBy(
            () -> store.put(key, refusing, PutOptions.of("image/png").withLength(300_000)))
        .isInstanceOf(io.renderlab.core.RemoteFetchRefusedException.class)
        .hasMessage("over the cap");
    assertThat(store.exists(key)).isFalse();
  }

  @Test
  void publicUrlsArePathStyleUnderTheEndpoint() {
    assertThat(store.publicUrl("u/a.png"))
        .isEqualTo("http://127.0.0.1:" + S3.getHttpPort() + "/renderlab-images/u/a.png");
    assertThat(
            builder().publicBaseUrl("https://cdn.example.com/images/").build().publicUrl("u/a.png"))
        .isEqualTo("https://cdn.example.com/images/u/a.png");
  }

  @Test
  void supabasePublicUrlsHaveSupabasesForm() {
    try (S3ImageStore supabase =
        S3ImageStore.builder()
            .bucket("renderlab-images")
            .supabase("abcdefghijklmnop", "eu-central-1")
            .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
            .build()) {
      assertThat(supabase.publicUrl("user-1/a.png"))
          .isEqualTo(
              "https://abcdefghijklmnop.supabase.co/storage/v1/object/public/renderlab-images/user-1/a.png");
    }
  }

  @Test
  void anS3UrlOnSupabasesEndpointGetsSupabasesPublicUrls() {
    String url =
        "s3://renderlab-images?endpoint=https://abcdefghijklmnop.supabase.co/storage/v1/s3&region=eu-central-1";
    try (ImageStore supabase = ImageStores.fromUrl(url)) {
      assertThat(supabase.publicUrl("user-1/a.png"))
          .isEqualTo(
              "https://abcdefghijklmnop.supabase.co/storage/v1/object/public/renderlab-images/user-1/a.png");
    }
    String lookalike =
        "s3://renderlab-images?endpoint=https://abcdefghijklmnop.supabase.co.evil.example/storage/v1/s3";
    try (ImageStore other = ImageStores.fromUrl(lookalike)) {
      assertThat(other.publicUrl("a.png"))
          .startsWith(
              "https://abcdefghijklmnop.supabase.co.evil.example/storage/v1/s3/renderlab-images/");
    }
  }

  @Test
  void signedUrlsCarryASignatureButTheStoreNeverPrintsCredentials() {
    String signed = store.signedUrl("u/a.png", Duration.ofMinutes(5));
    assertThat(signed).contains("X-Amz-Signature=");
    assertThat(store.toString()).doesNotContain("test-secret");
  }

  @Test
  void aMissingBucketSaysSo() {
    try (S3ImageStore missing = builder().bucket("no-such-bucket").build()) {
      assertThatThrownBy(
              () ->
                  missing.put(
                      "u/a.png", new ByteArrayInputStream(new byte[3]), PutOptions.of("image/png")))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("no-such-bucket");
    }
  }

  @Test
  void storesFromAnS3Url() throws Exception {
    String url =
        "s3://renderlab-images?endpoint=http://127.0.0.1:"
            + S3.getHttpPort()
            + "&region=us-east-1&pathStyle=true";
    System.setProperty("aws.accessKeyId", "test-key");
    System.setProperty("aws.secretAccessKey", "test-secret");
    try (ImageStore fromUrl = ImageStores.fromUrl(url)) {
      String key = key();
      fromUrl.put(key, new ByteArrayInputStream(new byte[] {1, 2, 3}), PutOptions.of("image/png"));
      assertThat(read(store, key)).containsExactly(1, 2, 3);
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  @Test
  void aFlagThatIsNeitherTrueNorFalseIsRefusedNotReadAsFalse() {
    String base =
        "s3://renderlab-images?endpoint=http://127.0.0.1:" + S3.getHttpPort() + "&region=us-east-1";

    assertThatThrownBy(() -> ImageStores.fromUrl(base + "&pathStyle=yes"))
        .isInstanceOf(io.renderlab.core.ConfigurationException.class)
        .hasMessageContaining("pathStyle")
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> ImageStores.fromUrl(base + "&checkExists=1"))
        .isInstanceOf(io.renderlab.core.ConfigurationException.class)
        .hasMessageContaining("checkExists");
    try (ImageStore upperCase = ImageStores.fromUrl(base + "&pathStyle=TRUE&checkExists=False")) {
      assertThat(upperCase.publicUrl("a/b.png")).contains("/renderlab-images/a/b.png");
    }
  }
}
