package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * A file uploaded to Replicate's Files API, usable as a prediction input through {@link #url()}
 * (its {@code urls.get}, which Replicate resolves for the account that uploaded it).
 *
 * @param id the file id
 * @param name the file name given at upload
 * @param contentType its media type
 * @param size its size in bytes
 * @param url the URL to pass as a model input ({@code urls.get})
 * @param expiresAt when Replicate deletes it, if it says
 */
public record ReplicateFile(
    String id,
    String name,
    String contentType,
    long size,
    String url,
    Optional<Instant> expiresAt) {
  /** Checks for nulls. */
  public ReplicateFile {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /**
   * Reads the Files API's JSON ({@code id}, {@code name}, {@code content_type}, {@code size},
   * {@code urls.get}, {@code expires_at}).
   */
  static ReplicateFile of(JsonNode json) {
    String id = json.path("id").asText("");
    String url = json.path("urls").path("get").asText("");
    if (id.isEmpty() || url.isEmpty()) {
      throw new IllegalStateException("Replicate's file answer has no id or urls.get");
    }
    Optional<Instant> expires = Optional.empty();
    String raw = json.path("expires_at").asText("");
    if (!raw.isEmpty()) {
      try {
        expires = Optional.of(java.time.OffsetDateTime.parse(raw).toInstant());
      } catch (DateTimeParseException ignored) {
        // informational only
      }
    }
    return new ReplicateFile(
        id,
        json.path("name").asText(""),
        json.path("content_type").asText("application/octet-stream"),
        json.path("size").asLong(0),
        url,
        expires);
  }
}
