package io.renderlab.replicate;

import io.renderlab.core.internal.Args;
import io.renderlab.replicate.internal.ApiCall;
import io.renderlab.replicate.internal.Transport;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Replicate's Files API ({@code client.files()}), as the official clients expose it ({@code
 * files.create(file, filename, content_type)}, {@code files.get}, {@code files.delete}): upload a
 * file once, pass its {@link ReplicateFile#url()} as a model input. For inputs Replicate cannot
 * fetch itself (a local file, a private host) that are too large for a {@code data:} URI.
 * Thread-safe.
 *
 * <pre>{@code
 * ReplicateFile mask = replicate.files().create(Path.of("mask.png"), "mask.png", "image/png");
 * PredictionRequest.model("owner/inpaint").put("mask", mask.url()).build();
 * }</pre>
 */
public final class ReplicateFiles {
  /**
   * The largest file this client uploads: 99,999,999 bytes. Replicate's Files API takes files under
   * 100 MB (decimal); content of 100,000,000 bytes or more is refused before anything is sent.
   */
  public static final long MAX_BYTES = 100_000_000L - 1;

  /**
   * The slowest uplink an upload's timeout allows for: the timeout is the client's request timeout
   * plus the file's size at this rate (a 40 MiB file gets 30 s + 320 s).
   */
  static final long MIN_UPLOAD_BYTES_PER_SECOND = 128 * 1024;

  private final Transport transport;

  ReplicateFiles(Transport transport) {
    this.transport = transport;
  }

  /**
   * Uploads {@code content} ({@code POST /v1/files}, multipart field {@code content}). Empty
   * content is accepted, as Replicate accepts it. Only a throttled upload (429) is retried; a
   * timeout, a dropped connection or a 5xx is not, since a repeat sends the whole file again. The
   * request's timeout grows with the size (see {@link #create(Path, String, String)}).
   *
   * @throws IllegalArgumentException if over {@link #MAX_BYTES}, or a name is not plain text
   * @throws io.renderlab.core.RenderLabException subclasses for Replicate's refusals and outages
   */
  public ReplicateFile create(byte[] content, String filename, String contentType) {
    Objects.requireNonNull(content, "content");
    checkSize(content.length, "content");
    byte[] copy = content.clone();
    return upload(
        () -> HttpRequest.BodyPublishers.ofByteArray(copy), copy.length, filename, contentType);
  }

  /**
   * Uploads a file from disk, streamed as it is sent (never read into the heap), so a large input
   * costs a buffer, not its size. Retries and timeout as {@link #create(byte[], String, String)}:
   * the timeout is the client's request timeout plus the size at 128 KiB/s.
   *
   * <pre>{@code
   * ReplicateFile image = replicate.files().create(Path.of("photo.png"), "photo.png", "image/png");
   * }</pre>
   *
   * @throws IllegalArgumentException if the file is over {@link #MAX_BYTES}, or a name is not plain
   *     text
   * @throws java.io.UncheckedIOException if the file cannot be read
   */
  public ReplicateFile create(Path file, String filename, String contentType) {
    Objects.requireNonNull(file, "file");
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file.getFileName() + " to upload it", e);
    }
    checkSize(size, "file " + file.getFileName());
    return upload(
        () -> {
          try {
            return HttpRequest.BodyPublishers.ofFile(file);
          } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
          }
        },
        size,
        filename,
        contentType);
  }

  private ReplicateFile upload(
      Supplier<HttpRequest.BodyPublisher> content, long size, String filename, String contentType) {
    Args.identifier(filename, "filename", 255);
    Args.identifier(contentType, "contentType", 255);
    if (filename.contains("\"") || contentType.contains("\"")) {
      throw new IllegalArgumentException("filename and contentType must not contain quotes");
    }
    String boundary = "renderlab-" + UUID.randomUUID();
    byte[] head =
        ("--"
                + boundary
                + "\r\n"
                + "Content-Disposition: form-data; name=\"content\"; filename=\""
                + filename
                + "\"\r\n"
                + "Content-Type: "
                + contentType
                + "\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    ApiCall call =
        new ApiCall(
            "POST",
            transport.uri("/files"),
            null,
            Optional.empty(),
            Map.of(),
            ApiCall.Kind.UPLOAD,
            "uploading file " + filename + " (" + size + " bytes)",
            "file " + filename,
            new ApiCall.RawBody(
                () ->
                    HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(head),
                        content.get(),
                        HttpRequest.BodyPublishers.ofByteArray(tail)),
                head.length + size + tail.length,
                "multipart/form-data; boundary=" + boundary),
            Optional.of(uploadTimeout(transport.requestTimeout(), size)));
    return ReplicateFile.of(Transport.join(transport.send(call)));
  }

  /** The timeout of an upload of {@code size} bytes: the base plus the size at the slowest rate. */
  static Duration uploadTimeout(Duration base, long size) {
    long millis = Math.multiplyExact(size, 1000L) / MIN_UPLOAD_BYTES_PER_SECOND;
    return base.plusMillis(millis);
  }

  private static void checkSize(long size, String what) {
    if (size > MAX_BYTES) {
      throw new IllegalArgumentException(
          what
              + " is "
              + size
              + " bytes; Replicate's Files API takes files under 100 MB (at most "
              + MAX_BYTES
              + " bytes). Send a smaller or compressed file, or pass a URL Replicate can fetch.");
    }
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
