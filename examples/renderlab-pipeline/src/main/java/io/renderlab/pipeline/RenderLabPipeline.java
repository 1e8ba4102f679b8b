package io.renderlab.pipeline;

import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImagePage;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.StoredObject;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryPass;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.generations.ReplicateInputs;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RenderLab's flows composed from the SDK's modules, as a host application would write them: a
 * prediction on Replicate, every output re-uploaded to permanent storage, a record per image (its
 * thumbnail job enqueued in the same transaction), thumbnails in the background.
 *
 * <p>A prediction that fails, is canceled or times out leaves no record and no stored object; an
 * output that cannot be stored leaves no record pointing at nothing. Thread-safe; it does not own
 * the clients it is given.
 *
 * <pre>{@code
 * RenderLabPipeline pipeline = RenderLabPipeline.builder()
 *     .replicate(replicate).ingestor(ingestor).catalog(catalog).thumbnails(thumbnails).build();
 * List<ImageRecord> images = pipeline.generate(GenerateRequest.of("user-123", "modern architecture"));
 * }</pre>
 */
public final class RenderLabPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabPipeline.class);

  /** The model a request that names none runs: google/nano-banana. */
  public static final String DEFAULT_MODEL = "google/nano-banana";

  private final ReplicateClient replicate;
  private final Ingestor ingestor;
  private final ImageCatalog catalog;
  private final ThumbnailService thumbnails;
  private final String defaultModel;
  private final Duration defaultTimeout;
  private final InputFields fields;
  private final Map<String, InputFields> fieldOverrides;
  private final Clock clock;
  private final String instanceId;
  private final Duration leaseDuration;
  private final String webhookUrl;
  private final EventListener listener;
  private Generations generations;

  private RenderLabPipeline(Builder b) {
    this.replicate = b.replicate;
    this.ingestor = b.ingestor;
    this.catalog = b.catalog;
    this.thumbnails = b.thumbnails;
    this.defaultModel = b.defaultModel;
    this.defaultTimeout = b.defaultTimeout;
    this.fields = b.fields;
    this.fieldOverrides = Map.copyOf(b.fieldOverrides);
    this.clock = b.clock;
    this.instanceId = b.instanceId; // null: the generations client names this instance
    this.leaseDuration = b.leaseDuration;
    this.webhookUrl = b.webhookUrl;
    this.listener = b.listener;
  }

  /** A builder; ingestor, catalog and thumbnails are required, Replicate only for predictions. */
  public static Builder builder() {
    return new Builder();
  }

  /** The catalog records go to. */
  public ImageCatalog catalog() {
    return catalog;
  }

  /** The ingestor objects go through. */
  public Ingestor ingestor() {
    return ingestor;
  }

  /**
   * Text-to-image or image-to-image: runs the prediction, re-uploads every output, records each.
   *
   * @return the records, one per output file, thumbnails still rendering
   * @throws io.renderlab.replicate.PredictionFailedException if the prediction failed or was
   *     canceled (nothing stored)
   * @throws io.renderlab.replicate.PredictionTimeoutException on timeout, after canceling (nothing
   *     stored)
   */
  public List<ImageRecord> generate(GenerateRequest request) {
    return generate(request, null);
  }

  private List<ImageRecord> generate(GenerateRequest request, UUID collectionId) {
    return generations().run(generationOf(request, collectionId));
  }

  /**
   * Starts a generation and returns at once: the row is written before the prediction is created,
   * the prediction id saved the moment Replicate answers, and the outputs recorded when it ends, by
   * this process or, if it dies, by another instance's {@link RecoveryWorker}. {@link #generate} is
   * this plus a wait.
   *
   * @return the handle: id, status, a future of the records
   * @throws io.renderlab.core.CatalogException if the row cannot be written (nothing was sent to
   *     Replicate)
   */
  public GenerationHandle submit(GenerateRequest request) {
    return submit(request, null);
  }

  private GenerationHandle submit(GenerateRequest request, UUID collectionId) {
    return generations().submit(generationOf(request, collectionId));
  }

  private GenerationRequest generationOf(GenerateRequest request, UUID collectionId) {
    Objects.requireNonNull(request, "request");
    return GenerationRequest.builder()
        .userId(request.userId())
        .prompt(request.prompt())
        .prediction(generation(request).build())
        .kind(collectionId == null ? GenerationKind.GENERATE : GenerationKind.COLLECTION_ITEM)
        .imageUrl(request.referenceUrls().isEmpty() ? null : request.referenceUrls().get(0))
        .collectionId(collectionId)
        .timeout(request.timeout().orElse(defaultTimeout))
        .build();
  }

  /**
   * Starts an edit and returns at once (see {@link #submit(GenerateRequest)}); the mask is stored
   * first. {@link #edit} is this plus a wait.
   */
  public GenerationHandle submit(EditRequest request) {
    return generations().submit(generationOf(request));
  }

  private GenerationRequest generationOf(EditRequest request) {
    Objects.requireNonNull(request, "request");
    StoredObject mask =
        request.mask() instanceof EditRequest.Mask.Url
            ? ingestor.storeMask(((EditRequest.Mask.Url) request.mask()).url(), request.userId())
            : ingestor.storeMask(((EditRequest.Mask.File) request.mask()).path(), request.userId());
    String model = request.model().orElse(defaultModel);
    ModelFields fields = fieldsOf(model);
    ModelFields.Field image =
        fields
            .image()
            .orElseThrow(
                () ->
                    new InputRejectedException(
                        "Model "
                            + model
                            + " takes no input image, so it cannot edit one; choose a model that"
                            + " does, such as black-forest-labs/flux-fill-pro (image and mask)."));
    if (fields.mask().isEmpty()) {
      // The output will be put onto the image here: refuse, before anything is paid, an image this
      // process may not read.
      ingestor.checkUserUrl(request.imageUrl());
    }
    String imageUrl = inputs().makeReachable(request.imageUrl());
    PredictionRequest.Builder prediction =
        PredictionRequest.model(model)
            .put(fields.prompt().name(), request.prompt())
            .put(image.name(), image.array() ? List.of(imageUrl) : imageUrl);
    // A model that takes a mask gets it; for one that does not, the SDK puts its output onto the
    // image inside the mask, so nothing outside the mask changes.
    fields.mask().ifPresent(m -> prediction.put(m.name(), inputs().makeReachable(mask.url())));
    return GenerationRequest.builder()
        .userId(request.userId())
        .prompt(request.prompt())
        .prediction(prediction.build())
        .compositeOutsideMask(fields.mask().isEmpty())
        .kind(GenerationKind.EDIT)
        .imageUrl(request.imageUrl())
        .maskUrl(mask.url())
        .baseUrl(request.baseUrl().orElse(null))
        .timeout(request.timeout().orElse(defaultTimeout))
        .build();
  }

  /** A generation by id, as stored (any instance's). */
  public Optional<Generation> generation(UUID id) {
    return generations().find(Objects.requireNonNull(id, "id"));
  }

  /**
   * Completes the generation of a verified webhook delivery, in whichever instance receives it and
   * whether or not anyone waits on it; repeated deliveries change nothing.
   *
   * @return the generation after the delivery, empty when no generation has this prediction
   */
  public Optional<Generation> complete(Prediction delivered) {
    return generations().complete(delivered);
  }

  /** Cancels a generation (its prediction too); see {@link Generations#cancel}. */
  public Optional<Generation> cancel(UUID id) {
    return generations().cancel(id);
  }

  /**
   * One recovery pass: takes every unfinished generation whose lease lapsed (its instance died),
   * drives each to its end and waits for them (at most their own deadlines).
   */
  public RecoveryPass recover(int max) {
    return generations().recover(max);
  }

  /** This instance's name in leases. */
  public String instanceId() {
    return generations().instanceId();
  }

  /**
   * Stops this pipeline's generation threads and hands its unfinished generations' leases back, so
   * another instance's {@link RecoveryWorker} finishes them at once. Idempotent; the clients given
   * to the builder are not closed.
   */
  @Override
  public synchronized void close() {
    if (generations != null) {
      generations.close();
      generations = null;
    }
  }

  /**
   * Stops the generation threads the way a crash would: no lease given back, nothing finished. For
   * tests.
   */
  synchronized void abandon() {
    if (generations != null) {
      generations.abandon();
      generations = null;
    }
  }

  /** The durable generations client the flows run on (built on first use). */
  public synchronized Generations generations() {
    if (generations == null) {
      Generations.Builder b =
          Generations.builder()
              .replicate(replicate)
              .ingestor(ingestor)
              .store(catalog.generations())
              .clock(clock)
              .leaseDuration(leaseDuration)
              .defaultTimeout(defaultTimeout)
              .listener(listener);
      if (webhookUrl != null) {
        b.webhookUrl(webhookUrl);
      }
      if (instanceId != null) {
        b.instanceId(instanceId);
      }
      generations = b.build();
    }
    return generations;
  }

  private PredictionRequest.Builder generation(GenerateRequest request) {
    String model = request.model().orElse(defaultModel);
    ModelFields fields = fieldsOf(model);
    PredictionRequest.Builder prediction =
        PredictionRequest.model(model).put(fields.prompt().name(), request.prompt());
    List<String> references = request.referenceUrls();
    if (!references.isEmpty()) {
      ModelFields.Field field =
          fields
              .referenceImages()
              .orElseThrow(
                  () ->
                      new InputRejectedException(
                          "Model " + model + " takes no input image; send the prompt alone."));
      if (!field.array() && references.size() > 1) {
        throw new InputRejectedException(
            "Model "
                + model
                + " takes one input image ("
                + field.name()
                + "); "
                + references.size()
                + " were given.");
      }
      List<String> reachable = inputs().makeReachable(references);
      prediction.put(field.name(), field.array() ? reachable : reachable.get(0));
    }
    return prediction;
  }

  /**
   * Where {@code model} takes the prompt, images and mask: an explicit override for it, else its
   * input schema (read once and cached by the client), else what is known of it.
   */
  private ModelFields fieldsOf(String model) {
    InputFields override = fieldOverrides.get(model);
    if (override == null) {
      override = fields;
    }
    if (override != null) {
      return ModelFields.of(override);
    }
    if (replicate != null) {
      try {
        return ModelFields.of(replicate.models().inputSchema(model));
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not read the input schema of {} ({}); using the fields known for it",
            model,
            e.getMessage());
      }
    }
    return ModelFields.fallback(model, InputFields.defaults());
  }

  private volatile ReplicateInputs inputs;

  /**
   * Makes input URLs reachable by Replicate (a folder store's file: URLs, the sample server's
   * loopback /files/).
   */
  private ReplicateInputs inputs() {
    ReplicateInputs i = inputs;
    if (i == null) {
      i = ReplicateInputs.builder().client(replicate()).store(ingestor.store()).build();
      inputs = i;
    }
    return i;
  }

  /**
   * Inpainting: stores the mask once per content, runs the prediction with image and mask URLs,
   * re-uploads and records the result with {@code mask_url} and {@code reference_url} (the base
   * image, else the edited one, so re-editing an edit extends the lineage).
   *
   * @return the record of the first output (all outputs are recorded)
   */
  public ImageRecord edit(EditRequest request) {
    return generations().run(generationOf(request)).get(0);
  }

  /**
   * A batch: one prediction per prompt, at most {@code concurrency} at once. Each prompt's outcome
   * is reported; one failure loses none of the others. Records share the collection id.
   *
   * @param progress called with a line per finished prompt (for a terminal); may be {@code null}
   */
  public CollectionResult collection(
      String userId,
      List<String> prompts,
      Optional<String> model,
      int concurrency,
      Consumer<String> progress) {
    Pipelines.requireText(userId, "userId", ImageRecord.MAX_ID_LENGTH, true);
    Objects.requireNonNull(prompts, "prompts");
    if (prompts.isEmpty() || prompts.size() > 100) {
      throw new IllegalArgumentException(
          "prompts must hold 1 to 100 prompts, was " + prompts.size());
    }
    if (concurrency < 1 || concurrency > 32) {
      throw new IllegalArgumentException(
          "concurrency must be between 1 and 32, was " + concurrency);
    }
    UUID collectionId = UUID.randomUUID();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(concurrency, prompts.size()),
            r -> {
              Thread t = new Thread(r, "renderlab-collection");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<List<ImageRecord>>> futures = new ArrayList<>();
      for (String prompt : prompts) {
        GenerateRequest request = GenerateRequest.of(userId, prompt);
        GenerateRequest withModel = model.map(request::withModel).orElse(request);
        futures.add(pool.submit(() -> generate(withModel, collectionId)));
      }
      List<CollectionItem> items = new ArrayList<>();
      int done = 0;
      for (int i = 0; i < prompts.size(); i++) {
        CollectionItem item;
        try {
          item = new CollectionItem(prompts.get(i), futures.get(i).get(), Optional.empty());
        } catch (ExecutionException e) {
          RuntimeException cause =
              e.getCause() instanceof RuntimeException
                  ? (RuntimeException) e.getCause()
                  : new RenderLabException(String.valueOf(e.getCause()), e.getCause(), false);
          item = new CollectionItem(prompts.get(i), List.of(), Optional.of(cause));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RenderLabException("Interrupted while the collection ran", e, true);
        }
        items.add(item);
        done++;
        if (progress != null) {
          progress.accept(
              done
                  + "/"
                  + prompts.size()
                  + " "
                  + (item.succeeded() ? "done" : "failed")
                  + ": "
                  + shorten(item.prompt()));
        }
      }
      return new CollectionResult(collectionId, items);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A batch, asynchronously: one generation per prompt, all submitted at once (see {@link
   * #submit(GenerateRequest)}); their records share {@code collectionId}.
   *
   * @return a handle per prompt, in order
   */
  public List<GenerationHandle> submitCollection(
      String userId, List<String> prompts, Optional<String> model, UUID collectionId) {
    Pipelines.requireText(userId, "userId", ImageRecord.MAX_ID_LENGTH, true);
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(collectionId, "collectionId");
    if (prompts.isEmpty() || prompts.size() > 100) {
      throw new IllegalArgumentException(
          "prompts must hold 1 to 100 prompts, was " + prompts.size());
    }
    List<GenerateRequest> requests = new ArrayList<>();
    for (String prompt : prompts) {
      GenerateRequest request = GenerateRequest.of(userId, prompt);
      requests.add(
          model
              .map(request::withModel)
              .orElse(request)); // every prompt validated before anything is sent
    }
    List<GenerationHandle> handles = new ArrayList<>();
    for (GenerateRequest request : requests) {
      handles.add(submit(request, collectionId));
    }
    return handles;
  }

  /**
   * The direct-upload path: stores the bytes (type sniffed), records them, enqueues the thumbnail.
   */
  public ImageRecord upload(InputStream body, UploadRequest request) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(request, "request");
    StoredObject stored =
        ingestor.upload(
            body, request.userId(), request.kind() == ImageKind.EDITED ? "edited" : "upload");
    ImageRecord record =
        ImageRecord.builder()
            .userId(request.userId())
            .kind(request.kind())
            .name(request.name())
            .url(stored.url())
            .storageKey(stored.key())
            .referenceUrl(request.referenceUrl().orElse(null))
            .prompt(request.prompt().orElse(null))
            .build();
    return saveOrClean(List.of(record), List.of(stored)).get(0);
  }

  /**
   * A user's history, newest first, optionally one kind; each record's {@code displayUrl()} is what
   * to show.
   */
  public ImagePage history(HistoryQuery query) {
    return catalog.history(query);
  }

  /** The chain of versions an image came from, oldest first. */
  public List<ImageRecord> lineage(UUID imageId) {
    return catalog.lineage(imageId);
  }

  /**
   * Waits for the thumbnails of {@code records} and returns them updated. A thumbnail that fails or
   * is not ready in time leaves its record as it was (with its full-size URL to show).
   */
  public List<ImageRecord> awaitThumbnails(List<ImageRecord> records, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<ImageRecord>> futures = new ArrayList<>();
    for (ImageRecord r : records) {
      futures.add(thumbnails.awaitThumbnail(r.id()));
    }
    List<ImageRecord> out = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      try {
        out.add(
            futures.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Thumbnail of {} not ready: {}", records.get(i).id(), e.getMessage());
        out.add(catalog.find(records.get(i).id()).orElse(records.get(i)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        out.add(records.get(i));
      }
    }
    return out;
  }

  /** Saves records; on a failure deletes the stored objects of every record not saved. */
  private List<ImageRecord> saveOrClean(List<ImageRecord> records, List<StoredObject> stored) {
    List<ImageRecord> saved = new ArrayList<>();
    try {
      for (ImageRecord r : records) {
        saved.add(catalog.save(r));
      }
      return saved;
    } catch (RuntimeException e) {
      deleteQuietly(stored.subList(saved.size(), stored.size()));
      throw e;
    }
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

  private ReplicateClient replicate() {
    if (replicate == null) {
      throw new io.renderlab.core.ConfigurationException(
          "Predictions need Replicate: set REPLICATE_API_TOKEN (RenderLabPipeline.builder().replicate(...)).");
    }
    return replicate;
  }

  private static String shorten(String s) {
    return s.length() <= 60 ? s : s.substring(0, 59) + "…";
  }

  /** Builds a {@link RenderLabPipeline}. Not thread-safe. */
  public static final class Builder {
    private ReplicateClient replicate;
    private Ingestor ingestor;
    private ImageCatalog catalog;
    private ThumbnailService thumbnails;
    private String defaultModel = DEFAULT_MODEL;
    private Duration defaultTimeout = Duration.ofMinutes(10);
    private InputFields fields;
    private final Map<String, InputFields> fieldOverrides = new java.util.HashMap<>();
    private Clock clock = Clock.systemUTC();
    private String instanceId;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private String webhookUrl;
    private EventListener listener = EventListener.NONE;

    private Builder() {}

    /** Hears predictions, ingests, leases and generations; none by default. */
    public Builder listener(EventListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The clock for generation deadlines; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** This instance's name in generation leases; host, pid and a random suffix by default. */
    public Builder instanceId(String instanceId) {
      this.instanceId = Pipelines.requireText(instanceId, "instanceId", 200, true);
      return this;
    }

    /**
     * How long an instance's hold on a generation lasts without a renewal (it renews every third of
     * it while it works): a dead instance's generations are resumed elsewhere after at most this.
     * 30 s by default.
     */
    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration = Pipelines.requirePositive(leaseDuration, "leaseDuration");
      return this;
    }

    /**
     * Ask Replicate to POST every submitted prediction, when it completes, to this URL (the
     * server's {@code /api/webhooks/replicate}); any instance receiving it completes the
     * generation. None by default (the waiting instance or a recovery worker completes it).
     */
    public Builder webhookUrl(String webhookUrl) {
      this.webhookUrl = Pipelines.requireHttpUrl(webhookUrl, "webhookUrl");
      return this;
    }

    /** The Replicate client; needed by generate, edit and collection. */
    public Builder replicate(ReplicateClient replicate) {
      this.replicate = replicate;
      return this;
    }

    /** The ingestor (required). */
    public Builder ingestor(Ingestor ingestor) {
      this.ingestor = Objects.requireNonNull(ingestor, "ingestor");
      return this;
    }

    /** The catalog (required). */
    public Builder catalog(ImageCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      return this;
    }

    /** The thumbnail service (required; it renders what the catalog enqueues). */
    public Builder thumbnails(ThumbnailService thumbnails) {
      this.thumbnails = Objects.requireNonNull(thumbnails, "thumbnails");
      return this;
    }

    /** The model when a request names none; {@value RenderLabPipeline#DEFAULT_MODEL} by default. */
    public Builder defaultModel(String model) {
      PredictionRequest.model(model); // validates owner/name
      this.defaultModel = model;
      return this;
    }

    /** How long a prediction may take when a request says nothing; 10 minutes by default. */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = Pipelines.requirePositive(timeout, "defaultTimeout");
      return this;
    }

    /**
     * The input field names of every model, overriding their schemas. By default each model's
     * fields come from its input schema (see {@link #inputFields(String, InputFields)}).
     */
    public Builder inputFields(InputFields fields) {
      this.fields = Objects.requireNonNull(fields, "fields");
      return this;
    }

    /**
     * The input field names of one model, overriding its schema: for a model whose schema does not
     * say which field takes the image or the mask.
     */
    public Builder inputFields(String model, InputFields fields) {
      PredictionRequest.model(model); // validates the reference
      this.fieldOverrides.put(model, Objects.requireNonNull(fields, "fields"));
      return this;
    }

    /** Builds the pipeline. */
    public RenderLabPipeline build() {
      if (ingestor == null || catalog == null || thumbnails == null) {
        throw new IllegalStateException("ingestor, catalog and thumbnails are required");
      }
      return new RenderLabPipeline(this);
    }
  }
}
