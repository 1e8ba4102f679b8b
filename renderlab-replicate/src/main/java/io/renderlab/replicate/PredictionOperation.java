package io.renderlab.replicate;

import io.renderlab.core.RenderLabException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running prediction as a long-running operation: poll it, await it with a deadline, turn it
 * into a {@link CompletableFuture} that holds no thread while waiting (the client's scheduler
 * drives every poll), or cancel it. Thread-safe.
 */
public final class PredictionOperation {
  private final ReplicateClient client;
  private final Predictions predictions;
  private final AtomicReference<Prediction> latest;

  PredictionOperation(ReplicateClient client, Predictions predictions, Prediction first) {
    this.client = client;
    this.predictions = predictions;
    this.latest = new AtomicReference<>(Objects.requireNonNull(first, "first"));
  }

  /** The prediction's id. */
  public String id() {
    return latest.get().id();
  }

  /** The last state seen, without a request. */
  public Prediction latest() {
    return latest.get();
  }

  /** Fetches the current state once. */
  public Prediction poll() {
    Prediction p = predictions.get(id());
    latest.set(p);
    return p;
  }

  /** Asks Replicate to cancel it. */
  public Prediction cancel() {
    Prediction p = predictions.cancel(id());
    latest.set(p);
    return p;
  }

  /**
   * Blocks until the prediction ends or {@code timeout} passes.
   *
   * @param cancelOnTimeout cancel the prediction when the deadline passes
   * @throws PredictionFailedException if it ends failed, canceled or aborted
   * @throws PredictionTimeoutException at the deadline
   */
  public Prediction await(Duration timeout, boolean cancelOnTimeout) {
    return ReplicateClient.join(future(timeout, cancelOnTimeout));
  }

  /**
   * Completes when the prediction ends: with it when it succeeded, exceptionally with
   * {@link PredictionFailedException} when it failed, was canceled or aborted, and with
   * {@link PredictionTimeoutException} at the deadline (after canceling it, if asked). Unknown
   * statuses keep it waiting. Holds no thread while waiting.
   */
  public CompletableFuture<Prediction> future(Duration timeout, boolean cancelOnTimeout) {
    Objects.requireNonNull(timeout, "timeout");
    CompletableFuture<Prediction> result = new CompletableFuture<>();
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    step(result, 0, deadline, timeout, cancelOnTimeout);
    return result;
  }

  private void step(CompletableFuture<Prediction> result, int polls, long deadline, Duration limit, boolean cancelOnTimeout) {
    Prediction p = latest.get();
    if (p.isTerminal()) {
      if (p.state() == PredictionStatus.SUCCEEDED) {
        result.complete(p);
      } else {
        result.completeExceptionally(new PredictionFailedException(p));
      }
      return;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
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
                }
                result.completeExceptionally(new PredictionTimeoutException(p.id(), limit, error == null));
              });
      return;
    }
    double grown = client.pollInitial.toNanos() * Math.pow(client.pollMultiplier, polls);
    long delay = (long) Math.min(Math.min(grown, client.pollMax.toNanos()), left);
    client.scheduler.schedule(
        () ->
            predictions
                .getAsync(p.id())
                .whenComplete(
                    (next, error) -> {
                      if (error != null) {
                        Throwable cause = error.getCause() != null ? error.getCause() : error;
                        if (!(cause instanceof RenderLabException) || !((RenderLabException) cause).isRetryable()) {
                          result.completeExceptionally(cause);
                          return;
                        }
                        // transient: the next poll is the retry
                      } else {
                        latest.set(next);
                      }
                      step(result, polls + 1, deadline, limit, cancelOnTimeout);
                    }),
        delay,
        TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "PredictionOperation{" + latest.get() + '}';
  }
}
