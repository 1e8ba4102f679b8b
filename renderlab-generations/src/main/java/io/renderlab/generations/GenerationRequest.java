package io.renderlab.generations;

import io.renderlab.core.GenerationKind;
import io.renderlab.core.ImageKind;
import io.renderlab.replicate.PredictionRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What to run and how to record it: the prediction (its model, version or deployment and its
 * input), the user it is for, and what the records of its outputs will say (kind, key prefix,
 * reference and mask URLs, collection). Immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * GenerationRequest request = GenerationRequest.builder()
 *     .userId("user-123").prompt("a red bicycle")
 *     .prediction(PredictionRequest.model("black-forest-labs/flux-schnell")
 *         .put("prompt", "a red bicycle").build())
 *     .build();
 * }</pre>
 */
public final class GenerationRequest {
  private final String userId;
  private final String prompt;
  private final PredictionRequest prediction;
  private final GenerationKind kind;
  private final ImageKind recordKind;
  private final String keyPrefix;
  private final String imageUrl;
  private final String maskUrl;
  private final String baseUrl;
  private final String referenceUrl;
  private final boolean referenceSet;
  private final UUID collectionId;
  private final Duration timeout;
  private final boolean compositeOutsideMask;

  private GenerationRequest(Builder b) {
    this.userId = b.userId;
    this.prompt = b.prompt;
    this.prediction = b.prediction;
    this.kind = b.kind;
    this.recordKind = b.recordKind;
    this.keyPrefix = b.keyPrefix;
    this.imageUrl = b.imageUrl;
    this.maskUrl = b.maskUrl;
    this.baseUrl = b.baseUrl;
    this.referenceUrl = b.referenceUrl;
    this.referenceSet = b.referenceSet;
    this.collectionId = b.collectionId;
    this.timeout = b.timeout;
    this.compositeOutsideMask = b.compositeOutsideMask;
  }

  /** A builder; user, prompt and prediction are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The user the records belong to. */
  public String userId() {
    return userId;
  }

  /** The prompt, as recorded. */
  public String prompt() {
    return prompt;
  }

  /** The prediction to create. */
  public PredictionRequest prediction() {
    return prediction;
  }

  /** What the application asked for; {@code GENERATE} by default. */
  public GenerationKind kind() {
    return kind;
  }

  /** The records' kind, when set (else {@code EDITED} for edits, {@code GENERATED} otherwise). */
  public Optional<ImageKind> recordKind() {
    return Optional.ofNullable(recordKind);
  }

  /** The stored objects' name prefix, when set (else {@code edited} or {@code generated}). */
  public Optional<String> keyPrefix() {
    return Optional.ofNullable(keyPrefix);
  }

  /** The image edited, or the first reference image. */
  public Optional<String> imageUrl() {
    return Optional.ofNullable(imageUrl);
  }

  /** The stored mask, recorded as the records' {@code mask_url}. */
  public Optional<String> maskUrl() {
    return Optional.ofNullable(maskUrl);
  }

  /** The image an edit extends, when it is not the image edited. */
  public Optional<String> baseUrl() {
    return Optional.ofNullable(baseUrl);
  }

  /** The records' {@code reference_url} when set explicitly. */
  public Optional<String> referenceUrl() {
    return Optional.ofNullable(referenceUrl);
  }

  /** Whether {@link Builder#referenceUrl} was called (even with {@code null}). */
  boolean referenceSet() {
    return referenceSet;
  }

  /** The collection (batch) the records share. */
  public Optional<UUID> collectionId() {
    return Optional.ofNullable(collectionId);
  }

  /** How long the prediction may run, when set (else the client's default). */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** Whether the SDK puts the model's output onto the image edited inside the mask. */
  public boolean compositeOutsideMask() {
    return compositeOutsideMask;
  }

  @Override
  public String toString() {
    return "GenerationRequest{kind="
        + kind
        + ", "
        + prediction.kind().name().toLowerCase(java.util.Locale.ROOT)
        + "="
        + prediction.target()
        + '}';
  }

  /** Builds a {@link GenerationRequest}. Not thread-safe. */
  public static final class Builder {
    private String userId;
    private String prompt;
    private PredictionRequest prediction;
    private GenerationKind kind = GenerationKind.GENERATE;
    private ImageKind recordKind;
    private String keyPrefix;
    private String imageUrl;
    private String maskUrl;
    private String baseUrl;
    private String referenceUrl;
    private boolean referenceSet;
    private UUID collectionId;
    private Duration timeout;
    private boolean compositeOutsideMask;

    private Builder() {}

    /** The user the records belong to (required). */
    public Builder userId(String userId) {
      this.userId = userId;
      return this;
    }

    /** The prompt, as recorded (required). */
    public Builder prompt(String prompt) {
      this.prompt = prompt;
      return this;
    }

    /** The prediction (required). A webhook is added when the client has a webhook URL. */
    public Builder prediction(PredictionRequest prediction) {
      this.prediction = Objects.requireNonNull(prediction, "prediction");
      return this;
    }

    /** What the application asked for; {@code GENERATE} by default. */
    public Builder kind(GenerationKind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /** The records' kind. */
    public Builder recordKind(ImageKind recordKind) {
      this.recordKind = Objects.requireNonNull(recordKind, "recordKind");
      return this;
    }

    /** The stored objects' name prefix: letters, digits, {@code _} and {@code -}. */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
      return this;
    }

    /** The image edited, or the first reference image; {@code null} for none. */
    public Builder imageUrl(String imageUrl) {
      this.imageUrl = imageUrl;
      return this;
    }

    /** The stored mask; {@code null} for none. */
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
     * The records' {@code reference_url}; {@code null} for none. When not called: the base URL,
     * else the image URL.
     */
    public Builder referenceUrl(String referenceUrl) {
      this.referenceUrl = referenceUrl;
      this.referenceSet = true;
      return this;
    }

    /** The collection the records share; {@code null} for none. */
    public Builder collectionId(UUID collectionId) {
      this.collectionId = collectionId;
      return this;
    }

    /**
     * For a model that takes an image but no mask: the SDK puts the model's output (resized to the
     * image's size) onto the image edited inside the mask, feathered inward, so every pixel outside
     * the mask stays the original's; the record's {@code url} is the composite (PNG) and its {@code
     * raw_url} the model's own output. Needs {@link #imageUrl} and {@link #maskUrl}; off by
     * default.
     */
    public Builder compositeOutsideMask(boolean composite) {
      this.compositeOutsideMask = composite;
      return this;
    }

    /** How long the prediction may run; the client's default when not set. */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds the request. Every field is validated again, with the catalog's limits, when the
     * generation is submitted.
     *
     * @throws NullPointerException naming a missing required field
     */
    public GenerationRequest build() {
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(prompt, "prompt");
      Objects.requireNonNull(prediction, "prediction");
      return new GenerationRequest(this);
    }
  }
}
