package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Supabase Storage REST store against mockwebserver, asserting the requests storage-js sends
 * and answering with the bodies the storage server (supabase/storage) renders: most failures come
 * back as HTTP 400 with the meaningful status as a string in the JSON.
 */
class SupabaseImageStoreTest {
  static final String SERVICE_KEY =
      "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2VjcmV0LXNpZ25hdHVyZQ";
  static final String BUCKET = "renderlab-images";

  MockWebServer server;
  SupabaseImageStore store;
  String base;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = "http://127.0.0.1:" + server.getPort();
    store =
        SupabaseImageStore.builder()
            .projectUrl(URI.create(base))
            .bucket(BUCKET)
            .serviceKey(SERVICE_KEY)
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    store.close();
    server.close();
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json; charset=utf-8")
        .body(body)
        .build();
  }

  static MockResponse uploaded(String key) {
    return json(
        200,
        "{\"Key\":\"" + BUCKET + "/" + key + "\",\"Id\":\"2eb16359-ecd4-4070-8eb1-8408baa42493\"}");
  }

  /** The answer to the HEAD that confirms an upload: what the storage server keeps. */
  static MockResponse kept(long bytes) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "image/png")
        .body(headBody(bytes))
        .build();
  }

  /**
   * A HEAD answer's body: it announces {@code length} bytes and, as HEAD answers do, sends none.
   */
  static mockwebserver3.MockResponseBody headBody(long length) {
    return new mockwebserver3.MockResponseBody() {
      @Override
      public long getContentLength() {
        return length;
      }

      @Override
      public void writeTo(okio.BufferedSink sink) {}
    };
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).as("a request reached the server").isNotNull();
    return r;
  }

  static void assertAuthenticated(RecordedRequest r) {
    assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + SERVICE_KEY);
    assertThat(r.getHeaders().get("apikey")).isEqualTo(SERVICE_KEY);
  }

  @Test
  void uploadsWithTheRequestStorageJsSends() throws Exception {
    byte[] body = ImageStoreContract.bytes(100_000, 1);
    server.enqueue(uploaded("user-1/a.png"));
    server.enqueue(kept(body.length));

    StoredObject stored =
        store.put(
            "user-1/a.png",
            new ByteArrayInputStream(body),
            PutOptions.of("image/png").withLength(body.length));

    RecordedRequest r = take();
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(r.getTarget()).isEqualTo("/storage/v1/object/renderlab-images/user-1/a.png");
    assertAuthenticated(r);
    assertThat(r.getHeaders().get("x-upsert")).isEqualTo("false");
    assertThat(r.getHeaders().get("cache-control")).isEqualTo("max-age=3600");
    assertThat(r.getHeaders().get("content-type")).isEqualTo("image/png");
    assertThat(r.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(body.length));
    assertThat(r.getBody().toByteArray()).isEqualTo(body);
    assertThat(stored.url())
        .isEqualTo(base + "/storage/v1/object/public/renderlab-images/user-1/a.png");
    assertThat(stored.bytes()).isEqualTo(body.length);
    assertThat(stored.sha256()).isEqualTo(ImageStoreContract.sha256(body));
    assertThat(stored.contentType()).isEqualTo("image/png");
  }

  @Test
  void streamsABodyOfUnknownLengthChunked() throws Exception {
    byte[] body = ImageStoreContract.bytes(3 * 1024 * 1024 + 17, 2);
    server.enqueue(uploaded("u/big.png"));
    server.enqueue(kept(body.length));

    StoredObject stored =
        store.put(
            "u/big.png",
            new ByteArrayInputStream(body),
            PutOptions.of("image/webp").withCacheControl("max-age=31536000"));

    RecordedRequest r = take();
    assertThat(r.getHeaders().get("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    assertThat(r.getHeaders().get("Content-Length")).isNull();
    assertThat(r.getChunkSizes()).hasSizeGreaterThan(1);
    assertThat(r.getHeaders().get("cache-control")).isEqualTo("max-age=31536000");
    assertThat(r.getHeaders().get("content-type")).isEqualTo("image/webp");
    assertThat(r.getBody().toByteArray()).isEqualTo(body);
    assertThat(stored.sha256()).isEqualTo(ImageStoreContract.sha256(body));
  }

  @Test
  void eachUploadIsConfirmedWithAHead() throws Exception {
    server.enqueue(uploaded("u/a.png"));
    server.enqueue(kept(10));

    store.put("u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png"));

    take();
    RecordedRequest head = take();
    assertThat(head.getMethod()).isEqualTo("HEAD");
    assertThat(head.getTarget())
        .isEqualTo("/storage/v1/object/authenticated/renderlab-images/u/a.png");
    assertAuthenticated(head);
  }

  @Test
  void anUploadTheServerKeptWithAnotherSizeIsRemovedAndFails() throws Exception {
    server.enqueue(uploaded("u/a.png"));
    server.enqueue(kept(12));
    server.enqueue(
        json(200, "[{\"name\":\"u/a.png\",\"bucket_id\":\"renderlab-images\",\"id\":\"a1\"}]"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("keeps 12 bytes but 10 were sent")
        .hasMessageContaining("removed")
        .hasMessageNotContaining(SERVICE_KEY);

    take();
    take();
    RecordedRequest delete = take();
    assertThat(delete.getMethod()).isEqualTo("DELETE");
    assertThat(delete.getBody().utf8()).contains("u/a.png");
  }

  @Test
  void overwritingIsAnUpsert() throws Exception {
    server.enqueue(uploaded("thumbs/a.webp"));
    server.enqueue(kept(1));

    store.put(
        "thumbs/a.webp",
        new ByteArrayInputStream(new byte[] {1}),
        PutOptions.of("image/webp").withOverwrite(true));

    assertThat(take().getHeaders().get("x-upsert")).isEqualTo("true");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // today's server: StorageBackendError.render() with error from KeyAlreadyExists
        "{\"statusCode\":\"409\",\"code\":\"KeyAlreadyExists\",\"error\":\"Duplicate\",\"message\":\"The resource already exists\"}",
        // older servers: no code
        "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The resource already exists\"}"
      })
  void aDuplicateKeyIsObjectExists(String answer) {
    server.enqueue(json(400, answer));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(ObjectExistsException.class)
        .hasMessageContaining("u/a.png");
  }

  @Test
  void aBodyOverTheSizeLimitSaysSo() {
    server.enqueue(
        json(
            400,
            "{\"statusCode\":\"413\",\"code\":\"EntityTooLarge\",\"error\":\"Payload too large\",\"message\":\"The object exceeded the maximum allowed size\"}"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class)
        .isNotInstanceOf(ObjectExistsException.class)
        .hasMessageContaining("HTTP 413")
        .hasMessageContaining("size limit")
        .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isFalse());
  }

  @Test
  void aMissingBucketSaysSo() {
    server.enqueue(
        json(
            400,
            "{\"statusCode\":\"404\",\"code\":\"NoSuchBucket\",\"error\":\"Bucket not found\",\"message\":\"Bucket not found\"}"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("'renderlab-images' does not exist")
        .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isFalse());
  }

  @Test
  void aServerFailureIsRetryable() {
    server.enqueue(
        json(
            500,
            "{\"statusCode\":\"500\",\"code\":\"InternalError\",\"error\":\"InternalError\",\"message\":\"Internal server error\"}"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class)
        .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
  }

  @Test
  void aRefusedKeyIsNamedButNeverPrinted() {
    // A server that echoes the token it refused must not get it into our message.
    server.enqueue(
        json(
            400,
            "{\"statusCode\":\"403\",\"code\":\"InvalidJWT\",\"error\":\"Unauthorized\",\"message\":\"bad token "
                + SERVICE_KEY
                + "\"}"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/a.png", new ByteArrayInputStream(new byte[10]), PutOptions.of("image/png")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("SUPABASE_SERVICE_ROLE_KEY")
        .hasMessageNotContaining(SERVICE_KEY)
        .hasMessageNotContaining("c2VjcmV0LXNpZ25hdHVyZQ");
    assertThat(store.toString())
        .contains(BUCKET)
        .doesNotContain(SERVICE_KEY)
        .doesNotContain("c2VjcmV0");
  }

  @Test
  void aSourceThatFailsMidwayAbortsTheUploadAndSurfacesTheSourcesFailure() throws Exception {
    server.enqueue(uploaded("u/a.png"));
    InputStream tooLarge =
        new InputStream() {
          int sent;

          @Override
          public int read() {
            if (sent++ > 200_000) {
              throw new RemoteFetchRefusedException(
                  RemoteFetchRefusedException.Reason.TOO_LARGE, "http://x/…", "over the cap");
            }
            return 7;
          }
        };

    assertThatThrownBy(() -> store.put("u/a.png", tooLarge, PutOptions.of("image/png")))
        .isInstanceOf(RemoteFetchRefusedException.class)
        .hasMessage("over the cap");
    RecordedRequest r = take();
    // the request never completed: the server saw a truncated chunked body
    assertThat(r.getFailure()).isNotNull();
  }

  @Test
  void aBodyShorterThanAnnouncedStoresNothing() throws Exception {
    server.enqueue(uploaded("u/a.png"));

    assertThatThrownBy(
            () ->
                store.put(
                    "u/short.png",
                    new ByteArrayInputStream(new byte[10]),
                    PutOptions.of("image/png").withLength(20)))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("announced");
  }

  @Test
  void existsAsksWithHead() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(400).build());

    assertThat(store.exists("u/a.png")).isTrue();
    assertThat(store.exists("u/none.png")).isFalse();

    RecordedRequest r = take();
    assertThat(r.getMethod()).isEqualTo("HEAD");
    assertThat(r.getTarget())
        .isEqualTo("/storage/v1/object/authenticated/renderlab-images/u/a.png");
    assertAuthenticated(r);
  }

  @Test
  void opensAnObjectAndSaysWhenItIsMissing() throws Exception {
    server.enqueue(
        new MockResponse.Builder().body(new Buffer().write(new byte[] {1, 2, 3})).build());
    server.enqueue(
        json(
            400,
            "{\"statusCode\":\"404\",\"code\":\"NoSuchKey\",\"error\":\"not_found\",\"message\":\"Object not found\"}"));

    try (InputStream in = store.open("u/a b.png")) {
      assertThat(in.readAllBytes()).containsExactly(1, 2, 3);
    }
    RecordedRequest r = take();
    assertThat(r.getMethod()).isEqualTo("GET");
    assertThat(r.getTarget())
        .isEqualTo("/storage/v1/object/authenticated/renderlab-images/u/a%20b.png");
    assertAuthenticated(r);
    assertThatThrownBy(() -> store.open("u/none.png"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("No object at key 'u/none.png'");
  }

  @Test
  void deletesLikeStorageJsRemoveAndReportsWhetherSomethingWasThere() throws Exception {
    server.enqueue(
        json(200, "[{\"name\":\"u/a.png\",\"bucket_id\":\"renderlab-images\",\"id\":\"a1\"}]"));
    server.enqueue(json(200, "[]"));

    assertThat(store.delete("u/a.png")).isTrue();
    assertThat(store.delete("u/a.png")).isFalse();

    RecordedRequest r = take();
    assertThat(r.getMethod()).isEqualTo("DELETE");
    assertThat(r.getTarget()).isEqualTo("/storage/v1/object/renderlab-images");
    assertThat(r.getHeaders().get("content-type")).startsWith("application/json");
    assertThat(r.getBody().utf8()).isEqualTo("{\"prefixes\":[\"u/a.png\"]}");
    assertAuthenticated(r);
  }

  @Test
  void signsUrlsWithTheServer() throws Exception {
    server.enqueue(
        json(
            200,
            "{\"signedURL\":\"/object/sign/renderlab-images/u/a b.png?token=eyJhbGciOiJIUzI1NiJ9.eyJ1cmwiOiJ4In0.sig\"}"));

    String signed = store.signedUrl("u/a b.png", Duration.ofMinutes(5));

    RecordedRequest r = take();
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(r.getTarget()).isEqualTo("/storage/v1/object/sign/renderlab-images/u/a%20b.png");
    assertThat(r.getBody().utf8()).isEqualTo("{\"expiresIn\":300}");
    assertAuthenticated(r);
    assertThat(signed)
        .isEqualTo(
            base
                + "/storage/v1/object/sign/renderlab-images/u/a%20b.png?token=eyJhbGciOiJIUzI1NiJ9.eyJ1cmwiOiJ4In0.sig");
    assertThatThrownBy(() -> store.signedUrl("u/a.png", Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void publicUrlsHaveSupabasesForm() {
    try (SupabaseImageStore hosted =
        SupabaseImageStore.builder()
            .projectRef("abcdefghijklmnop")
            .bucket(BUCKET)
            .serviceKey("k")
            .build()) {
      assertThat(hosted.publicUrl("user-1/a.png"))
          .isEqualTo(
              "https://abcdefghijklmnop.supabase.co/storage/v1/object/public/renderlab-images/user-1/a.png");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"../etc/passwd", "/abs/key.png", "a\\b.png", "a//b.png"})
  void refusesUnsafeKeysWithoutCallingTheServer(String key) {
    assertThatThrownBy(
            () -> store.put(key, new ByteArrayInputStream(new byte[1]), PutOptions.of("image/png")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void buildsFromASupabaseUrlWithTheKeyFromTheEnvironment() throws Exception {
    server.enqueue(uploaded("u/a.png"));
    server.enqueue(kept(3));
    Map<String, String> env = Map.of("SUPABASE_SERVICE_ROLE_KEY", SERVICE_KEY);

    try (ImageStore fromUrl =
        ImageStores.fromUrl("supabase://" + BUCKET + "?url=" + base, Optional.empty(), env::get)) {
      fromUrl.put(
          "u/a.png", new ByteArrayInputStream(new byte[] {1, 2, 3}), PutOptions.of("image/png"));
      assertThat(fromUrl.toString()).doesNotContain(SERVICE_KEY);
    }
    RecordedRequest r = take();
    assertThat(r.getTarget()).isEqualTo("/storage/v1/object/renderlab-images/u/a.png");
    assertAuthenticated(r);

    try (ImageStore hosted =
        ImageStores.fromUrl(
            "supabase://" + BUCKET + "?project=abcdefghijklmnop", Optional.empty(), env::get)) {
      assertThat(hosted.publicUrl("u/a.png"))
          .isEqualTo(
              "https://abcdefghijklmnop.supabase.co/storage/v1/object/public/renderlab-images/u/a.png");
    }
  }

  @Test
  void refusesSupabaseUrlsThatCarryAKeyOrLackOne() {
    Map<String, String> env = Map.of("SUPABASE_SERVICE_ROLE_KEY", SERVICE_KEY);
    assertThatThrownBy(
            () ->
                ImageStores.fromUrl(
                    "supabase://b?project=abc&key=sekrit-value", Optional.empty(), env::get))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SUPABASE_SERVICE_ROLE_KEY")
        .hasMessageNotContaining("sekrit-value");
    assertThatThrownBy(
            () -> ImageStores.fromUrl("supabase://b?project=abc", Optional.empty(), name -> null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SUPABASE_SERVICE_ROLE_KEY");
    assertThatThrownBy(() -> ImageStores.fromUrl("supabase://b", Optional.empty(), env::get))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("project=");
  }
}
