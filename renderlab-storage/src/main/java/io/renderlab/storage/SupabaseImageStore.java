package io.renderlab.storage;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectKeys;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.DigestingInputStream;
import io.renderlab.storage.internal.SupabaseErrors;
import io.renderlab.storage.internal.UrlPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects in a Supabase Storage bucket through its REST API (what supabase-js's {@code
 * storage.from(bucket).upload(...)} calls), for projects that have a service key and no S3 access
 * keys. Uses only {@code java.net.http}.
 *
 * <p>Uploads stream: the body goes up as it is read (with {@code Content-Length} when the length is
 * known, chunked otherwise); memory does not grow with it. Writes send {@code x-upsert: false}
 * unless the caller asks to overwrite, so the server refuses a second writer of a key atomically
 * ({@link io.renderlab.core.ObjectExistsException}). A body that fails midway aborts the request,
 * and the server stores nothing. Server errors are mapped: an existing key, a missing bucket, a
 * body over the size limit, a refused key, a throttled or failing server (retryable).
 *
 * <p>The service key is sent as {@code Authorization: Bearer} and {@code apikey} and appears in no
 * message, log line or {@code toString()}. Public URLs have Supabase's form ({@code
 * <project>/storage/v1/object/public/<bucket>/<key>}, readable when the bucket is public); {@link
 * #signedUrl} asks the server to sign one. Thread-safe; {@link #close()} stops its threads.
 *
 * <pre>{@code
 * SupabaseImageStore store = SupabaseImageStore.builder()
 *     .projectUrl(URI.create("https://abcdefghijklmnop.supabase.co"))
 *     .bucket("renderlab-images").serviceKey(System.getenv("SUPABASE_SERVICE_ROLE_KEY")).build();
 * StoredObject stored = store.put("user-1/a.png", in, PutOptions.of("image/png"));
 * }</pre>
 */
public final class SupabaseImageStore implements ImageStore {
  private static final Logger LOG = LoggerFactory.getLogger(SupabaseImageStore.class);
  private static final int MAX_ERROR_BODY = 16 * 1024;

  /**
   * The environment variable {@link #fromEnv} and {@link ImageStores#fromUrl} read the key from.
   */
  public static final String SERVICE_KEY_ENV = "SUPABASE_SERVICE_ROLE_KEY";

  /** The environment variable {@link #fromEnv} reads the project URL from. */
  public static final String URL_ENV = "SUPABASE_URL";

  private final String storageUrl;
  private final String bucket;
  private final String serviceKey;
  private final String publicBaseUrl;
  private final Duration requestTimeout;
  private final Duration uploadTimeout;
  private final ExecutorService executor;
  private final HttpClient http;

  private SupabaseImageStore(Builder b) {
    this.storageUrl = b.storageUrl;
    this.bucket = b.bucket;
    this.serviceKey = b.serviceKey;
    this.requestTimeout = b.requestTimeout;
    this.uploadTimeout = b.uploadTimeout;
    String base =
        b.publicBaseUrl != null
            ? b.publicBaseUrl
            : storageUrl + "/object/public/" + UrlPaths.encode(bucket);
    this.publicBaseUrl = base.endsWith("/") ? base : base + "/";
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "renderlab-supabase-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  /** A builder; the project (or storage) URL, the bucket and the service key are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A store for {@code bucket} from the environment: {@value #URL_ENV} (the project URL, e.g.
   * {@code https://abcdefghijklmnop.supabase.co}) and {@value #SERVICE_KEY_ENV}.
   *
   * @throws ConfigurationException if either variable is missing
   */
  public static SupabaseImageStore fromEnv(String bucket) {
    String url = System.getenv(URL_ENV);
    if (url == null || url.isBlank()) {
      throw new ConfigurationException(
          "Set " + URL_ENV + " to the project URL (https://<project-ref>.supabase.co).");
    }
    return builder()
        .projectUrl(URI.create(url.strip()))
        .bucket(bucket)
        .serviceKey(requireKeyFromEnv(System::getenv))
        .build();
  }

  static String requireKeyFromEnv(Function<String, String> env) {
    String key = env.apply(SERVICE_KEY_ENV);
    if (key == null || key.isBlank()) {
      throw new ConfigurationException(
          "Set "
              + SERVICE_KEY_ENV
              + " to the project's service_role (or secret) key to use Supabase Storage's REST API.");
    }
    return key.strip();
  }

  /** The bucket objects go to. */
  public String bucket() {
    return bucket;
  }

  private URI objectUri(String route, String key) {
    return URI.create(
        storageUrl
            + "/object/"
            + route
            + UrlPaths.encode(bucket)
            + "/"
            + UrlPaths.encode(ObjectKeys.validate(key)));
  }

  private HttpRequest.Builder request(URI uri, Duration timeout) {
    return HttpRequest.newBuilder(uri)
        .timeout(timeout)
        .header("Authorization", "Bearer " + serviceKey)
        .header("apikey", serviceKey);
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code POST /storage/v1/object/<bucket>/<key>} with {@code x-upsert}, {@code cache-control}
   * and {@code content-type}; the body streams.
   */
  @Override
  public StoredObject put(String key, InputStream body, PutOptions options) {
    URI uri = objectUri("", key);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(options, "options");
    FailureRecordingStream source = new FailureRecordingStream(new DigestingInputStream(body));
    HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.ofInputStream(() -> source);
    if (options.length().isPresent()) {
      publisher = HttpRequest.BodyPublishers.fromPublisher(publisher, options.length().getAsLong());
    }
    HttpRequest request =
        request(uri, uploadTimeout)
            .header("x-upsert", Boolean.toString(options.overwrite()))
            .header("cache-control", options.cacheControl())
            .header("content-type", options.contentType())
            .POST(publisher)
            .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      source.rethrowSourceFailure();
      if (options.length().isPresent() && source.digest().count() != options.length().getAsLong()) {
        throw new StorageException(
            "The body of '"
                + key
                + "' had "
                + source.digest().count()
                + " bytes, not the announced "
                + options.length().getAsLong()
                + "; nothing was stored.",
            key,
            e,
            false);
      }
      throw failure("upload", key, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          "Interrupted while uploading '" + key + "'; nothing was stored.", key, e, true);
    }
    int status = response.statusCode();
    if (status / 100 != 2) {
      throw error("upload", key, response);
    }
    discard(response);
    DigestingInputStream digest = source.digest();
    confirmKept(key, digest.count());
    LOG.debug("Stored '{}' in Supabase bucket '{}' ({} bytes)", key, bucket, digest.count());
    return StoredObject.builder()
        .key(key)
        .url(publicUrl(key))
        .contentType(options.contentType())
        .bytes(digest.count())
        .sha256(digest.sha256())
        .build();
  }

  /**
   * Asks the store (HEAD) what it keeps at {@code key} right after an upload; when the size it
   * reports is not what was sent, removes the object and fails.
   */
  private void confirmKept(String key, long sent) {
    HttpRequest request =
        request(objectUri("authenticated/", key), requestTimeout)
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<Void> head =
        send("confirm the upload of", key, request, HttpResponse.BodyHandlers.discarding());
    String problem = null;
    if (head.statusCode() / 100 != 2) {
      problem = "it has no object there right after the upload (HTTP " + head.statusCode() + ")";
    } else {
      java.util.OptionalLong kept = head.headers().firstValueAsLong("content-length");
      if (kept.isPresent() && kept.getAsLong() != sent) {
        problem = "it keeps " + kept.getAsLong() + " bytes but " + sent + " were sent";
      }
    }
    if (problem != null) {
      try {
        delete(key);
      } catch (RuntimeException e) {
        LOG.warn("Could not remove '{}' after a failed write check; remove it by hand", key, e);
      }
      throw new StorageException(
          "Supabase Storage did not keep what was sent for '"
              + key
              + "' in bucket '"
              + bucket
              + "': "
              + problem
              + ". The object was removed; nothing was stored. The likely cause: a proxy or gateway in front of the storage "
              + "API that changed the body; point the storage URL at the project itself (supabase://BUCKET?project=REF).",
          key,
          null,
          false);
    }
  }

  /** {@inheritDoc} {@code HEAD /storage/v1/object/authenticated/<bucket>/<key>}. */
  @Override
  public boolean exists(String key) {
    HttpRequest request =
        request(objectUri("authenticated/", key), requestTimeout)
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<Void> response =
        send("look up", key, request, HttpResponse.BodyHandlers.discarding());
    int status = response.statusCode();
    if (status / 100 == 2) {
      return true;
    }
    // A HEAD answer has no body to read the real status from; storage-js's exists() reads 400 and
    // 404 as "not there" too.
    if (status == 400 || status == 404) {
      return false;
    }
    throw SupabaseErrors.toException(
        "look up", key, bucket, new SupabaseErrors.Problem(status, 0, "", "", ""), serviceKey);
  }

  /**
   * {@inheritDoc} {@code GET /storage/v1/object/authenticated/<bucket>/<key>}; the stream is the
   * live body.
   */
  @Override
  public InputStream open(String key) {
    HttpRequest request = request(objectUri("authenticated/", key), requestTimeout).GET().build();
    HttpResponse<InputStream> response =
        send("read", key, request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      throw error("read", key, response);
    }
    return response.body();
  }

  /**
   * {@inheritDoc} {@code DELETE /storage/v1/object/<bucket>} with {@code {"prefixes":[key]}}, as
   * storage-js's {@code remove}; the answer lists what was deleted.
   */
  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    URI uri = URI.create(storageUrl + "/object/" + UrlPaths.encode(bucket));
    String json = "{\"prefixes\":[" + jsonString(key) + "]}";
    HttpRequest request =
        request(uri, requestTimeout)
            .header("content-type", "application/json")
            .method("DELETE", HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
            .build();
    HttpResponse<InputStream> response =
        send("delete", key, request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      throw error("delete", key, response);
    }
    byte[] answer = readBounded(response);
    return SupabaseErrors.nonEmptyArray(answer);
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code <project>/storage/v1/object/public/<bucket>/<key>} (or under the configured public
   * base URL). It serves the object only when the bucket is public; use {@link #signedUrl} for
   * private buckets.
   */
  @Override
  public String publicUrl(String key) {
    return publicBaseUrl + UrlPaths.encode(ObjectKeys.validate(key));
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code POST /storage/v1/object/sign/<bucket>/<key>} with {@code {"expiresIn":seconds}}; the
   * server answers the path and token of the signed URL. Never logged.
   *
   * @throws IllegalArgumentException if {@code lifetime} is shorter than one second
   */
  @Override
  public String signedUrl(String key, Duration lifetime) {
    URI uri = objectUri("sign/", key);
    Objects.requireNonNull(lifetime, "lifetime");
    if (lifetime.getSeconds() < 1) {
      throw new IllegalArgumentException("lifetime must be at least 1 second, was " + lifetime);
    }
    HttpRequest request =
        request(uri, requestTimeout)
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"expiresIn\":" + lifetime.getSeconds() + "}", StandardCharsets.UTF_8))
            .build();
    HttpResponse<InputStream> response =
        send("sign a URL for", key, request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      throw error("sign a URL for", key, response);
    }
    Optional<String> path = SupabaseErrors.signedPath(readBounded(response));
    if (path.isEmpty() || !path.get().startsWith("/")) {
      throw new StorageException(
          "Supabase Storage answered a signed-URL request for '"
              + key
              + "' without a signedURL path.",
          key,
          null,
          true);
    }
    return UrlPaths.encodeUri(storageUrl + path.get());
  }

  private <T> HttpResponse<T> send(
      String what, String key, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw failure(what, key, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          "Interrupted while trying to " + what + " '" + key + "'.", key, e, true);
    }
  }

  private StorageException failure(String what, String key, IOException e) {
    String kind =
        e instanceof HttpTimeoutException || e instanceof InterruptedIOException
            ? "timed out"
            : "failed (" + e.getClass().getSimpleName() + ")";
    return new StorageException(
        "Supabase Storage: trying to "
            + what
            + " '"
            + key
            + "' in bucket '"
            + bucket
            + "' at "
            + storageUrl
            + " "
            + kind
            + "; nothing was changed. This is retryable.",
        key,
        e,
        true);
  }

  private StorageException error(String what, String key, HttpResponse<InputStream> response) {
    byte[] body = readBounded(response);
    return SupabaseErrors.toException(
        what, key, bucket, SupabaseErrors.parse(response.statusCode(), body), serviceKey);
  }

  private static byte[] readBounded(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      return in.readNBytes(MAX_ERROR_BODY);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static void discard(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      in.readNBytes(MAX_ERROR_BODY);
    } catch (IOException ignored) {
      // the upload succeeded; the answer's body ({"Key":…,"Id":…}) is not needed
    }
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** Stops the HTTP client's threads. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** The storage URL and bucket; never the service key. */
  @Override
  public String toString() {
    return "SupabaseImageStore{storageUrl="
        + storageUrl
        + ", bucket="
        + bucket
        + ", serviceKey=****}";
  }

  /**
   * The upload body as the HTTP client reads it: remembers the first failure of the source (a
   * refused or timed-out download) so {@link #put} rethrows that, not the client's wrapper.
   */
  private static final class FailureRecordingStream extends InputStream {
    private final DigestingInputStream in;
    private volatile RuntimeException runtimeFailure;
    private volatile IOException ioFailure;

    FailureRecordingStream(DigestingInputStream in) {
      this.in = in;
    }

    DigestingInputStream digest() {
      return in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (RuntimeException e) {
        runtimeFailure = e;
        throw e;
      } catch (IOException e) {
        ioFailure = e;
        throw e;
      }
    }

    void rethrowSourceFailure() {
      RuntimeException r = runtimeFailure;
      if (r instanceof RenderLabException) {
        throw r;
      }
      if (r != null) {
        throw new StorageException(
            "Reading the body failed: " + r + "; nothing was stored.", null, r, false);
      }
      IOException io = ioFailure;
      if (io != null) {
        throw new StorageException(
            "Reading the body failed: " + io.getMessage() + "; nothing was stored.",
            null,
            io,
            true);
      }
    }

    @Override
    public void close() throws IOException {
      // the caller owns the body
    }
  }

  /** Builds a {@link SupabaseImageStore}. Not thread-safe. */
  public static final class Builder {
    private String storageUrl;
    private String bucket;
    private String serviceKey;
    private String publicBaseUrl;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration uploadTimeout = Duration.ofMinutes(10);

    private Builder() {}

    /**
     * The project URL, {@code https://<project-ref>.supabase.co} (or a local {@code
     * http://127.0.0.1:54321}); the storage API is under {@code /storage/v1}.
     */
    public Builder projectUrl(URI projectUrl) {
      return storageUrl(
          URI.create(stripSlash(checkHttp(projectUrl, "projectUrl").toString()) + "/storage/v1"));
    }

    /** The project by its reference: {@code https://<projectRef>.supabase.co}. */
    public Builder projectRef(String projectRef) {
      Objects.requireNonNull(projectRef, "projectRef");
      if (!projectRef.matches("[a-z0-9]{1,64}")) {
        throw new IllegalArgumentException(
            "projectRef must be the project's reference (lower-case letters and digits)");
      }
      return projectUrl(URI.create("https://" + projectRef + ".supabase.co"));
    }

    /** The storage API's own base URL, e.g. {@code https://<ref>.supabase.co/storage/v1}. */
    public Builder storageUrl(URI storageUrl) {
      URI checked = checkHttp(storageUrl, "storageUrl");
      if (checked.getRawQuery() != null || checked.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "storageUrl must not carry a query string or credentials");
      }
      this.storageUrl = stripSlash(checked.toString());
      return this;
    }

    /** The bucket (required; it must exist). */
    public Builder bucket(String bucket) {
      if (bucket == null || !bucket.matches("[A-Za-z0-9][A-Za-z0-9 ._\\-]{0,99}")) {
        throw new IllegalArgumentException(
            "bucket must be a Supabase bucket name (letters, digits, ' ', '.', '_', '-'), was "
                + bucket);
      }
      this.bucket = bucket;
      return this;
    }

    /** The service_role (or secret) key (required); sent on every request, printed nowhere. */
    public Builder serviceKey(String serviceKey) {
      if (serviceKey == null || serviceKey.isBlank()) {
        throw new IllegalArgumentException("serviceKey must not be blank");
      }
      if (serviceKey.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException("serviceKey must be printable ASCII without spaces");
      }
      this.serviceKey = serviceKey;
      return this;
    }

    /**
     * The public base URL of objects, for a CDN or custom domain; Supabase's public object URL by
     * default.
     */
    public Builder publicBaseUrl(String publicBaseUrl) {
      this.publicBaseUrl = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
      return this;
    }

    /** Connect timeout; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Args.positive(timeout, "connectTimeout");
      return this;
    }

    /** Time until the answer of a small request (look up, read, delete, sign); default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Args.positive(timeout, "requestTimeout");
      return this;
    }

    /** Time an upload may take, body included; default 10 min. */
    public Builder uploadTimeout(Duration timeout) {
      this.uploadTimeout = Args.positive(timeout, "uploadTimeout");
      return this;
    }

    /**
     * Builds the store.
     *
     * @throws IllegalStateException if the URL, bucket or key is missing
     */
    public SupabaseImageStore build() {
      if (storageUrl == null) {
        throw new IllegalStateException(
            "the project is required: SupabaseImageStore.builder().projectUrl(...) or .projectRef(...)");
      }
      if (bucket == null) {
        throw new IllegalStateException(
            "bucket is required: SupabaseImageStore.builder().bucket(...)");
      }
      if (serviceKey == null) {
        throw new IllegalStateException(
            "serviceKey is required: SupabaseImageStore.builder().serviceKey(System.getenv(\""
                + SERVICE_KEY_ENV
                + "\"))");
      }
      return new SupabaseImageStore(this);
    }

    private static URI checkHttp(URI uri, String name) {
      Objects.requireNonNull(uri, name);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException(name + " must be an absolute http(s) URL");
      }
      return uri;
    }

    private static String stripSlash(String s) {
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
  }
}
