package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One image of a user's history: a row of the {@code images} table.
 *
 * <p>Immutable, and a class rather than a record so that it can gain fields without breaking
 * callers. Build one with {@link #builder()} (derive one with {@link #toBuilder()}); the builder
 * fills {@code id} with a random UUID and {@code createdAt} with the current time when they are not
 * given. Every text field is validated at construction (see the limits below) with an {@link
 * IllegalArgumentException} naming the field; text is stored verbatim. Equal when every field is
 * equal.
 *
 * <p>Not a Jackson bean: its accessors are not getters and its optional fields are {@code
 * Optional}s, so a plain {@code ObjectMapper} does not serialise it to what it holds; write the
 * fields you publish yourself (as the sample server and the CLI do).
 *
 * <pre>{@code
 * ImageRecord record = ImageRecord.builder()
 *     .userId("user-123").kind(ImageKind.GENERATED).name("generated_1")
 *     .url(stored.url()).storageKey(stored.key()).prompt("modern architecture").build();
 * }</pre>
 */
public final class ImageRecord {

  /** Longest user id, model name or prediction id. */
  public static final int MAX_ID_LENGTH = 255;

  /** Longest display name. */
  public static final int MAX_NAME_LENGTH = 255;

  /** Longest URL (full image, thumbnail, reference, mask). */
  public static final int MAX_URL_LENGTH = 2048;

  /** Longest storage key. */
  public static final int MAX_KEY_LENGTH = 1024;

  /** Longest prompt. */
  public static final int MAX_PROMPT_LENGTH = 10_000;

  private final UUID id;
  private final String userId;
  private final ImageKind kind;
  private final String name;
  private final String url;
  private final String storageKey;
  private final Optional<String> thumbUrl;
  private final Optional<String> referenceUrl;
  private final Optional<String> maskUrl;
  private final Optional<String> rawUrl;
  private final Optional<String> prompt;
  private final Optional<String> model;
  private final Optional<String> predictionId;
  private final Optional<UUID> collectionId;
  private final Instant createdAt;

  /** The full state, validated (see the class documentation for the limits); for the catalog. */
  ImageRecord(
      UUID id,
      String userId,
      ImageKind kind,
      String name,
      String url,
      String storageKey,
      Optional<String> thumbUrl,
      Optional<String> referenceUrl,
      Optional<String> maskUrl,
      Optional<String> rawUrl,
      Optional<String> prompt,
      Optional<String> model,
      Optional<String> predictionId,
      Optional<UUID> collectionId,
      Instant createdAt) {
    this.id = Objects.requireNonNull(id, "id");
    this.userId = Args.identifier(userId, "userId", MAX_ID_LENGTH);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.name = Args.identifier(name, "name", MAX_NAME_LENGTH);
    this.url = Args.absoluteUrl(url, "url", MAX_URL_LENGTH);
    this.storageKey = Args.identifier(storageKey, "storageKey", MAX_KEY_LENGTH);
    this.thumbUrl = url(thumbUrl, "thumbUrl");
    this.referenceUrl = url(referenceUrl, "referenceUrl");
    this.maskUrl = url(maskUrl, "maskUrl");
    this.rawUrl = url(rawUrl, "rawUrl");
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    prompt.ifPresent(p -> Args.text(p, "prompt", MAX_PROMPT_LENGTH));
    this.model = Objects.requireNonNull(model, "model");
    model.ifPresent(m -> Args.identifier(m, "model", MAX_ID_LENGTH));
    this.predictionId = Objects.requireNonNull(predictionId, "predictionId");
    predictionId.ifPresent(p -> Args.identifier(p, "predictionId", MAX_ID_LENGTH));
    this.collectionId = Objects.requireNonNull(collectionId, "collectionId");
    this.createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MICROS);
  }

  private static Optional<String> url(Optional<String> url, String name) {
    Objects.requireNonNull(url, name).ifPresent(u -> Args.absoluteUrl(u, name, MAX_URL_LENGTH));
    return url;
  }

  /** Unique id. */
  public UUID id() {
    return id;
  }

  /** The owner; at most {@value #MAX_ID_LENGTH} characters, no control characters. */
  public String userId() {
    return userId;
  }

  /** How the image was made. */
  public ImageKind kind() {
    return kind;
  }

  /** Display name; at most {@value #MAX_NAME_LENGTH} characters. */
  public String name() {
    return name;
  }

  /** Permanent URL of the full image; absolute, at most {@value #MAX_URL_LENGTH} characters. */
  public String url() {
    return url;
  }

  /** Key of the full image in its object store; at most {@value #MAX_KEY_LENGTH} characters. */
  public String storageKey() {
    return storageKey;
  }

  /** Permanent URL of the 400×400 thumbnail, once rendered. */
  public Optional<String> thumbUrl() {
    return thumbUrl;
  }

  /** URL of the image this one was made from (lineage). */
  public Optional<String> referenceUrl() {
    return referenceUrl;
  }

  /** URL of the inpainting mask, for edits. */
  public Optional<String> maskUrl() {
    return maskUrl;
  }

  /**
   * URL of the model's own output, when the image stored at {@link #url()} was made from it (an
   * edit by a model without a mask input, composited onto the original outside the mask).
   */
  public Optional<String> rawUrl() {
    return rawUrl;
  }

  /** The prompt; at most {@value #MAX_PROMPT_LENGTH} characters. */
  public Optional<String> prompt() {
    return prompt;
  }

  /** The model that made it ({@code owner/name} or a version id). */
  public Optional<String> model() {
    return model;
  }

  /** The Replicate prediction that made it. */
  public Optional<String> predictionId() {
    return predictionId;
  }

  /** The batch it belongs to. */
  public Optional<UUID> collectionId() {
    return collectionId;
  }

  /** When it was recorded, to the microsecond. */
  public Instant createdAt() {
    return createdAt;
  }

  /** A builder with a fresh random id and {@code createdAt} = now (unless set). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this record's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.userId = userId;
    b.kind = kind;
    b.name = name;
    b.url = url;
    b.storageKey = storageKey;
    b.thumbUrl = thumbUrl.orElse(null);
    b.referenceUrl = referenceUrl.orElse(null);
    b.maskUrl = maskUrl.orElse(null);
    b.rawUrl = rawUrl.orElse(null);
    b.prompt = prompt.orElse(null);
    b.model = model.orElse(null);
    b.predictionId = predictionId.orElse(null);
    b.collectionId = collectionId.orElse(null);
    b.createdAt = createdAt;
    return b;
  }

  /** The URL a history view shows: the thumbnail once rendered, else the full image. */
  public String displayUrl() {
    return thumbUrl.orElse(url);
  }

  /** A copy with the thumbnail URL set. */
  public ImageRecord withThumbUrl(String thumbUrl) {
    return toBuilder().thumbUrl(Objects.requireNonNull(thumbUrl, "thumbUrl")).build();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ImageRecord)) {
      return false;
    }
    ImageRecord r = (ImageRecord) o;
    return id.equals(r.id)
        && userId.equals(r.userId)
        && kind == r.kind
        && name.equals(r.name)
        && url.equals(r.url)
        && storageKey.equals(r.storageKey)
        && thumbUrl.equals(r.thumbUrl)
        && referenceUrl.equals(r.referenceUrl)
        && maskUrl.equals(r.maskUrl)
        && rawUrl.equals(r.rawUrl)
        && prompt.equals(r.prompt)
        && model.equals(r.model)
        && predictionId.equals(r.predictionId)
        && collectionId.equals(r.collectionId)
        && createdAt.equals(r.createdAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        id,
        userId,
        kind,
        name,
        url,
        storageKey,
        thumbUrl,
        referenceUrl,
        maskUrl,
        rawUrl,
        prompt,
        model,
        predictionId,
        collectionId,
        createdAt);
  }

  /**
   * Id, owner, kind, name, model, prediction and the URLs with their query strings redacted (a
   * signed URL's signature is a secret); no prompt (it is user data).
   */
  @Override
  public String toString() {
    return "ImageRecord{id="
        + id
        + ", userId="
        + userId
        + ", kind="
        + kind
        + ", name="
        + name
        + ", url="
        + Redaction.url(url)
        + thumbUrl.map(u -> ", thumbUrl=" + Redaction.url(u)).orElse("")
        + referenceUrl.map(u -> ", referenceUrl=" + Redaction.url(u)).orElse("")
        + maskUrl.map(u -> ", maskUrl=" + Redaction.url(u)).orElse("")
        + rawUrl.map(u -> ", rawUrl=" + Redaction.url(u)).orElse("")
        + model.map(m -> ", model=" + m).orElse("")
        + predictionId.map(p -> ", predictionId=" + p).orElse("")
        + collectionId.map(c -> ", collectionId=" + c).orElse("")
        + ", createdAt="
        + createdAt
        + '}';
  }

  /**
   * Builds an {@link ImageRecord}. Not thread-safe. Optional fields accept {@code null} as
   * "absent".
   */
  public static final class Builder {
    private UUID id;
    private String userId;
    private ImageKind kind;
    private String name;
    private String url;
    private String storageKey;
    private String thumbUrl;
    private String referenceUrl;
    private String maskUrl;
    private String rawUrl;
    private String prompt;
    private String model;
    private String predictionId;
    private UUID collectionId;
    private Instant createdAt;

    private Builder() {}

    /** The id; a random UUID when not set. */
    public Builder id(UUID id) {
      this.id = id;
      return this;
    }

    /** The owner (required). */
    public Builder userId(String userId) {
      this.userId = userId;
      return this;
    }

    /** How the image was made (required). */
    public Builder kind(ImageKind kind) {
      this.kind = kind;
      return this;
    }

    /** Display name (required). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Permanent URL of the full image (required). */
    public Builder url(String url) {
      this.url = url;
      return this;
    }

    /** Key of the full image in its store (required). */
    public Builder storageKey(String storageKey) {
      this.storageKey = storageKey;
      return this;
    }

    /** Thumbnail URL, or {@code null}. */
    public Builder thumbUrl(String thumbUrl) {
      this.thumbUrl = thumbUrl;
      return this;
    }

    /** URL of the image this one was made from, or {@code null}. */
    public Builder referenceUrl(String referenceUrl) {
      this.referenceUrl = referenceUrl;
      return this;
    }

    /** URL of the inpainting mask, or {@code null}. */
    public Builder maskUrl(String maskUrl) {
      this.maskUrl = maskUrl;
      return this;
    }

    /** URL of the model's own output when {@code url} was made from it, or {@code null}. */
    public Builder rawUrl(String rawUrl) {
      this.rawUrl = rawUrl;
      return this;
    }

    /** The prompt, or {@code null}. */
    public Builder prompt(String prompt) {
      this.prompt = prompt;
      return this;
    }

    /** The model, or {@code null}. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** The prediction id, or {@code null}. */
    public Builder predictionId(String predictionId) {
      this.predictionId = predictionId;
      return this;
    }

    /** The collection (batch) id, or {@code null}. */
    public Builder collectionId(UUID collectionId) {
      this.collectionId = collectionId;
      return this;
    }

    /** When it was recorded; now when not set. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    /**
     * Builds the record.
     *
     * @throws IllegalArgumentException naming the first invalid field
     * @throws NullPointerException naming a missing required field
     */
    public ImageRecord build() {
      return new ImageRecord(
          id != null ? id : UUID.randomUUID(),
          userId,
          kind,
          name,
          url,
          storageKey,
          Optional.ofNullable(thumbUrl),
          Optional.ofNullable(referenceUrl),
          Optional.ofNullable(maskUrl),
          Optional.ofNullable(rawUrl),
          Optional.ofNullable(prompt),
          Optional.ofNullable(model),
          Optional.ofNullable(predictionId),
          Optional.ofNullable(collectionId),
          createdAt != null ? createdAt : Instant.now());
    }
  }
}
