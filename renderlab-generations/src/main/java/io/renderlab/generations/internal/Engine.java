package io.renderlab.generations.internal;

import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.RemoteFetchFailedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StoredObject;
import io.renderlab.core.UpstreamException;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionFailedException;
import io.renderlab.replicate.PredictionOutcomeUnknownException;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.PredictionStatus;
import io.renderlab.replicate.PredictionTimeoutException;
import io.renderlab.replicate.ReplicateApiException;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.Ingestor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives generations to their end: creates the prediction after the row is written, saves its id
 * the moment Replicate answers, waits without holding a thread, claims the row, stores each output
 * once under a name of its own ({@code {userId}/{prefix}_{generation}_{i}.{ext}}) and completes the
 * row; resumes generations whose instance died. The one completion path: the waiting instance, a
 * webhook and a recovery worker all end a generation through {@link #finish}. Not public API.
 *
 * <p>Over 700 lines on purpose: it is one state machine (create, wait, claim, finish, retry or give
 * up) whose transitions read best side by side. What it delegates lives apart: storing and cleaning
 * objects ({@link OutputObjects}), lost creates ({@link LostCreates}), compositing ({@link
 * MaskCompositor}).
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** How many times the lost-create search runs before the generation is given up. */
  static final int LOST_CREATE_ATTEMPTS = 3;

  /** How often a waiter whose generation another instance completes re-reads the row. */
  private static final Duration WATCH_EVERY = Duration.ofMillis(250);

  private final GenerationStore store;
  private final Supplier<ReplicateClient> replicate;
  private final Ingestor ingestor;
  private final Clock clock;
  private final String owner;
  private final Duration lease;
  private final RetryPolicy retry;
  private final EventListener events;
  private final LostCreates lostCreates;
  private final OutputObjects objects;
  private final Map<UUID, CompletableFuture<List<ImageRecord>>> inFlight =
      new ConcurrentHashMap<>();
  private final Map<UUID, CompletableFuture<Prediction>> deliveries = new ConcurrentHashMap<>();
  private final Set<UUID> ingesting = ConcurrentHashMap.newKeySet();
  private final ExecutorService work;
  private final ScheduledThreadPoolExecutor timer;

  public Engine(
      GenerationStore store,
      Supplier<ReplicateClient> replicate,
      Ingestor ingestor,
      Clock clock,
      String owner,
      Duration lease,
      RetryPolicy retry,
      EventListener events) {
    this.store = store;
    this.replicate = replicate;
    this.ingestor = ingestor;
    this.clock = clock;
    this.owner = owner;
    this.lease = lease;
    this.retry = retry;
    this.events = events;
    this.lostCreates = new LostCreates(store);
    this.objects = new OutputObjects(ingestor, events, () -> replicate.get().baseUrl());
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            8,
            8,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemon("renderlab-generation"));
    pool.allowCoreThreadTimeOut(true); // idle engines hold no thread
    this.work = pool;
    this.timer = new ScheduledThreadPoolExecutor(1, daemon("renderlab-generation-lease"));
    timer.setRemoveOnCancelPolicy(true);
    long every = Math.max(1, lease.toMillis() / 3);
    timer.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public String owner() {
    return owner;
  }

  /**
   * Writes the row, then creates the prediction; the future completes with the records.
   *
   * @param preferWait how long Replicate may hold the create for the prediction to finish (a
   *     blocking caller's one request for a fast model); zero for none
   */
  public CompletableFuture<List<ImageRecord>> submit(
      Generation pending, PredictionRequest request, Duration preferWait) {
    Generation g = store.create(pending, owner, lease);
    CompletableFuture<List<ImageRecord>> result = track(g.id());
    Instant sentAt = clock.instant();
    CompletableFuture<Prediction> created;
    try {
      created = replicate.get().predictions().createAsync(request, preferWait);
    } catch (RuntimeException e) {
      created = CompletableFuture.failedFuture(e);
    }
    created
        .handleAsync((p, error) -> afterCreate(g, p, error), work)
        .thenCompose(p -> await(g, p, sentAt))
        .whenComplete((records, error) -> settle(g.id(), result, records, error));
    return result;
  }

  /** What follows a create's answer: the prediction to wait for, or why there is none. */
  private Prediction afterCreate(Generation g, Prediction p, Throwable error) {
    if (error == null) {
      events.predictionCreated(g.model(), p.id());
      if (!store.started(g.id(), p.id())) {
        Generation now = store.find(g.id()).orElse(g);
        if (now.status().isTerminal()) {
          cancelQuietly(p.id()); // canceled while the create was in flight: stop the billing
          throw ended(now);
        }
      }
      return p;
    }
    Throwable cause = unwrap(error);
    if (!(cause instanceof PredictionOutcomeUnknownException)) {
      // Replicate answered with an error: no prediction exists, nothing is paid.
      RuntimeException e = runtime(cause);
      endFor(g, GenerationStatus.FAILED, e.getMessage());
      throw e;
    }
    PredictionOutcomeUnknownException lost = (PredictionOutcomeUnknownException) cause;
    Optional<Prediction> found;
    try {
      found = lostCreates.find(g, replicate.get());
    } catch (RuntimeException lookup) {
      lost.addSuppressed(lookup);
      found = Optional.empty();
    }
    if (found.isPresent() && store.started(g.id(), found.get().id())) {
      events.predictionCreated(g.model(), found.get().id());
      return found.get();
    }
    // The create may still appear in the list: a recovery worker looks again later.
    store.retryLater(g.id(), owner, lost.getMessage(), clock.instant().plusSeconds(30));
    throw lost;
  }

  /** Resumes a generation this instance just leased (recovery). */
  public CompletableFuture<List<ImageRecord>> resume(Generation g) {
    CompletableFuture<List<ImageRecord>> result = track(g.id());
    events.leaseTakenOver(g.id(), g.attempts());
    CompletableFuture.supplyAsync(() -> findPrediction(g), work)
        .thenCompose(
            p -> p.isEmpty() ? CompletableFuture.completedFuture(null) : await(g, p.get(), null))
        .whenComplete(
            (records, error) -> {
              if (error == null && records != null) {
                events.generationRecovered(g.id());
              }
              settle(g.id(), result, records, error);
            });
    return result;
  }

  /**
   * Completes the generation of a delivered (webhook) prediction, whichever instance started it:
   * handed to this instance's waiter when there is one, else finished here unless another live
   * instance holds the generation (it finishes it). Never downloads an output twice.
   */
  public Optional<Generation> deliver(Prediction delivered) {
    Optional<Generation> found = store.findByPrediction(delivered.id());
    if (found.isEmpty() || found.get().status().isTerminal() || !delivered.isTerminal()) {
      return found;
    }
    Generation g = found.get();
    CompletableFuture<Prediction> waiter = deliveries.get(g.id());
    if (waiter != null) {
      waiter.complete(delivered); // the waiting thread finishes it
      return store.find(g.id());
    }
    try {
      finish(g, delivered, false);
    } catch (RuntimeException e) {
      LOG.warn(
          "Webhook for prediction {} could not complete generation {}: {}",
          delivered.id(),
          g.id(),
          e.getMessage());
    }
    return store.find(g.id());
  }

  /**
   * Cancels a generation: the prediction (when it has one) is canceled on Replicate and the row
   * ends {@code CANCELED}. A create still in flight is canceled when its answer arrives.
   */
  public Optional<Generation> cancel(UUID id) {
    Optional<Generation> found = store.find(id);
    if (found.isEmpty() || found.get().status().isTerminal()) {
      return found;
    }
    Generation g = found.get();
    g.predictionId().ifPresent(this::cancelQuietly);
    if (store.finish(id, GenerationStatus.CANCELED, "Canceled by request.")) {
      events.generationEnded(id, g.model(), "canceled", since(g));
    }
    CompletableFuture<Prediction> waiter = deliveries.get(id);
    if (waiter != null) {
      waiter.completeExceptionally(new RenderLabException("Generation " + id + " was canceled."));
    }
    return store.find(id);
  }

  /** The prediction of a resumed generation, or empty when it was ended or postponed here. */
  private Optional<Prediction> findPrediction(Generation g) {
    ReplicateClient client = replicate.get();
    if (g.predictionId().isPresent()) {
      Prediction p;
      try {
        p = client.predictions().get(g.predictionId().get());
      } catch (ReplicateApiException.NotFoundException e) {
        giveUp(g, "Replicate has no prediction " + g.predictionId().get() + ": " + e.getMessage());
        throw e;
      } catch (RuntimeException e) {
        retryOrGiveUp(g, e);
        throw e;
      }
      if (!p.isTerminal() && !clock.instant().isBefore(g.deadline())) {
        expire(g, p.id());
        return Optional.empty();
      }
      return Optional.of(p);
    }
    Optional<Prediction> found = lostCreates.find(g, client);
    if (found.isPresent() && store.started(g.id(), found.get().id())) {
      return found;
    }
    if (g.attempts() < LOST_CREATE_ATTEMPTS) {
      store.retryLater(
          g.id(),
          owner,
          "no prediction found yet for a create whose answer was lost",
          clock.instant().plus(Duration.ofSeconds(10L * Math.max(1, g.attempts()))));
      return Optional.empty();
    }
    giveUp(
        g,
        "The instance that created this generation's prediction stopped before Replicate's answer was saved, and no "
            + "matching prediction was found among the account's recent predictions (it may never have been sent). "
            + "It was not re-sent, to avoid paying twice; submit it again if you still want it.");
    return Optional.empty();
  }

  /**
   * Waits for the prediction to end (polls, or a webhook delivered to this instance, whichever
   * first), then finishes the generation.
   */
  private CompletableFuture<List<ImageRecord>> await(Generation g, Prediction p, Instant sentAt) {
    if (p.isTerminal()) {
      return CompletableFuture.supplyAsync(() -> finishAndReport(g, p, sentAt), work);
    }
    Duration left = Duration.between(clock.instant(), g.deadline());
    if (left.isNegative() || left.isZero()) {
      expire(g, p.id());
      return CompletableFuture.failedFuture(expiredError(g));
    }
    CompletableFuture<Prediction> delivered = new CompletableFuture<>();
    deliveries.put(g.id(), delivered);
    CompletableFuture<Prediction> polled =
        replicate.get().predictions().operation(p).futureOrCancel(left);
    polled.whenComplete(
        (done, error) -> {
          if (error == null) {
            delivered.complete(done);
          } else {
            delivered.completeExceptionally(error);
          }
        });
    return delivered
        .handle(
            (done, error) -> {
              deliveries.remove(g.id());
              if (error == null) {
                return CompletableFuture.supplyAsync(() -> finishAndReport(g, done, sentAt), work);
              }
              Throwable cause = unwrap(error);
              if (cause instanceof PredictionFailedException) {
                Prediction ended = ((PredictionFailedException) cause).prediction();
                return CompletableFuture.supplyAsync(() -> finishAndReport(g, ended, sentAt), work);
              }
              if (cause instanceof PredictionTimeoutException) {
                endFor(g, GenerationStatus.CANCELED, cause.getMessage());
                events.generationExpired(g.id());
              }
              // Anything else (Replicate unreachable, a poll refused) leaves the row for a recovery
              // worker, within the attempts limit.
              if (!(cause instanceof PredictionTimeoutException)) {
                retryOrGiveUp(g, runtime(cause));
              }
              return CompletableFuture.<List<ImageRecord>>failedFuture(cause);
            })
        .thenCompose(f -> f);
  }

  private List<ImageRecord> finishAndReport(Generation g, Prediction done, Instant sentAt) {
    events.predictionEnded(
        g.model(),
        done.id(),
        done.rawStatus(),
        Duration.between(sentAt != null ? sentAt : g.createdAt(), clock.instant()));
    return finish(g, done, true);
  }

  /**
   * Ends a generation from its ended prediction: stores and records the outputs of a success (one
   * transaction for records, thumbnail jobs and status), or records why it did not succeed. Claims
   * the row first, so each output is downloaded and stored once whoever calls.
   *
   * @param waitForOthers when another instance (or thread) holds the generation: wait for it to end
   *     and return its records (a waiter), or return at once (a webhook)
   */
  private List<ImageRecord> finish(Generation g, Prediction done, boolean waitForOthers) {
    if (done.status() != PredictionStatus.SUCCEEDED) {
      GenerationStatus status =
          done.status() == PredictionStatus.CANCELED || done.status() == PredictionStatus.ABORTED
              ? GenerationStatus.CANCELED
              : GenerationStatus.FAILED;
      PredictionFailedException failure = new PredictionFailedException(done);
      endFor(g, status, failure.getMessage());
      throw failure;
    }
    if (done.dataRemoved()) {
      String message =
          "Prediction "
              + done.id()
              + " succeeded, but Replicate has already deleted its outputs "
              + "(data_removed), so nothing could be stored; run the generation again.";
      endFor(g, GenerationStatus.EXPIRED, message);
      throw new UpstreamException(message, 0, null, false);
    }
    List<String> outputs = done.outputUrls();
    if (outputs.isEmpty()) {
      String message =
          "Prediction "
              + done.id()
              + " succeeded but returned no file URL (a text or JSON output?); nothing was stored.";
      giveUp(g, message);
      throw new UpstreamException(message, 0, null, false);
    }
    if (!ingesting.add(g.id())) {
      return waitForOthers ? watch(g).join() : List.of(); // this instance is storing them already
    }
    try {
      if (!store.claimIngest(g.id(), owner, lease)) {
        Generation now = store.find(g.id()).orElse(g);
        if (now.status() == GenerationStatus.SUCCEEDED) {
          return store.records(g.id());
        }
        if (now.status().isTerminal()) {
          throw ended(now);
        }
        return waitForOthers ? watch(g).join() : List.of(); // another live instance stores them
      }
      return ingestAndComplete(g, done, outputs);
    } finally {
      ingesting.remove(g.id());
    }
  }

  private List<ImageRecord> ingestAndComplete(Generation g, Prediction done, List<String> outputs) {
    String base = g.keyPrefix() + "_" + g.id().toString().replace("-", "");
    objects.abortUnfinishedUploads(g, base);
    List<StoredObject> stored = new ArrayList<>();
    List<StoredObject> raws = new ArrayList<>();
    try {
      for (int i = 0; i < outputs.size(); i++) {
        if (g.compositeOutsideMask()) {
          StoredObject raw = objects.store(g, outputs.get(i), base + "_" + i + "_raw");
          raws.add(raw);
          stored.add(objects.composite(g, raw, base + "_" + i));
        } else {
          stored.add(objects.store(g, outputs.get(i), base + "_" + i));
        }
      }
    } catch (RemoteFetchFailedException e) {
      objects.deleteQuietly(raws);
      objects.deleteQuietly(stored);
      objects.cleanLeftovers(g, base, outputs.size());
      if (e.isExpired()) {
        endFor(
            g,
            GenerationStatus.EXPIRED,
            "Replicate has already deleted the outputs of prediction "
                + done.id()
                + " (the file URL answered "
                + e.statusCode().stream().mapToObj(String::valueOf).findFirst().orElse("as gone")
                + "); nothing was stored. "
                + e.getMessage());
      } else {
        retryOrGiveUp(g, e);
      }
      throw e;
    } catch (RuntimeException e) {
      objects.deleteQuietly(raws);
      objects.deleteQuietly(stored);
      objects.cleanLeftovers(g, base, outputs.size());
      retryOrGiveUp(g, e);
      throw e;
    }
    List<ImageRecord> records = new ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      StoredObject object = stored.get(i);
      String name = object.key().substring(object.key().lastIndexOf('/') + 1);
      records.add(
          ImageRecord.builder()
              .userId(g.userId())
              .kind(g.recordKind())
              .name(name)
              .url(object.url())
              .storageKey(object.key())
              .referenceUrl(g.referenceUrl().orElse(null))
              .maskUrl(g.maskUrl().orElse(null))
              .rawUrl(raws.isEmpty() ? null : raws.get(i).url())
              .prompt(g.prompt())
              .model(g.model())
              .predictionId(done.id())
              .collectionId(g.collectionId().orElse(null))
              .build());
    }
    List<ImageRecord> saved;
    try {
      saved = store.complete(g.id(), records);
    } catch (RuntimeException e) {
      objects.deleteQuietly(raws);
      objects.deleteQuietly(stored);
      retryOrGiveUp(g, e);
      throw e;
    }
    Set<String> kept = new HashSet<>();
    saved.forEach(r -> kept.add(r.storageKey()));
    List<StoredObject> orphans = new ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      if (!kept.contains(stored.get(i).key())) {
        orphans.add(stored.get(i)); // another path recorded this prediction first
        if (!raws.isEmpty()) {
          orphans.add(raws.get(i));
        }
      }
    }
    objects.deleteQuietly(orphans);
    if (saved.isEmpty()) {
      throw ended(store.find(g.id()).orElse(g));
    }
    events.generationEnded(g.id(), g.model(), "succeeded", since(g));
    return saved;
  }

  /**
   * A failure: one that will not pass (or the last allowed attempt) ends the generation {@code
   * FAILED} with its cause; a transient one gives it back with a backoff, for this or another
   * instance.
   */
  private void retryOrGiveUp(Generation g, RuntimeException e) {
    boolean retryable =
        !(e instanceof RenderLabException) || ((RenderLabException) e).isRetryable();
    int attempt = g.attempts() + 1;
    if (!retryable) {
      giveUp(g, e.getMessage());
      return;
    }
    if (!retry.allowsRetryAfterAttempt(attempt)) {
      giveUp(g, "Gave up after " + attempt + " attempts: " + e.getMessage());
      return;
    }
    try {
      Duration wait = retry.backoff(attempt, Optional.empty());
      store.retryLater(g.id(), owner, e.getMessage(), clock.instant().plus(wait));
    } catch (RuntimeException storeDown) {
      e.addSuppressed(storeDown); // the lease lapses and a recovery worker takes it
    }
  }

  /** Ends a generation {@code FAILED} for good, logging why once. */
  private void giveUp(Generation g, String reason) {
    if (endFor(g, GenerationStatus.FAILED, reason)) {
      LOG.warn("Generation {} failed for good: {}", g.id(), reason);
      events.generationGivenUp(g.id(), reason);
    }
  }

  private void expire(Generation g, String predictionId) {
    cancelQuietly(predictionId);
    if (endFor(
        g,
        GenerationStatus.CANCELED,
        "Prediction "
            + predictionId
            + " did not finish by the generation's deadline ("
            + g.deadline()
            + "); it was canceled.")) {
      events.generationExpired(g.id());
    }
  }

  private RenderLabException expiredError(Generation g) {
    return new PredictionTimeoutFailure(
        "Generation " + g.id() + " passed its deadline (" + g.deadline() + "); it was canceled.");
  }

  /** A generation that passed its deadline before it could be waited for. */
  private static final class PredictionTimeoutFailure extends RenderLabException {
    private static final long serialVersionUID = 1L;

    PredictionTimeoutFailure(String message) {
      super(message);
    }
  }

  private boolean endFor(Generation g, GenerationStatus status, String error) {
    try {
      boolean ended = store.finish(g.id(), status, error);
      if (ended) {
        events.generationEnded(g.id(), g.model(), status.wireName(), since(g));
      }
      return ended;
    } catch (RuntimeException storeDown) {
      LOG.warn("Could not end generation {} ({}): {}", g.id(), status, storeDown.getMessage());
      return false;
    }
  }

  private Duration since(Generation g) {
    Duration d = Duration.between(g.createdAt(), clock.instant());
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static RenderLabException ended(Generation now) {
    return new UpstreamException(
        "Generation "
            + now.id()
            + " had already ended "
            + now.status().wireName()
            + now.error().map(e -> ": " + e).orElse("")
            + "; nothing more was stored.",
        0,
        null,
        false);
  }

  /** Completes when the row ends (another instance or thread finishes it): its records, or why. */
  private CompletableFuture<List<ImageRecord>> watch(Generation g) {
    CompletableFuture<List<ImageRecord>> out = new CompletableFuture<>();
    Instant giveUp = g.deadline().plus(lease.multipliedBy(4));
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          try {
            Generation now = store.find(g.id()).orElse(g);
            if (now.status() == GenerationStatus.SUCCEEDED) {
              out.complete(store.records(g.id()));
            } else if (now.status().isTerminal()) {
              out.completeExceptionally(ended(now));
            } else if (clock.instant().isAfter(giveUp)) {
              out.completeExceptionally(
                  new UpstreamException(
                      "Generation " + g.id() + " is still being completed by another instance.",
                      0,
                      null,
                      true));
            } else {
              timer.schedule(check[0], WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            }
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
          }
        };
    timer.schedule(check[0], WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return out;
  }

  private void cancelQuietly(String predictionId) {
    try {
      replicate.get().predictions().cancel(predictionId);
    } catch (RuntimeException e) {
      LOG.warn("Could not cancel prediction {}: {}", predictionId, e.getMessage());
    }
  }

  private CompletableFuture<List<ImageRecord>> track(UUID id) {
    CompletableFuture<List<ImageRecord>> result = new CompletableFuture<>();
    inFlight.put(id, result);
    return result;
  }

  private void settle(
      UUID id,
      CompletableFuture<List<ImageRecord>> result,
      List<ImageRecord> records,
      Throwable error) {
    inFlight.remove(id);
    deliveries.remove(id);
    if (error != null) {
      result.completeExceptionally(unwrap(error));
    } else {
      result.complete(records == null ? List.of() : records);
    }
  }

  private void renewLeases() {
    try {
      if (inFlight.isEmpty()) {
        return;
      }
      List<UUID> ids = List.copyOf(inFlight.keySet());
      int renewed = store.renew(owner, ids, lease);
      if (renewed < ids.size()) {
        for (UUID id : ids) {
          store
              .find(id)
              .filter(g -> !g.status().isTerminal())
              .filter(g -> !g.leaseOwner().map(owner::equals).orElse(false))
              .ifPresent(g -> events.leaseLost(g.id()));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not renew generation leases ({}); another instance may take them over",
          e.getMessage());
    }
  }

  /** How many generations this instance drives now. */
  public int inFlight() {
    return inFlight.size();
  }

  private static RuntimeException runtime(Throwable cause) {
    return cause instanceof RuntimeException
        ? (RuntimeException) cause
        : new RenderLabException(String.valueOf(cause), cause, false);
  }

  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Stops every thread without giving leases back, as if the process died. */
  public void abandon() {
    timer.shutdownNow();
    work.shutdownNow();
  }

  /** Stops the threads and gives this instance's leases back, so another takes them at once. */
  @Override
  public void close() {
    timer.shutdownNow();
    work.shutdownNow();
    try {
      store.release(owner);
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not release generation leases on close ({}); they lapse by themselves",
          e.getMessage());
    }
  }
}
