package io.renderlab.replicate;

import io.renderlab.core.internal.Args;
import io.renderlab.replicate.internal.ApiCall;
import io.renderlab.replicate.internal.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Replicate's Files API ({@code client.files()}), as the official clients expose it ({@code
 * files.create(file, filename, content_type)}, {@code files.get}, {@code files.delete}): upload a
 * file once, pass its {@link ReplicateFile#url()} as a model input. For inputs Replicate cannot
 * fetch itself (a local file, a private host) that are too large for a {@code data:} URI.
 * Thread-safe.
 *
 * <pre>{@code
 * ReplicateFile mask = replicate.files().create(Files.readAllBytes(path), "mask.png", "image/png");
 * PredictionRequest.model("owner/inpaint").put("mask", mask.url()).build();
 * }</pre>
 */
public final class ReplicateFiles {
  /** The largest file Replicate's Files API accepts. */
  public static final long MAX_BYTES = 100L * 1024 * 1024;

  private final Transport transport;

  ReplicateFiles(Transport transport) {
    this.transport = transport;
  }

  /**
   * Uploads {@code content} ({@code POST /v1/files}, multipart field {@code content}).
   *
   * @throws IllegalArgumentException if empty or over {@link #MAX_BYTES}, or a name is not plain
   *     text
   * @throws io.renderlab.core.RenderLabException subclasses for Replicate's refusals and outages
   */
  public ReplicateFile create(byte[] content, String filename, String contentType) {
    Objects.requireNonNull(content, "content");
    if (content.length == 0 || content.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "content must be 1 byte to 100 MiB, was " + content.length + " bytes");
    }
    Args.identifier(filename, "filename", 255);
    Args.identifier(contentType, "contentType", 255);
    if (filename.contains("\"") || contentType.contains("\"")) {
      throw new IllegalArgumentException("filename and contentType must not contain quotes");
    }
    String boundary = "renderlab-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream(content.length + 512);
    String head =
        "--"
            + boundary
            + "\r\n"
            + "Content-Disposition: form-data; name=\"content\"; filename=\""
            + filename
            + "\"\r\n"
            + "Content-Type: "
            + contentType
            + "\r\n\r\n";
    body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    ApiCall call =
        new ApiCall(
            "POST",
            transport.uri("/files"),
            null,
            Optional.empty(),
            Map.of(),
            ApiCall.Kind.READ,
            "uploading file " + filename,
            "file " + filename,
            new ApiCall.RawBody(body.toByteArray(), "multipart/form-data; boundary=" + boundary));
    // Retried like a read: a repeated upload only leaves an unused copy that Replicate expires.
    return ReplicateFile.of(Transport.join(transport.send(call)));
  }

  /** Reads a file's metadata ({@code GET /v1/files/{id}}). */
  public ReplicateFile get(String id) {
    checkId(id);
    return ReplicateFile.of(
        Transport.join(
            transport.send(
                ApiCall.read(transport.uri("/files/" + id), "reading file " + id, "file " + id))));
  }

  /** Deletes a file ({@code DELETE /v1/files/{id}}). */
  public void delete(String id) {
    checkId(id);
    Transport.join(
        transport.send(
            new ApiCall(
                "DELETE",
                transport.uri("/files/" + id),
                null,
                Optional.empty(),
                Map.of(),
                ApiCall.Kind.CANCEL,
                "deleting file " + id,
                "file " + id)));
  }

  private static void checkId(String id) {
    Args.identifier(id, "id", 255);
    if (!id.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "id must be a Replicate file id (letters, digits, - and _), was \"" + id + "\"");
    }
  }

  @Override
  public String toString() {
    return "ReplicateFiles{" + transport.baseUrl() + '}';
  }
}
