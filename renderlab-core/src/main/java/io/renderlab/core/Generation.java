package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One paid prediction and what became of it: a row of the {@code generations} table, written before
 * the prediction is created so that a process dying mid-generation loses nothing (see {@link
 * GenerationStore}).
 *
 * <p>Immutable. A new one is made with {@link #builder()} (status {@code PENDING}); the store fills
 * in the rest as the generation moves on.
 *
 * <pre>{@code
 * Generation g = Generation.builder().userId("ada").kind(GenerationKind.GENERATE)
 *     .model("google/nano-banana").prompt("a red bicycle").inputJson("{\"prompt\":\"a red bicycle\"}")
 *     .deadline(Instant.now().plusSeconds(600)).build();
 * }</pre>
 *
 * @param id unique id
 * @param userId owner
 * @param kind generate, edit or collection item
 * @param model the model ({@code owner/name})
 * @param prompt the prompt
 * @param imageUrl the image edited (edits) or the first reference image (generations)
 * @param maskUrl the stored mask (edits)
 * @param baseUrl the image an edit extends (lineage), when it is not {@code imageUrl}
 * @param collectionId the collection (batch) of a collection item
 * @param inputJson the prediction's input exactly as sent (a JSON object), to find a create whose
 *     answer was lost
 * @param predictionId the Replicate prediction, once Replicate answered the create
 * @param status where the generation is
 * @param error why it failed, was canceled or expired, or the last transient error of a retry
 * @param attempts how many times a recovery worker took it
 * @param leaseOwner the instance driving it, while one does
 * @param leaseUntil when that instance's lease lapses unless renewed
 * @param deadline when a prediction still running is canceled
 * @param createdAt when the row was written (just before the create was sent)
 * @param updatedAt when it last changed
 */
public record Generation(
    UUID id,
    String userId,
    GenerationKind kind,
    String model,
    String prompt,
    Optional<String> imageUrl,
    Optional<String> maskUrl,
    Optional<String> baseUrl,
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

  /** Longest stored input JSON (inputs may carry small {@code data:} URIs). */
  public static final int MAX_INPUT_LENGTH = 1_000_000;

  /** Longest stored error. */
  public static final int MAX_ERROR_LENGTH = 2000;

  /** Validates every field with a message naming it; trims an over-long error. */
  public Generation {
    Objects.requireNonNull(id, "id");
    Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    Objects.requireNonNull(kind, "kind");
    Args.identifier(model, "model", ImageRecord.MAX_ID_LENGTH);
    Args.text(prompt, "prompt", ImageRecord.MAX_PROMPT_LENGTH);
    Objects.requireNonNull(imageUrl, "imageUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "imageUrl", ImageRecord.MAX_URL_LENGTH));
    Objects.requireNonNull(maskUrl, "maskUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "maskUrl", ImageRecord.MAX_URL_LENGTH));
    Objects.requireNonNull(baseUrl, "baseUrl")
        .ifPresent(u -> Args.absoluteUrl(u, "baseUrl", ImageRecord.MAX_URL_LENGTH));
    Objects.requireNonNull(collectionId, "collectionId");
    Objects.requireNonNull(inputJson, "inputJson");
    if (inputJson.isBlank() || inputJson.length() > MAX_INPUT_LENGTH) {
      throw new IllegalArgumentException(
          "inputJson must hold 1 to "
              + MAX_INPUT_LENGTH
              + " characters, had "
              + inputJson.length());
    }
    Objects.requireNonNull(predictionId, "predictionId")
        .ifPresent(p -> Args.identifier(p, "predictionId", ImageRecord.MAX_ID_LENGTH));
    Objects.requireNonNull(status, "status");
    error = Objects.requireNonNull(error, "error").map(Generation::trimError);
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative, was " + attempts);
    }
    Objects.requireNonNull(leaseOwner, "leaseOwner");
    Objects.requireNonNull(leaseUntil, "leaseUntil");
    Objects.requireNonNull(deadline, "deadline");
    createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MICROS);
    updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MICROS);
  }

  /** An error cut to {@value #MAX_ERROR_LENGTH} characters, as stored. */
  static String trimError(String error) {
    String e = error == null || error.isBlank() ? "unknown error" : error;
    return e.length() > MAX_ERROR_LENGTH ? e.substring(0, MAX_ERROR_LENGTH - 1) + "…" : e;
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
    private String model;
    private String prompt;
    private String imageUrl;
    private String maskUrl;
    private String baseUrl;
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

    /** The model (required). */
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
      return new Generation(
          id != null ? id : UUID.randomUUID(),
          userId,
          kind,
          model,
          prompt,
          Optional.ofNullable(imageUrl),
          Optional.ofNullable(maskUrl),
          Optional.ofNullable(baseUrl),
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
