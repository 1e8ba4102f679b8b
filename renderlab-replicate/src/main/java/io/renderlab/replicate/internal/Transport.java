package io.renderlab.replicate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.Redaction;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.UpstreamException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends API calls asynchronously with the retry policy: 429 always retried after {@code
 * Retry-After}; 5xx, timeouts and dropped connections retried for reads and cancels; a create whose
 * answer is lost fails with {@link NoAnswerException} and is never re-sent. The token goes only to
 * the API's own origin and is never logged. Thread-safe.
 */
public final class Transport {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  /**
   * The largest response body read: a prediction with long logs and a big inline output stays far
   * below.
   */
  static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

  /**
   * The shared JSON mapper. Its string limit is the body cap, not Jackson's default (20 M
   * characters): a large {@code data:} output inside an accepted body must parse, or a paid
   * prediction would turn into "outcome unknown".
   */
  public static final ObjectMapper MAPPER = mapper();

  private static ObjectMapper mapper() {
    com.fasterxml.jackson.core.JsonFactory factory =
        com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(
                com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_BODY_BYTES)
                    .build())
            .build();
    return new ObjectMapper(factory);
  }

  private final String token;
  private final URI baseUrl;
  private final HttpClient http;
  private final RetryPolicy retry;
  private final String userAgent;
  private final Duration requestTimeout;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;

  /**
   * A transport.
   *
   * @param token the API token
   * @param baseUrl the API base, without a trailing slash
   * @param http the HTTP client
   * @param retry the retry policy
   * @param userAgent the {@code User-Agent}
   * @param requestTimeout the timeout of one request, to which any {@code Prefer: wait} is added
   * @param scheduler runs the delayed retries
   * @param clock reads HTTP-date {@code Retry-After}s
   */
  public Transport(
      String token,
      URI baseUrl,
      HttpClient http,
      RetryPolicy retry,
      String userAgent,
      Duration requestTimeout,
      ScheduledExecutorService scheduler,
      Clock clock) {
    this.token = Objects.requireNonNull(token, "token");
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    this.http = Objects.requireNonNull(http, "http");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The API base. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The timeout of one request (before any {@code Prefer: wait}). */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** A URL under the API base: {@code path} starts with {@code /}. */
  public URI uri(String path) {
    return URI.create(baseUrl + path);
  }

  /** Whether {@code url} is on the API's own origin (the token is never sent anywhere else). */
  public boolean sameOrigin(URI url) {
    return Objects.equals(url.getScheme(), baseUrl.getScheme())
        && Objects.equals(url.getHost(), baseUrl.getHost())
        && url.getPort() == baseUrl.getPort();
  }

  /** Sends {@code call}; the future completes with the JSON body or the typed failure. */
  public CompletableFuture<JsonNode> send(ApiCall call) {
    if (!sameOrigin(call.url())) {
      return CompletableFuture.failedFuture(
          new UpstreamException(
              "Refusing to send the API token to "
                  + Redaction.url(call.url().toString())
                  + ", outside "
                  + baseUrl
                  + ", while "
                  + call.action()
                  + ".",
              0,
              null,
              false));
    }
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    attempt(call, 1, result);
    return result;
  }

  private void attempt(ApiCall call, int attempt, CompletableFuture<JsonNode> result) {
    if (result.isDone()) {
      return; // the caller gave up (for example, canceled the future)
    }
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(call.url())
            .timeout(
                call.timeout().orElse(requestTimeout).plus(call.preferWait().orElse(Duration.ZERO)))
            .header("Authorization", "Bearer " + token)
            .header("User-Agent", userAgent)
            .header("Accept", "application/json");
    call.preferWait()
        .ifPresent(w -> rb.header("Prefer", "wait=" + Math.max(1, Math.min(60, w.toSeconds()))));
    call.headers().forEach(rb::header);
    if (call.rawBody() != null) {
      rb.header("Content-Type", call.rawBody().contentType())
          .method(call.method(), call.rawBody().publisher().get());
    } else if (call.body() != null) {
      rb.header("Content-Type", "application/json")
          .method(call.method(), HttpRequest.BodyPublishers.ofString(call.body().toString()));
    } else {
      rb.method(call.method(), HttpRequest.BodyPublishers.noBody());
    }
    LOG.debug("{} {} (attempt {})", call.method(), Redaction.url(call.url().toString()), attempt);
    http.sendAsync(rb.build(), CappedBody.handler(MAX_BODY_BYTES))
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                onNoAnswer(call, attempt, result, error);
              } else {
                onAnswer(call, attempt, result, response);
              }
            });
  }

  private void onNoAnswer(
      ApiCall call, int attempt, CompletableFuture<JsonNode> result, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (neverConnected(cause)) {
      // No connection, so no request: even a create is safe to retry, and nothing can have started.
      retryOrFail(
          call,
          attempt,
          result,
          new UpstreamException(
              "Could not connect to Replicate at "
                  + origin(call.url())
                  + " while "
                  + call.action()
                  + " ("
                  + (cause instanceof HttpConnectTimeoutException
                      ? "connect timed out"
                      : "connection refused")
                  + "): nothing was sent. Check the client's base URL and the network. This is retryable.",
              0,
              cause,
              true),
          Optional.empty());
      return;
    }
    if (call.kind() == ApiCall.Kind.CREATE) {
      result.completeExceptionally(new NoAnswerException(0, cause));
      return;
    }
    if (call.kind() == ApiCall.Kind.UPLOAD) {
      result.completeExceptionally(
          new UpstreamException(
              (cause instanceof HttpTimeoutException
                      ? "Replicate did not answer in time while "
                      : "The connection to Replicate failed while ")
                  + call.action()
                  + " ("
                  + cause.getClass().getSimpleName()
                  + "). It was not sent again: an upload is retried only when throttled, since a"
                  + " repeat sends the whole file again. Try again on a better connection.",
              0,
              cause,
              true));
      return;
    }
    RenderLabException failure =
        cause instanceof HttpTimeoutException
            ? new UpstreamException(
                "Replicate did not answer in time while " + call.action() + ". This is retryable.",
                0,
                cause,
                true)
            : new UpstreamException(
                "Could not reach Replicate while "
                    + call.action()
                    + " ("
                    + cause.getClass().getSimpleName()
                    + "). This is retryable.",
                0,
                cause,
                true);
    retryOrFail(call, attempt, result, failure, Optional.empty());
  }

  private void onAnswer(
      ApiCall call,
      int attempt,
      CompletableFuture<JsonNode> result,
      HttpResponse<String> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      String body = response.body();
      try {
        result.complete(
            body == null || body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body));
      } catch (IOException e) {
        RenderLabException unreadable =
            new UpstreamException(
                "Replicate sent unreadable JSON while " + call.action() + ".", status, e, false);
        result.completeExceptionally(
            call.kind() == ApiCall.Kind.CREATE
                ? new NoAnswerException(status, unreadable)
                : unreadable);
      }
      return;
    }
    RenderLabException failure =
        Problems.of(
            status, response.body(), response.headers().firstValue("Retry-After"), call, clock);
    if (call.kind() == ApiCall.Kind.CREATE && status >= 500) {
      // A 5xx on a create (a gateway timing out, say) does not prove nothing started.
      result.completeExceptionally(new NoAnswerException(status, failure));
      return;
    }
    if (call.kind() == ApiCall.Kind.UPLOAD && !(failure instanceof RateLimitedException)) {
      result.completeExceptionally(failure); // never re-sent: only a throttled upload is retried
      return;
    }
    Optional<Duration> retryAfter =
        failure instanceof RateLimitedException
            ? ((RateLimitedException) failure).retryAfter()
            : Optional.empty();
    retryOrFail(call, attempt, result, failure, retryAfter);
  }

  private void retryOrFail(
      ApiCall call,
      int attempt,
      CompletableFuture<JsonNode> result,
      RenderLabException failure,
      Optional<Duration> retryAfter) {
    if (!failure.isRetryable() || !retry.allowsRetryAfterAttempt(attempt)) {
      result.completeExceptionally(failure);
      return;
    }
    Duration wait = retry.backoff(attempt, retryAfter);
    LOG.warn(
        "{} Retry {} of {} in {} ms.",
        failure.getMessage(),
        attempt,
        retry.maxAttempts() - 1,
        wait.toMillis());
    scheduler.schedule(
        () -> attempt(call, attempt + 1, result), wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Whether the failure happened before any connection existed (so before any byte was sent). */
  static boolean neverConnected(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String origin(URI url) {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
  }

  /**
   * Waits for an async call, rethrowing its failure as it was, with the waiting thread's stack
   * attached as a suppressed {@link CallerStack}: the failure was made on an HTTP or scheduler
   * thread, and without it a stack trace would show no frame of the code that made the call.
   */
  public static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new RenderLabException("Interrupted while waiting for Replicate.", e, true);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        cause.addSuppressed(new CallerStack());
        throw (RuntimeException) cause;
      }
      throw new RenderLabException("Replicate call failed: " + cause, cause, false);
    }
  }

  /** Where a blocking call was made: its stack trace is the calling thread's. */
  public static final class CallerStack extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallerStack() {
      super("The blocking call that received this failure was made here");
    }
  }

  @Override
  public String toString() {
    return "Transport{baseUrl="
        + baseUrl
        + ", token="
        + Redaction.secret(token)
        + ", retry="
        + retry
        + '}';
  }
}
