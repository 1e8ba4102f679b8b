package io.renderlab.generations;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.internal.SafeEvents;
import io.renderlab.generations.internal.Engine;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.Predictions;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.Ingestor;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Durable generations: every paid prediction ends as records, across crashes, restarts and
 * instances. What no Replicate client does on its own.
 *
 * <ul>
 *   <li>A generation is a row ({@link GenerationStore}, usually {@code catalog.generations()})
 *       written <b>before</b> the prediction is created; the prediction id is saved the moment
 *       Replicate answers; the deadline is on the row and sent as {@code Cancel-After}, so
 *       Replicate stops billing even if every instance dies.
 *   <li>Whoever sees the prediction end (the waiting instance, a {@linkplain #complete webhook} in
 *       any instance, a {@linkplain RecoveryWorker recovery worker}) claims the row, stores each
 *       output once under a name of its own ({@code {userId}/{prefix}_{generation}_{i}.{ext}}) and
 *       records it: one record per output, its thumbnail job queued in the same transaction.
 *   <li>A failure that will not pass (a prediction that failed, an output that is not an image, a
 *       store that refuses the key) ends the generation {@code FAILED} with its cause; a transient
 *       one is retried with the {@link RetryPolicy} up to its attempts, then ends {@code FAILED}.
 *   <li>A create whose answer was lost is found in the account's predictions, never sent twice (see
 *       the module README for the matching rule).
 * </ul>
 *
 * <p>Thread-safe; it does not own the clients it is given. {@link #close()} hands this instance's
 * leases back so another instance finishes its generations at once.
 *
 * <pre>{@code
 * Generations generations = Generations.builder()
 *     .replicate(ReplicateClient.fromEnv()).ingestor(ingestor).store(catalog.generations()).build();
 * List<ImageRecord> images = generations.run(GenerationRequest.builder()
 *     .userId("user-123").prompt("a red bicycle")
 *     .prediction(PredictionRequest.model("black-forest-labs/flux-schnell").put("prompt", "a red bicycle").build())
 *     .build());
 * }</pre>
 */
public final class Generations implements AutoCloseable {
  private final ReplicateClient replicate;
  private final Ingestor ingestor;
  private final GenerationStore store;
  private final Clock clock;
  private final String instanceId;
  private final Duration leaseDuration;
  private final String webhookUrl;
  private final Duration defaultTimeout;
  private final RetryPolicy retry;
  private final EventListener events;
  private Engine engine;

  private Generations(Builder b) {
    this.replicate = b.replicate;
    this.ingestor = b.ingestor;
    this.store = b.store;
    this.clock = b.clock;
    this.instanceId = b.instanceId != null ? b.instanceId : defaultInstanceId();
    this.leaseDuration = b.leaseDuration;
    this.webhookUrl = b.webhookUrl;
    this.defaultTimeout = b.defaultTimeout;
    this.retry = b.retry;
    this.events = SafeEvents.of(b.events);
  }

  /** A builder; the ingestor and the store are required, Replicate for anything that predicts. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a generation and returns at once: the row is written, the prediction created (its id
   * saved the moment Replicate answers), and the outputs recorded when it ends, by this instance
   * or, if it dies, by another instance's {@link RecoveryWorker}.
   *
   * @return the handle: id, status, a future of the records
   * @throws IllegalArgumentException if the request does not fit the catalog's limits (nothing was
   *     sent)
   * @throws io.renderlab.core.CatalogException if the row cannot be written (nothing was sent)
   */
  public GenerationHandle submit(GenerationRequest request) {
    return start(request, Duration.ZERO);
  }

  /**
   * Runs a generation and waits for its records. The create asks Replicate to hold the answer
   * ({@code Prefer: wait}, up to 60 s), so a model that finishes within that costs one request; a
   * longer one is then polled. Durable as {@link #submit} is: if this process dies, another
   * instance records the outputs.
   *
   * @return the records, one per output (thumbnails still rendering)
   * @throws io.renderlab.replicate.PredictionFailedException if the prediction failed or was
   *     canceled (nothing stored)
   * @throws io.renderlab.replicate.PredictionTimeoutException if it passed its deadline (canceled)
   * @throws RenderLabException subclasses for storage or Replicate failures, with {@code
   *     isRetryable()}
   */
  public List<ImageRecord> run(GenerationRequest request) {
    Duration timeout = request.timeout().orElse(defaultTimeout);
    Duration wait =
        timeout.compareTo(Predictions.MAX_PREFER_WAIT) < 0 ? timeout : Predictions.MAX_PREFER_WAIT;
    return join(start(request, wait).records());
  }

  private GenerationHandle start(GenerationRequest request, Duration preferWait) {
    Objects.requireNonNull(request, "request");
    Instant now = clock.instant();
    Instant deadline = now.plus(request.timeout().orElse(defaultTimeout));
    PredictionRequest prediction = withWebhookAndDeadline(request.prediction(), deadline, now);
    Generation.Builder row =
        Generation.builder()
            .userId(request.userId())
            .kind(request.kind())
            .target(Generation.Target.valueOf(prediction.kind().name()))
            .model(prediction.target())
            .prompt(request.prompt())
            .imageUrl(request.imageUrl().orElse(null))
            .maskUrl(request.maskUrl().orElse(null))
            .baseUrl(request.baseUrl().orElse(null))
            .collectionId(request.collectionId().orElse(null))
            .compositeOutsideMask(request.compositeOutsideMask())
            .inputJson(prediction.input().rawJson())
            .deadline(deadline)
            .createdAt(now);
    request.recordKind().ifPresent(row::recordKind);
    request.keyPrefix().ifPresent(row::keyPrefix);
    if (request.referenceSet()) {
      row.referenceUrl(request.referenceUrl().orElse(null));
    }
    Generation pending = row.build(); // validates every field before anything is sent
    CompletableFuture<List<ImageRecord>> records = engine().submit(pending, prediction, preferWait);
    return new GenerationHandle(pending.id(), store, records);
  }

  private PredictionRequest withWebhookAndDeadline(
      PredictionRequest p, Instant deadline, Instant now) {
    // toBuilder keeps the model name of owner/name:version, so the create's input check can read
    // that version's schema (a bare version id names no model).
    PredictionRequest.Builder b = p.toBuilder();
    if (p.webhook().isPresent()) {
      b.webhook(p.webhook().get(), List.of("completed"));
    } else if (webhookUrl != null) {
      b.webhook(webhookUrl, List.of("completed"));
    }
    Duration left = Duration.between(now, deadline);
    Duration cancelAfter = p.cancelAfter().orElse(left);
    if (cancelAfter.compareTo(PredictionRequest.MIN_CANCEL_AFTER) >= 0) {
      b.cancelAfter(cancelAfter); // Replicate stops the prediction itself if every instance dies
    }
    return b.build();
  }

  /** A generation by id, as stored (any instance's). */
  public Optional<Generation> find(UUID id) {
    return store.find(Objects.requireNonNull(id, "id"));
  }

  /** The records made from a generation, by output index (empty until it succeeded). */
  public List<ImageRecord> records(UUID id) {
    return store.records(Objects.requireNonNull(id, "id"));
  }

  /**
   * Completes the generation of a verified webhook delivery ({@link
   * io.renderlab.replicate.WebhookVerifier}), in whichever instance receives it. When the instance
   * that waits for it is this one, the delivery wakes it; when another live instance holds it, that
   * instance stores the outputs; otherwise they are stored here. Repeated and concurrent deliveries
   * store nothing twice.
   *
   * @return the generation after the delivery, empty when no generation has this prediction
   */
  public Optional<Generation> complete(Prediction delivered) {
    Objects.requireNonNull(delivered, "delivered");
    return engine().deliver(delivered);
  }

  /**
   * Cancels a generation: its prediction is canceled on Replicate (billing stops) and the row ends
   * {@code CANCELED}; nothing is recorded. A generation that has ended is left as it is.
   *
   * @return the generation after the call, empty when there is none with this id
   */
  public Optional<Generation> cancel(UUID id) {
    Objects.requireNonNull(id, "id");
    return engine().cancel(id);
  }

  /**
   * One recovery pass: takes up to {@code max} unfinished generations whose lease lapsed (their
   * instance died) and whose retry time has come, drives each to its end and waits for them (at
   * most their own deadlines).
   *
   * @throws IllegalArgumentException unless {@code max} is 1 to 1000
   */
  public RecoveryPass recover(int max) {
    if (max < 1 || max > 1000) {
      throw new IllegalArgumentException("max must be between 1 and 1000, was " + max);
    }
    Engine e = engine();
    List<Generation> leased = store.lease(e.owner(), max, leaseDuration);
    List<CompletableFuture<List<ImageRecord>>> futures = new ArrayList<>();
    for (Generation g : leased) {
      futures.add(e.resume(g));
    }
    int succeeded = 0;
    int failed = 0;
    for (int i = 0; i < leased.size(); i++) {
      futures.get(i).handle((r, error) -> null).join();
      GenerationStatus status = find(leased.get(i).id()).map(Generation::status).orElseThrow();
      if (status == GenerationStatus.SUCCEEDED) {
        succeeded++;
      } else if (status.isTerminal()) {
        failed++;
      }
    }
    return new RecoveryPass(leased.size(), succeeded, failed);
  }

  /** Takes up to {@code max} lapsed generations and starts driving them; returns how many. */
  int resumeLapsed(int max) {
    Engine e = engine();
    List<Generation> leased = store.lease(e.owner(), max, leaseDuration);
    leased.forEach(e::resume);
    return leased.size();
  }

  /** How many generations this instance drives now. */
  public int inFlight() {
    Engine e;
    synchronized (this) {
      e = engine;
    }
    return e == null ? 0 : e.inFlight();
  }

  /** This instance's name in leases. */
  public String instanceId() {
    return instanceId;
  }

  /** The store the rows live in. */
  public GenerationStore store() {
    return store;
  }

  /**
   * Stops this client's generation threads and hands its unfinished generations' leases back, so
   * another instance's {@link RecoveryWorker} finishes them at once. Idempotent; the clients given
   * to the builder are not closed. Using the client again starts new threads.
   */
  @Override
  public synchronized void close() {
    if (engine != null) {
      engine.close();
      engine = null;
    }
  }

  /**
   * Stops the generation threads the way a crash would: no lease handed back, nothing finished. For
   * tests of recovery; a host calls {@link #close()}.
   */
  public synchronized void abandon() {
    if (engine != null) {
      engine.abandon();
      engine = null;
    }
  }

  private synchronized Engine engine() {
    if (engine == null) {
      engine =
          new Engine(
              store, this::replicate, ingestor, clock, instanceId, leaseDuration, retry, events);
    }
    return engine;
  }

  private ReplicateClient replicate() {
    if (replicate == null) {
      throw new ConfigurationException(
          "Generations need Replicate: set REPLICATE_API_TOKEN (Generations.builder().replicate(...)).");
    }
    return replicate;
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = Engine.unwrap(e);
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new RenderLabException(String.valueOf(cause), cause, false);
    }
  }

  private static String defaultInstanceId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "host";
    }
    String id =
        host
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    return id.length() > 200 ? id.substring(id.length() - 200) : id;
  }

  @Override
  public String toString() {
    return "Generations{instance=" + instanceId + ", lease=" + leaseDuration + '}';
  }

  /** Builds {@link Generations}. Not thread-safe. */
  public static final class Builder {
    private ReplicateClient replicate;
    private Ingestor ingestor;
    private GenerationStore store;
    private Clock clock = Clock.systemUTC();
    private String instanceId;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private String webhookUrl;
    private Duration defaultTimeout = Duration.ofMinutes(10);
    private RetryPolicy retry = RetryPolicy.builder().maxAttempts(5).build();
    private EventListener events = EventListener.NONE;

    private Builder() {}

    /** The Replicate client; needed to run anything. */
    public Builder replicate(ReplicateClient replicate) {
      this.replicate = replicate;
      return this;
    }

    /** Where outputs are stored (required). */
    public Builder ingestor(Ingestor ingestor) {
      this.ingestor = Objects.requireNonNull(ingestor, "ingestor");
      return this;
    }

    /** Where the rows live (required): usually {@code catalog.generations()}. */
    public Builder store(GenerationStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The clock for deadlines and leases; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** This instance's name in leases; host, pid and a random suffix by default. */
    public Builder instanceId(String instanceId) {
      Objects.requireNonNull(instanceId, "instanceId");
      if (instanceId.isBlank()
          || instanceId.length() > 200
          || instanceId.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "instanceId must hold 1 to 200 characters without control characters");
      }
      this.instanceId = instanceId;
      return this;
    }

    /**
     * How long an instance's hold on a generation lasts without a renewal (it renews every third of
     * it while it works): a dead instance's generations are resumed elsewhere after at most this.
     * 30 s by default.
     */
    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration = positive(leaseDuration, "leaseDuration");
      return this;
    }

    /**
     * Ask Replicate to POST every prediction, when it completes, to this URL (an endpoint that
     * verifies the delivery and calls {@link Generations#complete}). None by default: the waiting
     * instance or a recovery worker completes it.
     */
    public Builder webhookUrl(String webhookUrl) {
      Objects.requireNonNull(webhookUrl, "webhookUrl");
      try {
        URI uri = new URI(webhookUrl);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
          throw new IllegalArgumentException("webhookUrl must be an http(s) URL with a host");
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("webhookUrl is not a valid URL: " + e.getReason(), e);
      }
      this.webhookUrl = webhookUrl;
      return this;
    }

    /** How long a prediction may run when a request says nothing; 10 minutes by default. */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = positive(timeout, "defaultTimeout");
      return this;
    }

    /**
     * How often and how soon a generation whose completion failed for a transient reason (Replicate
     * or the store unreachable) is tried again, and after how many attempts it is given up ({@code
     * FAILED}). Five attempts with the policy's backoff by default.
     */
    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** Hears predictions, ingests, leases and generations; none by default. */
    public Builder listener(EventListener listener) {
      this.events = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Builds the client (no thread starts before the first use). */
    public Generations build() {
      if (ingestor == null || store == null) {
        throw new IllegalStateException(
            "ingestor and store are required: Generations.builder().ingestor(...).store(catalog.generations())");
      }
      return new Generations(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
