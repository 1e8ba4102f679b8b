package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.Redaction;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.UpstreamException;
import io.renderlab.core.internal.Args;
import io.renderlab.replicate.internal.ApiCall;
import io.renderlab.replicate.internal.CreateRateLimiter;
import io.renderlab.replicate.internal.PollSchedule;
import io.renderlab.replicate.internal.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A Replicate API client: create predictions on models, versions and deployments, wait for them
 * without holding threads, cancel them, list them, and verify webhooks.
 *
 * <p>Waiting asks Replicate to hold the create request until the prediction ends ({@code Prefer:
 * wait}, up to 60 s), so a prediction that finishes in seconds costs one request and is seen the
 * moment it ends; longer ones are then polled with a growing interval. 429 answers are retried
 * honouring {@code Retry-After} for every call; 5xx and dropped connections are retried for reads
 * and cancels, never for creates (see {@link PredictionOutcomeUnknownException}).
 *
 * <p>Immutable and thread-safe; one per application. {@link #close()} stops the scheduler it owns.
 * The token never appears in logs, messages or {@code toString()}.
 *
 * <pre>{@code
 * try (ReplicateClient replicate = ReplicateClient.fromEnv()) {
 *   Prediction p = replicate.predictions().run(
 *       PredictionRequest.model("google/nano-banana").put("prompt", "a red bicycle").build(), Duration.ofMinutes(5));
 *   List<String> files = p.outputUrls();
 * }
 * }</pre>
 */
public final class ReplicateClient implements AutoCloseable {
  /** The public API. */
  public static final String DEFAULT_BASE_URL = "https://api.replicate.com/v1";

  private final Builder settings;
  final Transport transport;
  final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  final PollSchedule pollSchedule;
  final Clock clock;
  final CreateRateLimiter createLimiter;
  private final Predictions predictions;
  private final ReplicateFiles files;
  private final ReplicateModels models;
  final boolean validateInputs;

  private ReplicateClient(Builder b) {
    this.settings = b.copy();
    URI baseUrl =
        URI.create(
            b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl);
    this.pollSchedule = b.pollSchedule;
    this.clock = b.clock;
    this.createLimiter = new CreateRateLimiter(b.createsPerMinute, System::nanoTime);
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownsScheduler = false;
    } else {
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "renderlab-replicate-scheduler");
                t.setDaemon(true);
                return t;
              });
      this.ownsScheduler = true;
    }
    HttpClient http = b.httpClient;
    if (http == null) {
      HttpClient.Builder hb =
          HttpClient.newBuilder()
              .connectTimeout(b.connectTimeout)
              .followRedirects(HttpClient.Redirect.NEVER);
      if (b.executor != null) {
        hb.executor(b.executor);
      }
      http = hb.build();
    }
    this.transport =
        new Transport(
            b.token, baseUrl, http, b.retry, b.userAgent, b.requestTimeout, scheduler, clock);
    this.validateInputs = b.validateInputs;
    this.models = new ReplicateModels(transport, b.schemaCacheEntries, b.schemaCacheTtl, b.clock);
    this.predictions = new Predictions(this);
    this.files = new ReplicateFiles(transport);
  }

  /**
   * A builder; a token is required.
   *
   * <pre>{@code
   * ReplicateClient replicate = ReplicateClient.builder().token(System.getenv("REPLICATE_API_TOKEN"))
   *     .requestTimeout(Duration.ofSeconds(20)).createsPerMinute(300).build();
   * }</pre>
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder starting from this client's settings, to derive a variant (another retry policy,
   * say). A scheduler, executor or HTTP client given to this client is shared, not copied; one the
   * client created itself is not: the variant makes its own.
   */
  public Builder toBuilder() {
    return settings.copy();
  }

  /**
   * A client from {@code REPLICATE_API_TOKEN} and {@code REPLICATE_BASE_URL} (default {@value
   * #DEFAULT_BASE_URL}), with every other setting at its default.
   *
   * @throws ConfigurationException if {@code REPLICATE_API_TOKEN} is not set
   */
  public static ReplicateClient fromEnv() {
    return fromEnv(System.getenv());
  }

  /**
   * Like {@link #fromEnv()}, reading the given variables (for tests and for settings read from a
   * file).
   *
   * @throws ConfigurationException if {@code REPLICATE_API_TOKEN} is missing or blank
   */
  public static ReplicateClient fromEnv(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    String token = env.get("REPLICATE_API_TOKEN");
    if (token == null || token.isBlank()) {
      throw new ConfigurationException(
          "REPLICATE_API_TOKEN is not set. Create a token at replicate.com/account/api-tokens and `export REPLICATE_API_TOKEN=r8_...`.");
    }
    Builder b = builder().token(token.strip());
    String base = env.get("REPLICATE_BASE_URL");
    if (base != null && !base.isBlank()) {
      b.baseUrl(base.strip());
    }
    return b.build();
  }

  /** Predictions: create, get, cancel, list, run and wait. */
  public Predictions predictions() {
    return predictions;
  }

  /**
   * Models: the input schema of a model, a version or a deployment, cached; the latest version of a
   * model.
   */
  public ReplicateModels models() {
    return models;
  }

  /** Files: upload inputs Replicate cannot fetch by URL ({@code POST /v1/files}), read, delete. */
  public ReplicateFiles files() {
    return files;
  }

  /** The API base this client talks to ({@value #DEFAULT_BASE_URL} unless configured). */
  public URI baseUrl() {
    return transport.baseUrl();
  }

  /**
   * The account's default webhook signing secret ({@code GET /webhooks/default/secret}), a {@code
   * whsec_...} string for {@link WebhookVerifier#of(String)}. Retried like any read.
   *
   * @throws ReplicateApiException.AuthenticationException if the token is refused
   * @throws io.renderlab.core.UpstreamException if Replicate fails or sends no key
   */
  public String webhookSigningSecret() {
    JsonNode body =
        Transport.join(
            transport.send(
                ApiCall.read(
                    transport.uri("/webhooks/default/secret"),
                    "fetching the webhook signing secret",
                    "default webhook")));
    String key = body.path("key").asText("");
    if (key.isEmpty()) {
      throw new UpstreamException("Replicate returned no webhook signing key.", 0, null, false);
    }
    return key;
  }

  /** Stops the scheduler this client created (not one given to the builder). Idempotent. */
  @Override
  public void close() {
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  /** The base URL and settings; never the token. */
  @Override
  public String toString() {
    return "ReplicateClient{baseUrl="
        + transport.baseUrl()
        + ", token="
        + Redaction.secret(settings.token)
        + ", retry="
        + settings.retry
        + ", poll="
        + pollSchedule
        + ", createsPerMinute="
        + settings.createsPerMinute
        + ", validateInputs="
        + settings.validateInputs
        + '}';
  }

  /** Builds a {@link ReplicateClient}. Not thread-safe. */
  public static final class Builder {
    private String token;
    private String baseUrl = DEFAULT_BASE_URL;
    private HttpClient httpClient;
    private Executor executor;
    private ScheduledExecutorService scheduler;
    private RetryPolicy retry = RetryPolicy.defaults();
    private String userAgent = "renderlab-java/0.1";
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private PollSchedule pollSchedule =
        new PollSchedule(Duration.ofMillis(250), 1.5, Duration.ofSeconds(2));
    private int createsPerMinute = 600;
    private Clock clock = Clock.systemUTC();
    private boolean validateInputs = true;
    private int schemaCacheEntries = 256;
    private Duration schemaCacheTtl = Duration.ofMinutes(10);

    private Builder() {}

    private Builder copy() {
      Builder b = new Builder();
      b.token = token;
      b.baseUrl = baseUrl;
      b.httpClient = httpClient;
      b.executor = executor;
      b.scheduler = scheduler;
      b.retry = retry;
      b.userAgent = userAgent;
      b.connectTimeout = connectTimeout;
      b.requestTimeout = requestTimeout;
      b.pollSchedule = pollSchedule;
      b.createsPerMinute = createsPerMinute;
      b.clock = clock;
      b.validateInputs = validateInputs;
      b.schemaCacheEntries = schemaCacheEntries;
      b.schemaCacheTtl = schemaCacheTtl;
      return b;
    }

    /** The API token (required). Never printed. */
    public Builder token(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank");
      }
      this.token = token;
      return this;
    }

    /** The API base; default {@value ReplicateClient#DEFAULT_BASE_URL}. */
    public Builder baseUrl(String baseUrl) {
      URI uri = URI.create(Objects.requireNonNull(baseUrl, "baseUrl"));
      if (uri.getScheme() == null
          || uri.getHost() == null
          || !(uri.getScheme().equalsIgnoreCase("https")
              || uri.getScheme().equalsIgnoreCase("http"))) {
        throw new IllegalArgumentException(
            "baseUrl must be an absolute http(s) URL, was " + baseUrl);
      }
      this.baseUrl = baseUrl;
      return this;
    }

    /**
     * A ready HTTP client (connect timeout and executor settings are then its own): to share one
     * client, its proxy, TLS or authenticator settings with the host. The JDK's own {@code
     * java.net.http} type, on purpose: it is the point of this method, and it is part of every JDK
     * this SDK runs on, so it cannot change under a host as a third-party type would.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** The executor the HTTP client completes responses on. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The scheduler that drives polls and retries; the client owns a one-thread scheduler by
     * default.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Retries; {@link RetryPolicy#defaults()} by default. */
    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** The {@code User-Agent}. */
    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /** Connect timeout; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Args.positive(timeout, "connectTimeout");
      return this;
    }

    /** Timeout of one request (plus any {@code Prefer: wait}); default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Args.positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * The polling schedule after {@code Prefer: wait} returns early: from {@code initial}, times
     * {@code multiplier} per poll, up to {@code max}. Default 250 ms × 1.5 up to 2 s.
     */
    public Builder pollSchedule(Duration initial, double multiplier, Duration max) {
      this.pollSchedule = new PollSchedule(initial, multiplier, max);
      return this;
    }

    /**
     * Client-side limit of creates per minute (Replicate allows 600); 0 turns it off. Default 600.
     */
    public Builder createsPerMinute(int createsPerMinute) {
      if (createsPerMinute < 0) {
        throw new IllegalArgumentException("createsPerMinute must not be negative");
      }
      this.createsPerMinute = createsPerMinute;
      return this;
    }

    /** The clock for deadlines and Retry-After dates. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether every create's input is checked against the model's input schema before it is sent
     * (default: true). A create whose input holds a field the model does not declare, misses a
     * required one, has the wrong JSON type or a value the field does not allow is refused with
     * {@link ModelInputRejectedException} before any request to the predictions endpoints, since
     * Cog drops unknown fields silently and the prediction would be paid for without them. The
     * schema costs one {@code GET} per model per {@link #schemaCache cache} lifetime; when it
     * cannot be read (404, network, a bare version id), the create goes ahead and a warning is
     * logged saying the input was not checked.
     */
    public Builder validateInputs(boolean validateInputs) {
      this.validateInputs = validateInputs;
      return this;
    }

    /**
     * The cache of input schemas and model lookups (a community model's latest version, a
     * deployment's release): at most {@code maxEntries} of each kind, each kept {@code ttl}.
     * Default 256 entries, 10 minutes.
     */
    public Builder schemaCache(int maxEntries, Duration ttl) {
      this.schemaCacheEntries = Args.range(maxEntries, "maxEntries", 1, 100_000);
      this.schemaCacheTtl = Args.positive(ttl, "ttl");
      return this;
    }

    /** Builds the client. */
    public ReplicateClient build() {
      if (token == null) {
        throw new ConfigurationException(
            "A Replicate token is required: ReplicateClient.builder().token(...) or REPLICATE_API_TOKEN.");
      }
      return new ReplicateClient(this);
    }
  }
}
