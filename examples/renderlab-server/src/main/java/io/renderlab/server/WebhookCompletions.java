package io.renderlab.server;

import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.GenerateRequest;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.Prediction;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pairs generations started with a webhook with the deliveries that end them, so that each
 * prediction is completed (re-uploaded and recorded) exactly once.
 *
 * <p>Either side may come first: a fast model's webhook can arrive before the request that created
 * the prediction has registered it, so a delivery with no registered generation is kept for a while
 * (it expires after {@code keep}). Duplicate deliveries find the slot already claimed and change
 * nothing. Thread-safe.
 */
final class WebhookCompletions {
  /** What a delivery did, for the webhook's answer. */
  enum Outcome {
    /** This delivery completed the generation. */
    COMPLETED,
    /** The prediction was already completed, or is being completed by an earlier delivery. */
    DUPLICATE,
    /** No generation of this process waits for it (yet); kept until one registers or it expires. */
    UNCLAIMED,
    /** Not ended yet; nothing to do. */
    NOT_TERMINAL
  }

  private static final class Slot {
    final Instant createdAt;
    GenerateRequest request;
    CompletableFuture<List<ImageRecord>> result;
    Prediction delivered;
    boolean claimed;

    Slot(Instant createdAt) {
      this.createdAt = createdAt;
    }
  }

  private final RenderLabPipeline pipeline;
  private final Clock clock;
  private final Duration keep;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  WebhookCompletions(RenderLabPipeline pipeline, Clock clock, Duration keep) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.keep = Objects.requireNonNull(keep, "keep");
  }

  /**
   * Registers a generation whose prediction was just created; the future completes with its records
   * when the webhook arrives (at once if it already has).
   */
  CompletableFuture<List<ImageRecord>> register(String predictionId, GenerateRequest request) {
    expire();
    CompletableFuture<List<ImageRecord>> result = new CompletableFuture<>();
    Slot slot = slots.computeIfAbsent(predictionId, id -> new Slot(clock.instant()));
    Prediction ready;
    synchronized (slot) {
      slot.request = request;
      slot.result = result;
      ready = claim(slot);
    }
    if (ready != null) {
      complete(slot, ready);
    }
    return result;
  }

  /** Handles a verified delivery; completes the generation when this is the first final one. */
  Outcome deliver(Prediction prediction) {
    if (!prediction.isTerminal()) {
      return Outcome.NOT_TERMINAL;
    }
    expire();
    Slot slot = slots.computeIfAbsent(prediction.id(), id -> new Slot(clock.instant()));
    Prediction ready;
    synchronized (slot) {
      if (slot.claimed || slot.delivered != null) {
        return Outcome.DUPLICATE;
      }
      slot.delivered = prediction;
      ready = claim(slot);
    }
    if (ready == null) {
      return Outcome.UNCLAIMED;
    }
    complete(slot, ready);
    return Outcome.COMPLETED;
  }

  /** Forgets a generation whose caller stopped waiting; a later delivery then stays unclaimed. */
  void abandon(String predictionId) {
    slots.computeIfPresent(
        predictionId,
        (id, slot) -> {
          synchronized (slot) {
            return slot.claimed ? slot : null;
          }
        });
  }

  /** How many generations wait for their webhook. */
  int waiting() {
    return (int) slots.values().stream().filter(s -> s.request != null && !s.claimed).count();
  }

  private static Prediction claim(Slot slot) {
    if (slot.claimed || slot.request == null || slot.delivered == null) {
      return null;
    }
    slot.claimed = true;
    return slot.delivered;
  }

  /**
   * Runs outside the slot's lock; the claimed slot stays until it expires so late duplicates are
   * recognised.
   */
  private void complete(Slot slot, Prediction done) {
    try {
      slot.result.complete(pipeline.completeGeneration(slot.request, done));
    } catch (RuntimeException e) {
      slot.result.completeExceptionally(e);
    }
  }

  private void expire() {
    Instant cutoff = clock.instant().minus(keep);
    slots.entrySet().removeIf(e -> e.getValue().createdAt.isBefore(cutoff));
  }
}
