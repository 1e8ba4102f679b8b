package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The predictions API of a {@link ReplicateClient}. Thread-safe. */
public final class Predictions {
  /** The longest {@code Prefer: wait} Replicate accepts. */
  public static final Duration MAX_PREFER_WAIT = Duration.ofSeconds(60);

  private final ReplicateClient client;

  Predictions(ReplicateClient client) {
    this.client = client;
  }

  /**
   * Creates a prediction and returns at once (no waiting).
   *
   * @throws ReplicateApiException for API errors (auth, not found, validation)
   * @throws PredictionOutcomeUnknownException if the answer was lost (not re-sent)
   */
  public Prediction create(PredictionRequest request) {
    return ReplicateClient.join(createAsync(request, Optional.empty()));
  }

  /**
   * Creates a prediction asking Replicate to hold the answer up to {@code preferWait} (at most
   * 60 s) for it to finish, without holding a thread while it does.
   */
  public CompletableFuture<Prediction> createAsync(PredictionRequest request, Optional<Duration> preferWait) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(preferWait, "preferWait");
    Optional<Duration> wait = preferWait.map(w -> w.compareTo(MAX_PREFER_WAIT) > 0 ? MAX_PREFER_WAIT : w).filter(w -> w.toSeconds() >= 1);
    Duration delay = client.createDelay();
    CompletableFuture<Void> slot =
        delay.isZero()
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, client.scheduler));
    String what = "a prediction of " + request.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + request.target();
    return slot.thenCompose(
            v -> client.call("POST", client.uri(request.path()), request.body(), wait, false, what, true))
        .thenApply(Prediction::of);
  }

  /** The prediction's current state ({@code GET /predictions/{id}}). */
  public Prediction get(String id) {
    return ReplicateClient.join(getAsync(id));
  }

  /** The prediction's current state, asynchronously. */
  public CompletableFuture<Prediction> getAsync(String id) {
    return client.call("GET", client.uri("/predictions/" + encode(id)), null, Optional.empty(), true, "prediction " + id, false)
        .thenApply(Prediction::of);
  }

  /** Asks Replicate to cancel the prediction; returns its state after the request. */
  public Prediction cancel(String id) {
    return ReplicateClient.join(cancelAsync(id));
  }

  /** Cancels asynchronously. */
  public CompletableFuture<Prediction> cancelAsync(String id) {
    return client.call("POST", client.uri("/predictions/" + encode(id) + "/cancel"), null, Optional.empty(), true, "cancel of prediction " + id, false)
        .thenApply(Prediction::of);
  }

  /** A handle on an existing prediction, to poll, await or cancel it. */
  public PredictionOperation operation(Prediction prediction) {
    return new PredictionOperation(client, this, prediction);
  }

  /**
   * Creates a prediction and waits for it to end: {@code Prefer: wait} first, then polling.
   * On the deadline the prediction is canceled.
   *
   * @throws PredictionFailedException if it ends failed, canceled or aborted
   * @throws PredictionTimeoutException if it is still running at the deadline (then canceled)
   */
  public Prediction run(PredictionRequest request, Duration timeout) {
    return ReplicateClient.join(runAsync(request, timeout, true));
  }

  /** Like {@link #run}, without holding a thread while waiting. */
  public CompletableFuture<Prediction> runAsync(PredictionRequest request, Duration timeout, boolean cancelOnTimeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    long start = System.nanoTime();
    return createAsync(request, Optional.of(timeout))
        .thenCompose(p -> operation(p).future(timeout.minusNanos(System.nanoTime() - start), cancelOnTimeout));
  }

  /** Every prediction of the account, newest first, fetched a page at a time as it is iterated. */
  public Iterable<Prediction> list() {
    return () -> new Iterator<>() {
      private final Deque<Prediction> page = new ArrayDeque<>();
      private URI next = client.uri("/predictions");

      @Override
      public boolean hasNext() {
        while (page.isEmpty() && next != null) {
          JsonNode body = ReplicateClient.join(client.call("GET", next, null, Optional.empty(), true, "the list of predictions", false));
          body.path("results").forEach(n -> page.add(Prediction.of(n)));
          String nextUrl = body.path("next").isTextual() ? body.path("next").asText() : null;
          next = nextUrl == null || nextUrl.isBlank() ? null : client.uri("").resolve(URI.create(nextUrl));
        }
        return !page.isEmpty();
      }

      @Override
      public Prediction next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.poll();
      }
    };
  }

  private static String encode(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isBlank() || id.length() > 128) {
      throw new IllegalArgumentException("id must be a prediction id, was '" + id + "'");
    }
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }
}
