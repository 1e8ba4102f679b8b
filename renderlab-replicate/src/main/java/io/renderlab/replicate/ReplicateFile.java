package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.Redaction;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * A file uploaded to Replicate's Files API, usable as a prediction input through {@link #url()}
 * (its {@code urls.get}, which Replicate resolves for the account that uploaded it).
 *
 * <p>Immutable; a class rather than a record so that it can gain the Files API's other fields
 * (checksums, metadata) without breaking callers. Equal when every field is equal.
 */
public final class ReplicateFile {
  private final String id;
  private final String name;
  private final String contentType;
  private final long size;
  private final String url;
  private final Optional<Instant> expiresAt;

  /** The full state, validated. */
  private ReplicateFile(
      String id,
      String name,
      String contentType,
      long size,
      String url,
      Optional<Instant> expiresAt) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(expiresAt, "expiresAt");
    this.id = id;
    this.name = name;
    this.contentType = contentType;
    this.size = size;
    this.url = url;
    this.expiresAt = expiresAt;
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

  /** The file id. */
  public String id() {
    return id;
  }

  /** The file name given at upload. */
  public String name() {
    return name;
  }

  /** Its media type. */
  public String contentType() {
    return contentType;
  }

  /** Its size in bytes. */
  public long size() {
    return size;
  }

  /** The URL to pass as a model input ({@code urls.get}). */
  public String url() {
    return url;
  }

  /** When Replicate deletes it, if it says. */
  public Optional<Instant> expiresAt() {
    return expiresAt;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ReplicateFile)) {
      return false;
    }
    ReplicateFile other = (ReplicateFile) o;
    return id.equals(other.id)
        && name.equals(other.name)
        && contentType.equals(other.contentType)
        && size == other.size
        && url.equals(other.url)
        && expiresAt.equals(other.expiresAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, name, contentType, size, url, expiresAt);
  }

  @Override
  public String toString() {
    return "ReplicateFile[id="
        + id
        + ", name="
        + name
        + ", contentType="
        + contentType
        + ", size="
        + size
        + ", url="
        + Redaction.url(url)
        + ", expiresAt="
        + expiresAt
        + ']';
  }
}
