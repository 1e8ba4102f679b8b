package io.renderlab.core;

import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An open remote body, read as a stream within the fetcher's byte cap and deadline. Close it
 * (try-with-resources) to release the connection.
 */
public interface RemoteResource extends AutoCloseable {
  /** The image format sniffed from the first bytes, empty when it is not a recognised image. */
  Optional<MediaType> mediaType();

  /** The length the server announced, when it did (already checked against the cap). */
  OptionalLong contentLength();

  /** The URL the body came from after redirects, redacted. */
  String redactedUrl();

  /**
   * The body, from its first byte. Reading past the byte cap throws {@link
   * RemoteFetchRefusedException} ({@code TOO_LARGE}); past the deadline, {@link
   * DeadlineExceededException}. Both are unchecked and thrown from {@code read}.
   */
  InputStream body();

  @Override
  void close();
}
