package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.BoundedBody;
import io.renderlab.core.internal.PinnedHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The body limits of {@link RemoteFetcher}: the byte cap (announced and while streaming), the
 * content sniffed from the first bytes, the time-limit failure, and {@code data:} URLs under the
 * same cap. Package-private: the fetcher's implementation.
 */
final class FetchBodies {
  private final long maxBytes;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration deadline;

  FetchBodies(long maxBytes, Duration connectTimeout, Duration readTimeout, Duration deadline) {
    this.maxBytes = maxBytes;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.deadline = deadline;
  }

  DeadlineExceededException timeout(URI url, IOException cause) {
    return new DeadlineExceededException(
        "Downloading "
            + Redaction.url(url.toString())
            + " did not finish within its time limits (connect "
            + connectTimeout.toSeconds()
            + " s, idle read "
            + readTimeout.toSeconds()
            + " s, overall "
            + deadline.toSeconds()
            + " s).",
        deadline,
        cause);
  }

  RemoteResource body(URI url, PinnedHttp.Response response) {
    long announced = response.contentLength();
    String redacted = Redaction.url(url.toString());
    if (announced > maxBytes) {
      response.close();
      throw tooLarge(redacted);
    }
    InputStream raw = response.body();
    BoundedBody bounded =
        new BoundedBody(
            raw,
            maxBytes,
            () -> tooLarge(redacted),
            e -> timeout(url, e),
            e ->
                new RemoteFetchFailedException(
                    "The connection to "
                        + redacted
                        + " failed while reading: "
                        + e.getClass().getSimpleName()
                        + ". This is retryable.",
                    0,
                    e,
                    true,
                    false));
    Optional<MediaType> type;
    try {
      type = bounded.sniff();
    } catch (RuntimeException e) {
      response.close();
      throw e;
    }
    return new Resource(
        type,
        announced >= 0 ? OptionalLong.of(announced) : OptionalLong.empty(),
        redacted,
        bounded,
        response);
  }

  private RemoteFetchRefusedException tooLarge(String redacted) {
    return new RemoteFetchRefusedException(
        Reason.TOO_LARGE,
        redacted,
        "Refusing "
            + redacted
            + ": the body is larger than the "
            + maxBytes
            + "-byte cap. Raise it with "
            + "RemoteFetcher.builder().maxBytes(...) if this is intended.");
  }

  RemoteResource openData(String url) {
    int comma = url.indexOf(',');
    String redacted = Redaction.url(url);
    if (comma < 0) {
      throw new RemoteFetchRefusedException(
          Reason.MALFORMED, redacted, "Refusing a malformed data: URL (no comma).");
    }
    String meta = url.substring(5, comma).toLowerCase(Locale.ROOT);
    String payload = url.substring(comma + 1);
    long estimated = meta.endsWith(";base64") ? payload.length() / 4L * 3 : payload.length();
    if (estimated > maxBytes) {
      throw tooLarge(redacted);
    }
    byte[] bytes;
    try {
      bytes =
          meta.endsWith(";base64")
              ? Base64.getMimeDecoder().decode(payload)
              : java.net.URLDecoder.decode(payload.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
                  .getBytes(StandardCharsets.ISO_8859_1);
    } catch (IllegalArgumentException e) {
      throw new RemoteFetchRefusedException(
          Reason.MALFORMED, redacted, "Refusing a data: URL whose payload does not decode.");
    }
    BoundedBody bounded =
        new BoundedBody(
            new ByteArrayInputStream(bytes),
            maxBytes,
            () -> tooLarge(redacted),
            e -> new DeadlineExceededException("data", null, e),
            e -> new RemoteFetchFailedException("data", 0, e, false, false));
    return new Resource(bounded.sniff(), OptionalLong.of(bytes.length), redacted, bounded, null);
  }

  private static final class Resource implements RemoteResource {
    private final Optional<MediaType> type;
    private final OptionalLong length;
    private final String redactedUrl;
    private final InputStream body;
    private final PinnedHttp.Response response;

    Resource(
        Optional<MediaType> type,
        OptionalLong length,
        String redactedUrl,
        InputStream body,
        PinnedHttp.Response response) {
      this.type = type;
      this.length = length;
      this.redactedUrl = redactedUrl;
      this.body = body;
      this.response = response;
    }

    @Override
    public Optional<MediaType> mediaType() {
      return type;
    }

    @Override
    public OptionalLong contentLength() {
      return length;
    }

    @Override
    public String redactedUrl() {
      return redactedUrl;
    }

    @Override
    public InputStream body() {
      return body;
    }

    @Override
    public void close() {
      if (response != null) {
        response.close();
      }
    }
  }
}
