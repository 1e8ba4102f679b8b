package io.renderlab.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.RemoteFetchFailedException;
import io.renderlab.core.RenderLabException;
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
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives generations to their end: creates the prediction after the row is written, saves its id
 * the moment Replicate answers, waits without holding a thread, ingests the outputs and completes
 * the row; and resumes generations whose instance died. One per pipeline. Thread-safe.
 */
final class GenerationEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How many times a recovery worker looks for a create whose answer was lost before giving up. */
  static final int LOST_CREATE_ATTEMPTS = 3;

  private final GenerationStore store;
  private final Supplier<ReplicateClient> replicate;
  private final Ingestor ingestor;
  private final Clock clock;
  private final String owner;
  private final Duration lease;
  private final Map<UUID, CompletableFuture<List<ImageRecord>>> inFlight =
      new ConcurrentHashMap<>();
  private final ExecutorService work;
  private final ScheduledExecutorService heartbeat;

  GenerationEngine(
      GenerationStore store,
      Supplier<ReplicateClient> replicate,
      Ingestor ingestor,
      Clock clock,
      String owner,
      Duration lease) {
    this.store = store;
    this.replicate = replicate;
    this.ingestor = ingestor;
    this.clock = clock;
    this.owner = owner;
    this.lease = lease;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            8,
            8,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemon("renderlab-generation"));
    pool.allowCoreThreadTimeOut(true); // idle pipelines hold no thread
    this.work = pool;
    ScheduledThreadPoolExecutor beat =
        new ScheduledThreadPoolExecutor(1, daemon("renderlab-generation-lease"));
    beat.setRemoveOnCancelPolicy(true);
    long every = Math.max(1, lease.toMillis() / 3);
    beat.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
    this.heartbeat = beat;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  String owner() {
    return owner;
  }

  Duration lease() {
    return lease;
  }

  GenerationStore store() {
    return store;
  }

  /** What to record for a generation's outputs. */
  record Recording(ImageKind kind, String prefix, String referenceUrl) {}

  /** Writes the row, then creates the prediction; the future completes with the records. */
  CompletableFuture<List<ImageRecord>> submit(Generation pending, PredictionRequest request) {
    Generation g = store.create(pending, owner, lease);
    CompletableFuture<List<ImageRecord>> result = track(g.id());
    CompletableFuture<Prediction> created;
    try {
      created = replicate.get().predictions().createAsync(request, Optional.empty());
    } catch (RuntimeException e) {
      created = CompletableFuture.failedFuture(e);
    }
    created
        .handleAsync(
            (p, error) -> {
              if (error == null) {
                store.started(g.id(), p.id());
                return CompletableFuture.completedFuture(p);
              }
              Throwable cause = unwrap(error);
              if (!(cause instanceof PredictionOutcomeUnknownException)) {
                throw failAndEnd(g, cause, GenerationStatus.FAILED);
              }
              // The create may have started a prediction: look for it rather than sending it again.
              PredictionOutcomeUnknownException lost = (PredictionOutcomeUnknownException) cause;
              return replicate
                  .get()
                  .predictions()
                  .findLostAsync(lost)
                  .handle(
                      (found, lookupError) -> {
                        if (found != null && found.isPresent()) {
                          store.started(g.id(), found.get().id());
                          return found.get();
                        }
                        if (lookupError != null) {
                          lost.addSuppressed(unwrap(lookupError));
                        }
                        store.retryLater(
                            g.id(),
                            owner,
                            lost.getMessage(),
                            clock.instant().plus(Duration.ofSeconds(30)));
                        throw new CompletionException(lost);
                      });
            },
            work)
        .thenCompose(f -> f)
        .thenCompose(p -> await(g, p))
        .whenComplete((records, error) -> settle(g.id(), result, records, error));
    return result;
  }

  /** Resumes a generation this instance just leased (recovery). */
  CompletableFuture<List<ImageRecord>> resume(Generation g) {
    CompletableFuture<List<ImageRecord>> result = track(g.id());
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return findPrediction(g);
              } catch (ReplicateApiException.NotFoundException e) {
                store.finish(
                    g.id(),
                    GenerationStatus.FAILED,
                    "Replicate has no prediction "
                        + g.predictionId().orElse("")
                        + ": "
                        + e.getMessage());
                throw e;
              } catch (RuntimeException e) {
                postpone(g, e);
                throw e;
              }
            },
            work)
        .thenCompose(
            p ->
                p.isEmpty()
                    ? CompletableFuture.<List<ImageRecord>>completedFuture(null)
                    : await(g, p.get()))
        .whenComplete((records, error) -> settle(g.id(), result, records, error));
    return result;
  }

  /**
   * Completes the generation of a delivered (webhook) prediction, whichever instance started it.
   */
  Optional<Generation> deliver(Prediction delivered) {
    Optional<Generation> found = store.findByPrediction(delivered.id());
    if (found.isEmpty() || found.get().status().isTerminal() || !delivered.isTerminal()) {
      return found;
    }
    Generation g = found.get();
    try {
      finishTerminal(g, delivered);
    } catch (RuntimeException e) {
      LOG.warn(
          "Webhook for prediction {} could not complete generation {}: {}",
          delivered.id(),
          g.id(),
          e.getMessage());
    }
    return store.find(g.id());
  }

  /** The prediction of a resumed generation, or empty when it was ended or postponed here. */
  private Optional<Prediction> findPrediction(Generation g) {
    ReplicateClient client = replicate.get();
    if (g.predictionId().isPresent()) {
      return Optional.of(client.predictions().get(g.predictionId().get()));
    }
    PredictionRequest request = requestOf(g);
    PredictionOutcomeUnknownException lost =
        new PredictionOutcomeUnknownException(
            request,
            g.createdAt(),
            0,
            new RenderLabException(
                "the instance that sent the create stopped before saving its answer"));
    Optional<Prediction> found = client.predictions().findLost(lost);
    if (found.isPresent()) {
      store.started(g.id(), found.get().id());
      return found;
    }
    if (g.attempts() < LOST_CREATE_ATTEMPTS) {
      store.retryLater(
          g.id(),
          owner,
          "no prediction found yet for a create whose answer was lost",
          clock.instant().plus(Duration.ofSeconds(10L * g.attempts())));
      return Optional.empty();
    }
    store.finish(
        g.id(),
        GenerationStatus.FAILED,
        "The instance that created this generation's prediction stopped before Replicate's answer was saved, and no "
            + "matching prediction was found among the account's recent predictions (it may never have been sent). "
            + "It was not re-sent, to avoid paying twice; submit it again if you still want it.");
    return Optional.empty();
  }

  private static PredictionRequest requestOf(Generation g) {
    try {
      JsonNode input = JSON.readTree(g.inputJson());
      return PredictionRequest.model(g.model()).input(input).build();
    } catch (IOException e) {
      throw new IllegalStateException("generation " + g.id() + " holds an unreadable input", e);
    }
  }

  private CompletableFuture<List<ImageRecord>> await(Generation g, Prediction p) {
    if (p.isTerminal()) {
      return CompletableFuture.supplyAsync(() -> finishTerminal(g, p), work);
    }
    Duration left = Duration.between(clock.instant(), g.deadline());
    return replicate
        .get()
        .predictions()
        .operation(p)
        .future(left, true)
        .handle(
            (done, error) -> {
              if (error == null) {
                return CompletableFuture.supplyAsync(() -> finishTerminal(g, done), work);
              }
              Throwable cause = unwrap(error);
              if (cause instanceof PredictionFailedException) {
                return CompletableFuture.supplyAsync(
                    () -> finishTerminal(g, ((PredictionFailedException) cause).prediction()),
                    work);
              }
              if (cause instanceof PredictionTimeoutException) {
                store.finish(g.id(), GenerationStatus.CANCELED, cause.getMessage());
              }
              // Anything else (Replicate unreachable, a poll refused) leaves the row for a recovery
              // worker.
              return CompletableFuture.<List<ImageRecord>>failedFuture(cause);
            })
        .thenCompose(f -> f);
  }

  /**
   * Ends a generation from its ended prediction: stores and records the outputs of a success (one
   * transaction for records, thumbnail jobs and status), or records why it did not succeed.
   */
  private List<ImageRecord> finishTerminal(Generation g, Prediction done) {
    if (done.state() != PredictionStatus.SUCCEEDED) {
      GenerationStatus status =
          done.state() == PredictionStatus.CANCELED || done.state() == PredictionStatus.ABORTED
              ? GenerationStatus.CANCELED
              : GenerationStatus.FAILED;
      PredictionFailedException failure = new PredictionFailedException(done);
      store.finish(g.id(), status, failure.getMessage());
      throw failure;
    }
    if (done.dataRemoved()) {
      String message =
          "Prediction "
              + done.id()
              + " succeeded, but Replicate has already deleted its outputs "
              + "(data_removed), so nothing could be stored; run the generation again.";
      store.finish(g.id(), GenerationStatus.EXPIRED, message);
      throw new UpstreamException(message, 0, null, false);
    }
    List<String> outputs = done.outputUrls();
    if (outputs.isEmpty()) {
      String message =
          "Prediction " + done.id() + " succeeded but returned no file URL; nothing was stored.";
      store.finish(g.id(), GenerationStatus.FAILED, message);
      throw new UpstreamException(message, 0, null, false);
    }
    store.ingesting(g.id());
    Recording how = recording(g);
    List<StoredObject> stored = new ArrayList<>();
    try {
      for (String url : outputs) {
        stored.add(ingestor.ingest(url, g.userId(), how.prefix()));
      }
    } catch (RemoteFetchFailedException e) {
      deleteQuietly(stored);
      if (e.isExpired()) {
        store.finish(
            g.id(),
            GenerationStatus.EXPIRED,
            "Replicate has already deleted the outputs of prediction "
                + done.id()
                + " (the file URL answered "
                + e.statusCode().stream().mapToObj(String::valueOf).findFirst().orElse("as gone")
                + "); nothing was stored. "
                + e.getMessage());
      } else {
        postpone(g, e);
      }
      throw e;
    } catch (RuntimeException e) {
      deleteQuietly(stored);
      postpone(g, e);
      throw e;
    }
    List<ImageRecord> records = new ArrayList<>();
    for (StoredObject object : stored) {
      String name = object.key().substring(object.key().lastIndexOf('/') + 1);
      records.add(
          ImageRecord.builder()
              .userId(g.userId())
              .kind(how.kind())
              .name(name)
              .url(object.url())
              .storageKey(object.key())
              .referenceUrl(how.referenceUrl())
              .maskUrl(g.maskUrl().orElse(null))
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
      deleteQuietly(stored);
      throw e;
    }
    Set<UUID> kept = new HashSet<>();
    saved.forEach(r -> kept.add(r.id()));
    List<StoredObject> orphans = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      if (!kept.contains(records.get(i).id())) {
        orphans.add(stored.get(i)); // another path recorded this prediction first
      }
    }
    deleteQuietly(orphans);
    if (saved.isEmpty()) {
      Generation now = store.find(g.id()).orElse(g);
      throw new UpstreamException(
          "Generation "
              + g.id()
              + " had already ended "
              + now.status().wireName()
              + now.error().map(e -> ": " + e).orElse("")
              + "; nothing more was stored.",
          0,
          null,
          false);
    }
    return saved;
  }

  private static Recording recording(Generation g) {
    switch (g.kind()) {
      case EDIT:
        return new Recording(ImageKind.EDITED, "edited", g.baseUrl().or(g::imageUrl).orElse(null));
      default:
        return new Recording(ImageKind.GENERATED, "generated", g.imageUrl().orElse(null));
    }
  }

  /**
   * A transient failure: gives the generation back with a backoff, for this or another instance.
   */
  private void postpone(Generation g, RuntimeException e) {
    try {
      int attempts = Math.max(1, g.attempts());
      long seconds = Math.min(300, 5L << Math.min(6, attempts - 1));
      store.retryLater(g.id(), owner, e.getMessage(), clock.instant().plusSeconds(seconds));
    } catch (RuntimeException storeDown) {
      e.addSuppressed(storeDown); // the lease lapses and a recovery worker takes it
    }
  }

  /**
   * A create Replicate answered with an error (refused, not found, throttled): no prediction
   * exists.
   */
  private RuntimeException failAndEnd(Generation g, Throwable cause, GenerationStatus status) {
    RuntimeException e =
        cause instanceof RuntimeException
            ? (RuntimeException) cause
            : new RenderLabException(String.valueOf(cause), cause, false);
    try {
      store.finish(g.id(), status, e.getMessage());
    } catch (RuntimeException storeDown) {
      e.addSuppressed(storeDown);
    }
    return e;
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
    if (error != null) {
      result.completeExceptionally(unwrap(error));
    } else {
      result.complete(records == null ? List.of() : records);
    }
  }

  private void renewLeases() {
    try {
      if (!inFlight.isEmpty()) {
        store.renew(owner, List.copyOf(inFlight.keySet()), lease);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not renew generation leases ({}); another instance may take them over",
          e.getMessage());
    }
  }

  /** How many generations this instance drives now. */
  int inFlight() {
    return inFlight.size();
  }

  /** Whether this instance drives that generation now. */
  Optional<CompletableFuture<List<ImageRecord>>> inFlight(UUID id) {
    return Optional.ofNullable(inFlight.get(id));
  }

  private void deleteQuietly(List<StoredObject> objects) {
    for (StoredObject o : objects) {
      try {
        ingestor.store().delete(o.key());
      } catch (RuntimeException e) {
        LOG.warn("Could not delete {} after a failure; it is orphaned", o.key(), e);
      }
    }
  }

  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Stops every thread without giving leases back, as if the process died. */
  void abandon() {
    heartbeat.shutdownNow();
    work.shutdownNow();
  }

  /** Stops the heartbeat and gives this instance's leases back, so another takes them at once. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
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
