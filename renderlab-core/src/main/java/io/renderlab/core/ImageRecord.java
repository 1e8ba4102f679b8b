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
 * <p>Immutable. Build one with {@link #builder()}; the builder fills {@code id} with a random UUID
 * and {@code createdAt} with the current time when they are not given. Every text field is
 * validated at construction (see the limits below) with an {@link IllegalArgumentException} naming
 * the field; text is stored verbatim.
 *
 * <pre>{@code
 * ImageRecord record = ImageRecord.builder()
 *     .userId("user-123").kind(ImageKind.GENERATED).name("generated_1")
 *     .url(stored.url()).storageKey(stored.key()).prompt("modern architecture").build();
 * }</pre>
 *
 * @param id unique id
 * @param userId owner; at most {@value #MAX_ID_LENGTH} characters, no control characters
 * @param kind how the image was made
 * @param name display name; at most {@value #MAX_NAME_LENGTH} characters
 * @param url permanent URL of the full image; absolute, at most {@value #MAX_URL_LENGTH} characters
 * @param storageKey key of the full image in its object store; at most {@value #MAX_KEY_LENGTH}
 * @param thumbUrl permanent URL of the 400×400 thumbnail, once rendered
 * @param referenceUrl URL of the image this one was made from (lineage)
 * @param maskUrl URL of the inpainting mask, for edits
 * @param rawUrl URL of the model's own output, when the image stored at {@code url} was made from
 *     it (an edit by a model without a mask input, composited onto the original outside the mask)
 * @param prompt the prompt; at most {@value #MAX_PROMPT_LENGTH} characters
 * @param model the model that made it ({@code owner/name} or a version id)
 * @param predictionId the Replicate prediction that made it
 * @param collectionId the batch it belongs to
 * @param createdAt when it was recorded, to the microsecond
 */
public record ImageRecord(
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

  /** Validates every field; see the class documentation for the limits. */
  public ImageRecord {
    Objects.requireNonNull(id, "id");
    Args.identifier(userId, "userId", MAX_ID_LENGTH);
    Objects.requireNonNull(kind, "kind");
    Args.identifier(name, "name", MAX_NAME_LENGTH);
    Args.absoluteUrl(url, "url", MAX_URL_LENGTH);
    Args.identifier(storageKey, "storageKey", MAX_KEY_LENGTH);
    Objects.requireNonNull(thumbUrl, "thumbUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "thumbUrl", MAX_URL_LENGTH));
    Objects.requireNonNull(referenceUrl, "referenceUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "referenceUrl", MAX_URL_LENGTH));
    Objects.requireNonNull(maskUrl, "maskUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "maskUrl", MAX_URL_LENGTH));
    Objects.requireNonNull(rawUrl, "rawUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "rawUrl", MAX_URL_LENGTH));
    Objects.requireNonNull(prompt, "prompt")
        .ifPresent(p -> Args.text(p, "prompt", MAX_PROMPT_LENGTH));
    Objects.requireNonNull(model, "model")
        .ifPresent(m -> Args.identifier(m, "model", MAX_ID_LENGTH));
    Objects.requireNonNull(predictionId, "predictionId")
        .ifPresent(p -> Args.identifier(p, "predictionId", MAX_ID_LENGTH));
    Objects.requireNonNull(collectionId, "collectionId");
    Objects.requireNonNull(createdAt, "createdAt");
    createdAt = createdAt.truncatedTo(ChronoUnit.MICROS);
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
