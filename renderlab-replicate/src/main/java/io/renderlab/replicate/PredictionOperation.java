package io.renderlab.replicate;

import io.renderlab.core.RenderLabException;
import io.renderlab.replicate.internal.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running prediction as a long-running operation: poll it, await it with a deadline, turn it into
 * a {@link CompletableFuture} that holds no thread while waiting (the client's scheduler drives
 * every poll, however many predictions are waited on), or cancel it. Thread-safe.
 *
 * <p>Ends on {@code succeeded}, {@code failed}, {@code canceled} and {@code aborted}; any other
 * status, including ones newer than this client, keeps it waiting until the deadline.
 *
 * <pre>{@code
 * PredictionOperation op = replicate.predictions().operation(replicate.predictions().create(request));
 * Prediction done = op.await(Duration.ofMinutes(5), true);   // cancels it if still running at 5 min
 * }</pre>
 */
public final class PredictionOperation {
  private final ReplicateClient client;
  private final Predictions predictions;
  private final AtomicReference<Prediction> latest;

  PredictionOperation(ReplicateClient client, Predictions predictions, Prediction first) {
    this.client = client;
    this.predictions = predictions;
    this.latest = new AtomicReference<>(first);
  }

  /** The prediction's id. */
  public String id() {
    return latest.get().id();
  }

  /** The last state seen, without a request. */
  public Prediction latest() {
    return latest.get();
  }

  /**
   * Fetches the current state once and remembers it.
   *
   * @throws ReplicateApiException or another {@link io.renderlab.core.UpstreamException} as {@link
   *     Predictions#get} does
   */
  public Prediction poll() {
    Prediction p = predictions.get(id());
    latest.set(p);
    return p;
  }

  /**
   * Asks Replicate to cancel the prediction and returns its state after the request.
   *
   * @throws ReplicateApiException or another {@link io.renderlab.core.UpstreamException} as {@link
   *     Predictions#cancel} does
   */
  public Prediction cancel() {
    Prediction p = predictions.cancel(id());
    latest.set(p);
    return p;
  }

  /**
   * Blocks until the prediction ends or {@code timeout} passes, leaving it running at the deadline
   * ({@link #awaitOrCancel} cancels it).
   *
   * @param timeout how long to wait, from now
   * @return the prediction, succeeded
   * @throws PredictionFailedException if it ends failed, canceled or aborted
   * @throws PredictionTimeoutException at the deadline ({@code canceled()} false)
   */
  public Prediction await(Duration timeout) {
    return Transport.join(future(timeout));
  }

  /**
   * Blocks until the prediction ends or {@code timeout} passes, canceling it at the deadline. If
   * the cancel finds it already succeeded, that result is returned.
   *
   * @param timeout how long to wait, from now
   * @return the prediction, succeeded
   * @throws PredictionFailedException if it ends failed, canceled or aborted
   * @throws PredictionTimeoutException at the deadline (saying whether the cancel went through)
   */
  public Prediction awaitOrCancel(Duration timeout) {
    return Transport.join(futureOrCancel(timeout));
  }

  /**
   * Completes when the prediction ends: with it when it succeeded, exceptionally with {@link
   * PredictionFailedException} when it failed, was canceled or aborted, and with {@link
   * PredictionTimeoutException} at the deadline, leaving the prediction running ({@link
   * #futureOrCancel} cancels it). A poll that fails for good (404, 401) fails the future with that
   * error; a transient one is retried. Canceling the returned future stops the polling (not the
   * prediction).
   *
   * @param timeout how long to wait, from now
   */
  public CompletableFuture<Prediction> future(Duration timeout) {
    return future(timeout, false);
  }

  /**
   * Like {@link #future(Duration)}, but cancels the prediction when the deadline passes (and
   * completes with it instead if the cancel finds it already succeeded).
   *
   * @param timeout how long to wait, from now
   */
  public CompletableFuture<Prediction> futureOrCancel(Duration timeout) {
    return future(timeout, true);
  }

  private CompletableFuture<Prediction> future(Duration timeout, boolean cancelOnTimeout) {
    Objects.requireNonNull(timeout, "timeout");
    Duration limit = timeout.isNegative() ? Duration.ZERO : timeout;
    return until(client.clock.instant().plus(limit), limit, cancelOnTimeout);
  }

  CompletableFuture<Prediction> until(Instant deadline, Duration limit, boolean cancelOnTimeout) {
    CompletableFuture<Prediction> result = new CompletableFuture<>();
    step(result, 0, deadline, limit, cancelOnTimeout);
    return result;
  }

  private void step(
      CompletableFuture<Prediction> result,
      int polls,
      Instant deadline,
      Duration limit,
      boolean cancelOnTimeout) {
    if (result.isDone()) {
      return;
    }
    Prediction p = latest.get();
    if (p.isTerminal()) {
      if (p.status() == PredictionStatus.SUCCEEDED) {
        result.complete(p);
      } else {
        result.completeExceptionally(new PredictionFailedException(p));
      }
      return;
    }
    Duration left = Duration.between(client.clock.instant(), deadline);
    if (left.isNegative() || left.isZero()) {
      timeOut(result, p, limit, cancelOnTimeout);
      return;
    }
    Duration interval = client.pollSchedule.interval(polls);
    Duration delay = interval.compareTo(left) < 0 ? interval : left;
    client.scheduler.schedule(
        () -> {
          if (result.isDone()) {
            return;
          }
          predictions
              .getAsync(p.id())
              .whenComplete(
                  (next, error) -> {
                    if (error != null) {
                      Throwable cause =
                          error instanceof CompletionException && error.getCause() != null
                              ? error.getCause()
                              : error;
                      if (!(cause instanceof RenderLabException)
                          || !((RenderLabException) cause).isRetryable()) {
                        result.completeExceptionally(cause);
                        return;
                      }
                      // transient, after the transport's own retries: the next poll tries again
                    } else {
                      latest.set(next);
                    }
                    step(result, polls + 1, deadline, limit, cancelOnTimeout);
                  });
        },
        delay.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  private void timeOut(
      CompletableFuture<Prediction> result, Prediction p, Duration limit, boolean cancelOnTimeout) {
    if (!cancelOnTimeout) {
      result.completeExceptionally(new PredictionTimeoutException(p.id(), limit, false));
      return;
    }
    predictions
        .cancelAsync(p.id())
        .whenComplete(
            (canceled, error) -> {
              if (canceled != null) {
                latest.set(canceled);
                if (canceled.status() == PredictionStatus.SUCCEEDED) {
                  result.complete(
                      canceled); // it ended just before the cancel arrived: keep the result
                  return;
                }
              }
              result.completeExceptionally(
                  new PredictionTimeoutException(p.id(), limit, error == null));
            });
  }

  /** The id and last status seen. */
  @Override
  public String toString() {
    return "PredictionOperation{" + latest.get() + '}';
  }
}
