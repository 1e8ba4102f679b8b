package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One paid prediction and what became of it: a row of the {@code generations} table, written before
 * the prediction is created so that a process dying mid-generation loses nothing (see {@link
 * GenerationStore}).
 *
 * <p>Besides the prediction (its target and input, its deadline), the row says how its outputs are
 * recorded: the {@link #recordKind() kind} of the records, the {@link #keyPrefix() key prefix} of
 * the stored objects, the {@link #referenceUrl() reference} (lineage) and {@link #maskUrl() mask}
 * URLs and the {@link #collectionId() collection}. Any instance can finish it from the row alone.
 *
 * <p>Immutable, and a class rather than a record so that it can gain fields without breaking
 * callers. A new one is made with {@link #builder()} (status {@code PENDING}); the store fills in
 * the rest as the generation moves on. Equal when every field is equal. Not a Jackson bean (see the
 * package documentation): a plain {@code ObjectMapper} does not serialise it to what it holds.
 *
 * <pre>{@code
 * Generation g = Generation.builder().userId("ada").kind(GenerationKind.GENERATE)
 *     .model("google/nano-banana").prompt("a red bicycle").inputJson("{\"prompt\":\"a red bicycle\"}")
 *     .deadline(Instant.now().plusSeconds(600)).build();
 * }</pre>
 */
public final class Generation {

  /** Longest stored input JSON (inputs may carry small {@code data:} URIs). */
  public static final int MAX_INPUT_LENGTH = 1_000_000;

  /** Longest stored error. */
  public static final int MAX_ERROR_LENGTH = 2000;

  /** Longest key prefix. */
  public static final int MAX_PREFIX_LENGTH = 64;

  /** What a generation's prediction runs: the forms Replicate's create endpoints take. */
  public enum Target {
    /** An official model, {@code owner/name}, run at its latest version. */
    MODEL,
    /** A model version id (or {@code owner/name:version}). */
    VERSION,
    /** A deployment, {@code owner/name}. */
    DEPLOYMENT;

    /** Lower-case name, as shown in JSON. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final UUID id;
  private final String userId;
  private final GenerationKind kind;
  private final Target target;
  private final String model;
  private final String prompt;
  private final Optional<String> imageUrl;
  private final Optional<String> maskUrl;
  private final Optional<String> baseUrl;
  private final Optional<String> referenceUrl;
  private final ImageKind recordKind;
  private final String keyPrefix;
  private final boolean compositeOutsideMask;
  private final Optional<UUID> collectionId;
  private final String inputJson;
  private final Optional<String> predictionId;
  private final GenerationStatus status;
  private final Optional<String> error;
  private final int attempts;
  private final Optional<String> leaseOwner;
  private final Optional<Instant> leaseUntil;
  private final Instant deadline;
  private final Instant createdAt;
  private final Instant updatedAt;

  /** The full state, validated; for the store. */
  Generation(
      UUID id,
      String userId,
      GenerationKind kind,
      Target target,
      String model,
      String prompt,
      Optional<String> imageUrl,
      Optional<String> maskUrl,
      Optional<String> baseUrl,
      Optional<String> referenceUrl,
      ImageKind recordKind,
      String keyPrefix,
      boolean compositeOutsideMask,
      Optional<UUID> collectionId,
      String inputJson,
      Optional<String> predictionId,
      GenerationStatus status,
      Optional<String> error,
      int attempts,
      Optional<String> leaseOwner,
      Optional<Instant> leaseUntil,
      Instant deadline,
      Instant createdAt,
      Instant updatedAt) {
    this.id = Objects.requireNonNull(id, "id");
    this.userId = Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.target = Objects.requireNonNull(target, "target");
    this.model = Args.identifier(model, "model", ImageRecord.MAX_ID_LENGTH);
    this.prompt = Args.text(prompt, "prompt", ImageRecord.MAX_PROMPT_LENGTH);
    this.imageUrl = url(imageUrl, "imageUrl");
    this.maskUrl = url(maskUrl, "maskUrl");
    this.baseUrl = url(baseUrl, "baseUrl");
    this.referenceUrl = url(referenceUrl, "referenceUrl");
    this.recordKind = Objects.requireNonNull(recordKind, "recordKind");
    this.keyPrefix = keyPrefix(keyPrefix);
    if (compositeOutsideMask && (maskUrl.isEmpty() || imageUrl.isEmpty())) {
      throw new IllegalArgumentException(
          "compositeOutsideMask needs the image edited (imageUrl) and the mask (maskUrl)");
    }
    this.compositeOutsideMask = compositeOutsideMask;
    this.collectionId = Objects.requireNonNull(collectionId, "collectionId");
    Objects.requireNonNull(inputJson, "inputJson");
    if (inputJson.isBlank() || inputJson.length() > MAX_INPUT_LENGTH) {
      throw new IllegalArgumentException(
          "inputJson must hold 1 to "
              + MAX_INPUT_LENGTH
              + " characters, had "
              + inputJson.length());
    }
    this.inputJson = inputJson;
    this.predictionId = Objects.requireNonNull(predictionId, "predictionId");
    predictionId.ifPresent(p -> Args.identifier(p, "predictionId", ImageRecord.MAX_ID_LENGTH));
    this.status = Objects.requireNonNull(status, "status");
    this.error = Objects.requireNonNull(error, "error").map(Generation::trimError);
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative, was " + attempts);
    }
    this.attempts = attempts;
    this.leaseOwner = Objects.requireNonNull(leaseOwner, "leaseOwner");
    this.leaseUntil = Objects.requireNonNull(leaseUntil, "leaseUntil");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MICROS);
    this.updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MICROS);
  }

  private static Optional<String> url(Optional<String> url, String name) {
    Objects.requireNonNull(url, name)
        .ifPresent(u -> Args.absoluteUrl(u, name, ImageRecord.MAX_URL_LENGTH));
    return url;
  }

  private static String keyPrefix(String prefix) {
    Args.identifier(prefix, "keyPrefix", MAX_PREFIX_LENGTH);
    if (!prefix.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "keyPrefix must hold only letters, digits, '_' and '-', was '" + prefix + "'");
    }
    return prefix;
  }

  /** The same generation in another state (the store's view after a change). */
  Generation with(
      Optional<String> predictionId,
      GenerationStatus status,
      Optional<String> error,
      int attempts,
      Optional<String> leaseOwner,
      Optional<Instant> leaseUntil,
      Instant updatedAt) {
    return new Generation(
        id,
        userId,
        kind,
        target,
        model,
        prompt,
        imageUrl,
        maskUrl,
        baseUrl,
        referenceUrl,
        recordKind,
        keyPrefix,
        compositeOutsideMask,
        collectionId,
        inputJson,
        predictionId,
        status,
        error,
        attempts,
        leaseOwner,
        leaseUntil,
        deadline,
        createdAt,
        updatedAt);
  }

  /** Unique id. */
  public UUID id() {
    return id;
  }

  /** The owner. */
  public String userId() {
    return userId;
  }

  /** Generate, edit or collection item: what the application asked for. */
  public GenerationKind kind() {
    return kind;
  }

  /** Whether {@link #model()} names a model, a version or a deployment. */
  public Target target() {
    return target;
  }

  /** What the prediction runs: {@code owner/name}, a version id, or a deployment's name. */
  public String model() {
    return model;
  }

  /** The prompt. */
  public String prompt() {
    return prompt;
  }

  /** The image edited (edits) or the first reference image (generations). */
  public Optional<String> imageUrl() {
    return imageUrl;
  }

  /** The stored mask (edits); recorded as the records' {@code mask_url}. */
  public Optional<String> maskUrl() {
    return maskUrl;
  }

  /** The image an edit extends (lineage), when it is not {@link #imageUrl()}. */
  public Optional<String> baseUrl() {
    return baseUrl;
  }

  /** What the records' {@code reference_url} (lineage) will be. */
  public Optional<String> referenceUrl() {
    return referenceUrl;
  }

  /** The kind the output records get. */
  public ImageKind recordKind() {
    return recordKind;
  }

  /** The prefix of the stored objects' names: {@code {userId}/{keyPrefix}_…}. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Whether the SDK puts the model's output onto {@link #imageUrl()} inside {@link #maskUrl()} (a
   * model that takes an image but no mask): the record's {@code url} is then the composite and its
   * {@code raw_url} the model's own output.
   */
  public boolean compositeOutsideMask() {
    return compositeOutsideMask;
  }

  /** The collection (batch) of a collection item. */
  public Optional<UUID> collectionId() {
    return collectionId;
  }

  /**
   * The prediction's input exactly as sent (a JSON object), to find a create whose answer was lost.
   */
  public String inputJson() {
    return inputJson;
  }

  /** The Replicate prediction, once Replicate answered the create. */
  public Optional<String> predictionId() {
    return predictionId;
  }

  /** Where the generation is. */
  public GenerationStatus status() {
    return status;
  }

  /** Why it failed, was canceled or expired, or the last transient error of a retry. */
  public Optional<String> error() {
    return error;
  }

  /** How many times a worker took it after its first instance. */
  public int attempts() {
    return attempts;
  }

  /** The instance driving it, while one does. */
  public Optional<String> leaseOwner() {
    return leaseOwner;
  }

  /** When that instance's lease lapses unless renewed. */
  public Optional<Instant> leaseUntil() {
    return leaseUntil;
  }

  /** When a prediction still running is canceled. */
  public Instant deadline() {
    return deadline;
  }

  /** When the row was written (just before the create was sent). */
  public Instant createdAt() {
    return createdAt;
  }

  /** When it last changed. */
  public Instant updatedAt() {
    return updatedAt;
  }

  /** An error cut to {@value #MAX_ERROR_LENGTH} characters, as stored. */
  static String trimError(String error) {
    String e = error == null || error.isBlank() ? "unknown error" : error;
    return e.length() > MAX_ERROR_LENGTH ? e.substring(0, MAX_ERROR_LENGTH - 1) + "…" : e;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Generation)) {
      return false;
    }
    Generation g = (Generation) o;
    return attempts == g.attempts
        && id.equals(g.id)
        && userId.equals(g.userId)
        && kind == g.kind
        && target == g.target
        && model.equals(g.model)
        && prompt.equals(g.prompt)
        && imageUrl.equals(g.imageUrl)
        && maskUrl.equals(g.maskUrl)
        && baseUrl.equals(g.baseUrl)
        && referenceUrl.equals(g.referenceUrl)
        && recordKind == g.recordKind
        && keyPrefix.equals(g.keyPrefix)
        && compositeOutsideMask == g.compositeOutsideMask
        && collectionId.equals(g.collectionId)
        && inputJson.equals(g.inputJson)
        && predictionId.equals(g.predictionId)
        && status == g.status
        && error.equals(g.error)
        && leaseOwner.equals(g.leaseOwner)
        && leaseUntil.equals(g.leaseUntil)
        && deadline.equals(g.deadline)
        && createdAt.equals(g.createdAt)
        && updatedAt.equals(g.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, status, predictionId, attempts, leaseOwner, leaseUntil, updatedAt);
  }

  /** Id, status, model and prediction; no prompt, input or URL (they may hold user data). */
  @Override
  public String toString() {
    return "Generation{id="
        + id
        + ", status="
        + status.wireName()
        + ", "
        + target.wireName()
        + "="
        + model
        + predictionId.map(p -> ", prediction=" + p).orElse("")
        + ", attempts="
        + attempts
        + '}';
  }

  /** A builder of a new, {@code PENDING} generation with a random id. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a new {@link Generation} ({@code PENDING}, no prediction yet). Not thread-safe. */
  public static final class Builder {
    private UUID id;
    private String userId;
    private GenerationKind kind;
    private Target target = Target.MODEL;
    private String model;
    private String prompt;
    private String imageUrl;
    private String maskUrl;
    private String baseUrl;
    private String referenceUrl;
    private boolean referenceSet;
    private ImageKind recordKind;
    private String keyPrefix;
    private boolean compositeOutsideMask;
    private UUID collectionId;
    private String inputJson;
    private Instant deadline;
    private Instant createdAt;

    private Builder() {}

    /** The id; random when not set. */
    public Builder id(UUID id) {
      this.id = id;
      return this;
    }

    /** The owner (required). */
    public Builder userId(String userId) {
      this.userId = userId;
      return this;
    }

    /** The kind (required). */
    public Builder kind(GenerationKind kind) {
      this.kind = kind;
      return this;
    }

    /** What {@link #model} names; {@link Target#MODEL} by default. */
    public Builder target(Target target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** The model, version or deployment (required). */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** The prompt (required). */
    public Builder prompt(String prompt) {
      this.prompt = prompt;
      return this;
    }

    /** The image edited, or the first reference image; {@code null} for none. */
    public Builder imageUrl(String imageUrl) {
      this.imageUrl = imageUrl;
      return this;
    }

    /** The stored mask of an edit; {@code null} for none. */
    public Builder maskUrl(String maskUrl) {
      this.maskUrl = maskUrl;
      return this;
    }

    /** The image an edit extends; {@code null} for none. */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    /**
     * The records' {@code reference_url}; {@code null} for none. When not set: the base URL, else
     * the image URL.
     */
    public Builder referenceUrl(String referenceUrl) {
      this.referenceUrl = referenceUrl;
      this.referenceSet = true;
      return this;
    }

    /**
     * The kind the output records get; when not set, {@code EDITED} for an edit and {@code
     * GENERATED} otherwise.
     */
    public Builder recordKind(ImageKind recordKind) {
      this.recordKind = recordKind;
      return this;
    }

    /**
     * The stored objects' name prefix (letters, digits, {@code _}, {@code -}); when not set, {@code
     * edited} for an edit and {@code generated} otherwise.
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Have the SDK put the model's output onto the image edited inside the mask (for a model that
     * takes an image but no mask); needs {@link #imageUrl} and {@link #maskUrl}. Off by default.
     */
    public Builder compositeOutsideMask(boolean composite) {
      this.compositeOutsideMask = composite;
      return this;
    }

    /** The collection of a collection item; {@code null} for none. */
    public Builder collectionId(UUID collectionId) {
      this.collectionId = collectionId;
      return this;
    }

    /** The prediction input as sent, a JSON object (required). */
    public Builder inputJson(String inputJson) {
      this.inputJson = inputJson;
      return this;
    }

    /** When a prediction still running is canceled (required). */
    public Builder deadline(Instant deadline) {
      this.deadline = deadline;
      return this;
    }

    /** When the row is written; now when not set. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    /**
     * Builds the generation.
     *
     * @throws IllegalArgumentException naming the first invalid field
     * @throws NullPointerException naming a missing required field
     */
    public Generation build() {
      Instant now = createdAt != null ? createdAt : Instant.now();
      Objects.requireNonNull(kind, "kind");
      boolean edit = kind == GenerationKind.EDIT;
      String reference = referenceSet ? referenceUrl : baseUrl != null ? baseUrl : imageUrl;
      return new Generation(
          id != null ? id : UUID.randomUUID(),
          userId,
          kind,
          target,
          model,
          prompt,
          Optional.ofNullable(imageUrl),
          Optional.ofNullable(maskUrl),
          Optional.ofNullable(baseUrl),
          Optional.ofNullable(reference),
          recordKind != null ? recordKind : edit ? ImageKind.EDITED : ImageKind.GENERATED,
          keyPrefix != null ? keyPrefix : edit ? "edited" : "generated",
          compositeOutsideMask,
          Optional.ofNullable(collectionId),
          inputJson,
          Optional.empty(),
          GenerationStatus.PENDING,
          Optional.empty(),
          0,
          Optional.empty(),
          Optional.empty(),
          Objects.requireNonNull(deadline, "deadline"),
          now,
          now);
    }
  }
}
