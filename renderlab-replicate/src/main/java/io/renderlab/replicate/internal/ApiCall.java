package io.renderlab.replicate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One API request as the transport sends it.
 *
 * @param method the HTTP method
 * @param url the absolute URL (must be on the API's origin)
 * @param body the JSON body, or {@code null} for none
 * @param preferWait the {@code Prefer: wait} to ask for, if any
 * @param headers further headers (such as {@code Cancel-After})
 * @param kind what the request does, which decides what may be retried
 * @param action what the request does, for messages ({@code "creating a prediction of model a/b"})
 * @param resource what the request is about, for messages ({@code "model a/b"})
 * @param rawBody a non-JSON body, or {@code null}
 * @param timeout this request's own timeout, replacing the client's request timeout (an upload's
 *     grows with its size)
 */
public record ApiCall(
    String method,
    URI url,
    JsonNode body,
    Optional<Duration> preferWait,
    Map<String, String> headers,
    Kind kind,
    String action,
    String resource,
    RawBody rawBody,
    Optional<Duration> timeout) {

  /**
   * A non-JSON body (a multipart file upload), streamed: a fresh publisher per attempt (a file is
   * read from disk as it is sent, never held in the heap), its length and its {@code Content-Type}.
   */
  public record RawBody(
      Supplier<HttpRequest.BodyPublisher> publisher, long length, String contentType) {
    /** Checks the arguments. */
    public RawBody {
      Objects.requireNonNull(publisher, "publisher");
      Objects.requireNonNull(contentType, "contentType");
    }

    /** A body held in memory. */
    public static RawBody of(byte[] bytes, String contentType) {
      byte[] copy = bytes.clone();
      return new RawBody(
          () -> HttpRequest.BodyPublishers.ofByteArray(copy), copy.length, contentType);
    }
  }

  /** A call with a JSON body or none. */
  public ApiCall(
      String method,
      URI url,
      JsonNode body,
      Optional<Duration> preferWait,
      Map<String, String> headers,
      Kind kind,
      String action,
      String resource) {
    this(method, url, body, preferWait, headers, kind, action, resource, null, Optional.empty());
  }

  /** What a request does. */
  public enum Kind {
    /** A read: retried on 429, 5xx and connection failures. */
    READ,
    /** A cancel: harmless to repeat, retried like a read. */
    CANCEL,
    /**
     * A create: retried only on 429 (a throttled create made nothing); never re-sent blindly
     * otherwise.
     */
    CREATE,
    /**
     * A file upload: retried only on 429 (and when no connection was made); a timeout or a dropped
     * connection is not retried, since it would send the whole file again.
     */
    UPLOAD
  }

  /** Checks the arguments. */
  public ApiCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(preferWait, "preferWait");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** A GET. */
  public static ApiCall read(URI url, String action, String resource) {
    return new ApiCall("GET", url, null, Optional.empty(), Map.of(), Kind.READ, action, resource);
  }
}
