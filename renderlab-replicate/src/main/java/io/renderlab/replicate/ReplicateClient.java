package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.Redaction;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.UpstreamException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Replicate API client: create predictions on models, versions and deployments, wait for them
 * without holding threads, cancel them, list them, and verify webhooks.
 *
 * <p>Waiting asks Replicate to hold the create request until the prediction ends
 * ({@code Prefer: wait}, up to 60 s), so a prediction that finishes in seconds costs one request
 * and is seen the moment it ends; longer ones are then polled with a growing interval. 429 answers
 * are retried honouring {@code Retry-After} for every call; 5xx and dropped connections are
 * retried for reads and cancels, never for creates (see {@link PredictionOutcomeUnknownException}).
 *
 * <p>Immutable and thread-safe; one per application. {@link #close()} stops the scheduler it
 * owns. The token never appears in logs, messages or {@code toString()}.
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
  private static final Logger LOG = LoggerFactory.getLogger(ReplicateClient.class);
  static final ObjectMapper MAPPER = new ObjectMapper();
  /** The public API. */
  public static final String DEFAULT_BASE_URL = "https://api.replicate.com/v1";

  private final String token;
  final URI baseUrl;
  private final HttpClient http;
  final RetryPolicy retry;
  private final String userAgent;
  final Duration requestTimeout;
  final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  final Duration pollInitial;
  final Duration pollMax;
  final double pollMultiplier;
  final Clock clock;
  private final long createIntervalNanos;
  private final AtomicLong nextCreateSlot = new AtomicLong();
  private final Predictions predictions;

  private ReplicateClient(Builder b) {
    this.token = b.token;
    this.baseUrl = URI.create(b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl);
    this.retry = b.retry;
    this.userAgent = b.userAgent;
    this.requestTimeout = b.requestTimeout;
    this.pollInitial = b.pollInitial;
    this.pollMax = b.pollMax;
    this.pollMultiplier = b.pollMultiplier;
    this.clock = b.clock;
    this.createIntervalNanos = b.createsPerMinute <= 0 ? 0 : 60_000_000_000L / b.createsPerMinute;
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
    HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER);
    if (b.executor != null) {
      hb.executor(b.executor);
    }
    this.http = b.httpClient != null ? b.httpClient : hb.build();
    this.predictions = new Predictions(this);
  }

  /** A builder; a token is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A client from {@code REPLICATE_API_TOKEN} and {@code REPLICATE_BASE_URL} (default
   * {@value #DEFAULT_BASE_URL}).
   *
   * @throws ConfigurationException if {@code REPLICATE_API_TOKEN} is not set
   */
  public static ReplicateClient fromEnv() {
    return fromEnv(System.getenv());
  }

  /** Like {@link #fromEnv()}, reading the given variables. */
  public static ReplicateClient fromEnv(Map<String, String> env) {
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
   * The account's webhook signing secret ({@code GET /webhooks/default/secret}), for
   * {@link WebhookVerifier#of(String)}.
   */
  public String webhookSigningSecret() {
    JsonNode body = join(call("GET", uri("/webhooks/default/secret"), null, Optional.empty(), true, "the webhook signing secret", false));
    String key = body.path("key").asText("");
    if (key.isEmpty()) {
      throw new UpstreamException("Replicate returned no webhook signing key.", 0, null, false);
    }
    return key;
  }

  URI uri(String path) {
    return URI.create(baseUrl + path);
  }

  /** Whether {@code url} is on the API's own origin (the token is never sent anywhere else). */
  boolean sameOrigin(URI url) {
    return Objects.equals(url.getScheme(), baseUrl.getScheme())
        && Objects.equals(url.getHost(), baseUrl.getHost())
        && url.getPort() == baseUrl.getPort();
  }

  /** Waits until the create rate limit allows another create; returns the delay. */
  Duration createDelay() {
    if (createIntervalNanos == 0) {
      return Duration.ZERO;
    }
    long now = System.nanoTime();
    long slot = nextCreateSlot.getAndUpdate(prev -> Math.max(prev, now) + createIntervalNanos);
    return Duration.ofNanos(Math.max(0, Math.max(slot, now) - now));
  }

  /**
   * One API call, asynchronously, with the retry policy: 429 always retried (after Retry-After);
   * 5xx and I/O failures retried only when {@code idempotent}.
   */
  CompletableFuture<JsonNode> call(
      String method, URI url, JsonNode body, Optional<Duration> preferWait, boolean idempotent, String what, boolean create) {
    if (!sameOrigin(url)) {
      return CompletableFuture.failedFuture(
          new UpstreamException("Refusing to send the API token to " + Redaction.url(url.toString()) + ", outside " + baseUrl, 0, null, false));
    }
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    attempt(method, url, body, preferWait, idempotent, what, create, 1, result);
    return result;
  }

  private void attempt(
      String method, URI url, JsonNode body, Optional<Duration> preferWait, boolean idempotent, String what, boolean create,
      int attempt, CompletableFuture<JsonNode> result) {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(url)
            .timeout(requestTimeout.plus(preferWait.orElse(Duration.ZERO)))
            .header("Authorization", "Bearer " + token)
            .header("User-Agent", userAgent)
            .header("Accept", "application/json");
    preferWait.ifPresent(w -> rb.header("Prefer", "wait=" + Math.max(1, Math.min(60, w.toSeconds()))));
    if (body != null) {
      rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      rb.method(method, HttpRequest.BodyPublishers.noBody());
    }
    LOG.debug("{} {} (attempt {})", method, Redaction.url(url.toString()), attempt);
    http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (create) {
                  result.completeExceptionally(new PredictionOutcomeUnknownException(what, 0, cause));
                  return;
                }
                RenderLabException failure =
                    cause instanceof HttpTimeoutException
                        ? new UpstreamException("Replicate did not answer in time while reading " + what + ". This is retryable.", 0, cause, true)
                        : new UpstreamException("Could not reach Replicate for " + what + ": " + cause.getClass().getSimpleName() + ". This is retryable.", 0, cause, true);
                retryOrFail(failure, Optional.empty(), idempotent, method, url, body, preferWait, what, create, attempt, result);
                return;
              }
              int status = response.statusCode();
              if (status >= 200 && status < 300) {
                try {
                  result.complete(response.body() == null || response.body().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body()));
                } catch (IOException e) {
                  result.completeExceptionally(new UpstreamException("Replicate sent unreadable JSON for " + what + ".", status, e, false));
                }
                return;
              }
              RenderLabException failure = Errors.of(response, what, clock);
              Optional<Duration> retryAfter =
                  failure instanceof RateLimitedException ? ((RateLimitedException) failure).retryAfter() : Optional.empty();
              if (create && status >= 500) {
                result.completeExceptionally(new PredictionOutcomeUnknownException(what, status, failure));
                return;
              }
              retryOrFail(failure, retryAfter, idempotent || status == 429, method, url, body, preferWait, what, create, attempt, result);
            });
  }

  private void retryOrFail(
      RenderLabException failure, Optional<Duration> retryAfter, boolean mayRetry, String method, URI url, JsonNode body,
      Optional<Duration> preferWait, String what, boolean create, int attempt, CompletableFuture<JsonNode> result) {
    if (!mayRetry || !failure.isRetryable() || !retry.allowsRetryAfterAttempt(attempt)) {
      result.completeExceptionally(failure);
      return;
    }
    Duration wait = retry.backoff(attempt, retryAfter);
    LOG.warn("Replicate call for {} failed ({}); retry {} of {} in {} ms", what, failure.getMessage(), attempt, retry.maxAttempts() - 1, wait.toMillis());
    scheduler.schedule(
        () -> attempt(method, url, body, preferWait, true, what, create, attempt + 1, result), wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for an async call, unwrapping its failure. */
  static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new RenderLabException("Interrupted while waiting for Replicate", e, true);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new RenderLabException("Replicate call failed: " + cause, cause, false);
    }
  }

  @Override
  public void close() {
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "ReplicateClient{baseUrl=" + baseUrl + ", token=" + Redaction.secret(token) + ", retry=" + retry + '}';
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
    private Duration pollInitial = Duration.ofMillis(250);
    private Duration pollMax = Duration.ofSeconds(2);
    private double pollMultiplier = 1.5;
    private int createsPerMinute = 600;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

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
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL, was " + baseUrl);
      }
      this.baseUrl = baseUrl;
      return this;
    }

    /** A ready HTTP client (connect timeout and executor settings are then its own). */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** The executor the HTTP client completes responses on. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The scheduler that drives polls and retries; the client owns a one-thread scheduler by default. */
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
      this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
      return this;
    }

    /** Timeout of one request (plus any {@code Prefer: wait}); default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
      return this;
    }

    /**
     * The polling schedule after {@code Prefer: wait} returns early: from {@code initial}, times
     * {@code multiplier} per poll, up to {@code max}. Default 250 ms × 1.5 up to 2 s.
     */
    public Builder pollSchedule(Duration initial, double multiplier, Duration max) {
      if (initial.isNegative() || max.compareTo(initial) < 0 || multiplier < 1) {
        throw new IllegalArgumentException("poll schedule needs 0 <= initial <= max and multiplier >= 1");
      }
      this.pollInitial = initial;
      this.pollMax = max;
      this.pollMultiplier = multiplier;
      return this;
    }

    /** Client-side limit of creates per minute (Replicate allows 600); 0 turns it off. Default 600. */
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

    /** Builds the client. */
    public ReplicateClient build() {
      if (token == null) {
        throw new ConfigurationException("A Replicate token is required: ReplicateClient.builder().token(...) or REPLICATE_API_TOKEN.");
      }
      return new ReplicateClient(this);
    }
  }
}
