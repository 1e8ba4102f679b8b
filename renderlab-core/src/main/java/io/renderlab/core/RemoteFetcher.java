package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.AddressPolicy;
import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.BoundedBody;
import io.renderlab.core.internal.OkHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches remote URLs for the server side safely: only {@code http}, {@code https} and {@code
 * data:}; never to loopback, private, link-local, unspecified, multicast or CGNAT addresses
 * (however the address is spelled, and through every redirect); only to the addresses it vetted (no
 * second DNS lookup); within a byte cap, a connect and idle-read timeout and an overall deadline.
 * The content type comes from the first bytes.
 *
 * <p>Immutable and thread-safe; build one per application and share it. {@link #close()} releases
 * its connection pool.
 *
 * <pre>{@code
 * RemoteFetcher fetcher = RemoteFetcher.builder().maxBytes(64L << 20).build();
 * try (RemoteResource image = fetcher.openImage("https://replicate.delivery/pbxt/abc.png")) {
 *   store.put(key, image.body(), image.mediaType().get());
 * }
 * }</pre>
 */
public final class RemoteFetcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteFetcher.class);

  /** The default byte cap: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

  private static final int MAX_REDIRECTS = 5;

  private final OkHttpClient http;
  private final AddressPolicy policy;
  private final List<String> allowList;
  private final long maxBytes;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration deadline;
  private final String userAgent;
  private final Resolver resolver;

  /**
   * End users' URLs: errors before a response do not tell how a host resolved or whether a port is
   * open.
   */
  private final boolean opaqueErrors;

  /** Whether {@link #close()} releases {@link #http}: false for a {@link #strict()} view. */
  private final boolean ownsClient;

  private RemoteFetcher(Builder b) {
    this.opaqueErrors = b.opaqueErrors;
    this.ownsClient = true;
    this.allowList = List.copyOf(b.allow);
    this.policy = new AddressPolicy(allowList);
    this.maxBytes = b.maxBytes;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.deadline = b.deadline;
    this.userAgent = b.userAgent;
    this.resolver = b.resolver;
    this.http =
        new OkHttpClient.Builder()
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .writeTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .callTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .build();
  }

  /** The strict view of {@code base}: its limits and client, no exemptions, opaque errors. */
  private RemoteFetcher(RemoteFetcher base) {
    this.allowList = List.of();
    this.policy = new AddressPolicy(allowList);
    this.maxBytes = base.maxBytes;
    this.connectTimeout = base.connectTimeout;
    this.readTimeout = base.readTimeout;
    this.deadline = base.deadline;
    this.userAgent = base.userAgent;
    this.resolver = base.resolver;
    this.http = base.http;
    this.opaqueErrors = true;
    this.ownsClient = false;
  }

  /**
   * The strict policy, for URLs that end users supply (a server's image, mask and reference URLs):
   * this fetcher's limits, but none of its {@link Builder#allowHost} exemptions (those are for the
   * operator's own sources, such as a provider on loopback), and errors that do not tell how a host
   * resolved or whether a port is open: a non-public address, an unknown host, a refused or
   * timed-out connection and a port that does not speak HTTP all fail with one {@link
   * RemoteFetchRefusedException} ({@link Reason#UNREACHABLE}) and one message. Shares this
   * fetcher's connection pool; closing the view does nothing, close this fetcher instead.
   *
   * <pre>{@code
   * RemoteFetcher operator = RemoteFetcher.builder().allowHost("127.0.0.1").build();
   * RemoteFetcher users = operator.strict();   // 127.0.0.1 refused again
   * }</pre>
   */
  public RemoteFetcher strict() {
    return allowList.isEmpty() && opaqueErrors ? this : new RemoteFetcher(this);
  }

  /** Whether this fetcher has no exemptions and opaque errors (see {@link #strict()}). */
  public boolean isStrict() {
    return allowList.isEmpty() && opaqueErrors;
  }

  /**
   * Checks, without connecting or resolving, that {@code url} is an {@code http(s)} URL this
   * fetcher's policy allows: for URLs handed on rather than fetched (an image URL a model will
   * fetch from its own network). It judges the scheme, credentials, and a host given as an address
   * (in any spelling) or as {@code localhost}; a host name is not resolved, since what it resolves
   * to here says nothing about where the party that fetches it will connect.
   *
   * @throws IllegalArgumentException if {@code url} is null or blank
   * @throws RemoteFetchRefusedException if the policy refuses it
   */
  public void check(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank");
    }
    String trimmed = url.strip();
    if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
      throw new RemoteFetchRefusedException(
          Reason.SCHEME, Redaction.url(trimmed), "Refusing a data: URL here: give an http(s) URL.");
    }
    URI uri = parse(trimmed);
    String rawHost = host(uri);
    String host = AddressPolicyHost.normalize(rawHost);
    Optional<InetAddress> address = AddressPolicy.parseIpv4Literal(host);
    if (address.isEmpty() && host.contains(":")) {
      try {
        address = Optional.of(InetAddress.getByName(host));
      } catch (UnknownHostException e) {
        throw new RemoteFetchRefusedException(
            Reason.MALFORMED,
            Redaction.url(trimmed),
            "Refusing " + Redaction.url(trimmed) + ": invalid IPv6 address.");
      }
    }
    if (address.isEmpty() && (host.equals("localhost") || host.endsWith(".localhost"))) {
      address = Optional.of(InetAddress.getLoopbackAddress());
    }
    if (address.isPresent()) {
      Optional<String> refusal = policy.refusal(host, address.get());
      if (refusal.isPresent()) {
        RemoteFetchRefusedException refused =
            new RemoteFetchRefusedException(
                Reason.PRIVATE_ADDRESS,
                Redaction.url(trimmed),
                "Refusing "
                    + Redaction.url(trimmed)
                    + ": its host is "
                    + refusal.get()
                    + ". Allow it with "
                    + "RemoteFetcher.builder().allowHost(...) (CLI: --allow-host) if this is intended.");
        throw opaqueErrors ? unreachable(trimmed, refused) : refused;
      }
    }
  }

  /**
   * {@link #vet}, with the failures that tell how a host resolved made opaque when they must be.
   */
  private void vetOpaquely(String original, URI uri, Map<String, List<InetAddress>> vetted) {
    try {
      vet(uri, vetted);
    } catch (RemoteFetchRefusedException e) {
      if (opaqueErrors && e.reason() == Reason.PRIVATE_ADDRESS) {
        throw unreachable(original, e);
      }
      throw e;
    } catch (RemoteFetchFailedException e) {
      if (opaqueErrors) {
        throw unreachable(original, e);
      }
      throw e;
    }
  }

  /** The one refusal a strict fetcher gives for everything that happens before a response. */
  private RemoteFetchRefusedException unreachable(String original, Exception cause) {
    String redacted = Redaction.url(original);
    LOG.debug("Refusing the user URL {}: {}", redacted, cause.toString());
    return new RemoteFetchRefusedException(
        Reason.UNREACHABLE,
        redacted,
        "Refusing "
            + redacted
            + ": this server fetches only public http(s) URLs that answer. Give a publicly reachable URL of the image.");
  }

  /** A builder with the defaults: 64 MiB cap, 10 s connect, 30 s idle read, 5 min deadline. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this fetcher's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.allow.addAll(allowList);
    b.maxBytes = maxBytes;
    b.connectTimeout = connectTimeout;
    b.readTimeout = readTimeout;
    b.deadline = deadline;
    b.userAgent = userAgent;
    b.resolver = resolver;
    b.opaqueErrors = opaqueErrors;
    return b;
  }

  /** The byte cap. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Opens an image: like {@link #open} but refuses anything whose first bytes are not a recognised
   * image format.
   *
   * @throws RemoteFetchRefusedException if the policy refuses the URL or the content
   * @throws RemoteFetchFailedException if the server fails or the source expired
   * @throws DeadlineExceededException if the deadline passes
   */
  public RemoteResource openImage(String url) {
    RemoteResource resource = open(url);
    if (resource.mediaType().isEmpty()) {
      resource.close();
      throw new RemoteFetchRefusedException(
          Reason.NOT_AN_IMAGE,
          resource.redactedUrl(),
          "Refusing "
              + resource.redactedUrl()
              + ": its content is not a PNG, JPEG, WebP, GIF, AVIF, HEIC, BMP or TIFF image "
              + "(judged by its first bytes, not its URL or Content-Type).");
    }
    return resource;
  }

  /**
   * Opens a URL under the policy and returns its body as a stream.
   *
   * @throws IllegalArgumentException if {@code url} is null or blank
   * @throws RemoteFetchRefusedException if the policy refuses the URL
   * @throws RemoteFetchFailedException if the server fails or the source expired
   * @throws DeadlineExceededException if the deadline passes
   */
  public RemoteResource open(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank");
    }
    String trimmed = url.strip();
    if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
      return openData(trimmed);
    }
    URI current = parse(trimmed);
    long start = System.nanoTime();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      Map<String, List<InetAddress>> vetted = new ConcurrentHashMap<>();
      vetOpaquely(trimmed, current, vetted);
      OkHttpClient client =
          http.newBuilder()
              .dns(
                  host -> {
                    List<InetAddress> addresses = vetted.get(host.toLowerCase(Locale.ROOT));
                    if (addresses == null) {
                      throw new UnknownHostException("host was not vetted: " + host);
                    }
                    return addresses;
                  })
              .callTimeout(remaining(start).toMillis(), TimeUnit.MILLISECONDS)
              .build();
      Request request =
          new Request.Builder()
              .url(current.toString())
              .header("User-Agent", userAgent)
              .header("Accept", "image/*, */*;q=0.5")
              .get()
              .build();
      Call call = client.newCall(request);
      Response response;
      try {
        response = call.execute();
      } catch (InterruptedIOException e) {
        if (opaqueErrors) {
          throw unreachable(trimmed, e);
        }
        throw timeout(current, e);
      } catch (IOException e) {
        if (opaqueErrors) {
          throw unreachable(trimmed, e);
        }
        throw new RemoteFetchFailedException(
            "Could not download "
                + Redaction.url(current.toString())
                + ": "
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " (" + Redaction.url(e.getMessage()) + ")")
                + ". Check the URL and your network; this is retryable.",
            0,
            e,
            true,
            false);
      }
      int code = response.code();
      if (code >= 300 && code < 400 && code != 304) {
        String location = response.header("Location");
        response.close();
        if (location == null) {
          throw new RemoteFetchFailedException(
              Redaction.url(current.toString())
                  + " answered "
                  + code
                  + " without a Location header.",
              code,
              null,
              false,
              false);
        }
        if (hop == MAX_REDIRECTS) {
          throw new RemoteFetchRefusedException(
              Reason.TOO_MANY_REDIRECTS,
              Redaction.url(trimmed),
              "Refusing "
                  + Redaction.url(trimmed)
                  + ": more than "
                  + MAX_REDIRECTS
                  + " redirects.");
        }
        URI next;
        try {
          next = current.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new RemoteFetchRefusedException(
              Reason.MALFORMED,
              Redaction.url(location),
              "Refusing a redirect to a malformed URL " + Redaction.url(location) + ".");
        }
        LOG.debug(
            "Following redirect {} -> {}",
            Redaction.url(current.toString()),
            Redaction.url(next.toString()));
        current = parse(next.toString());
        continue;
      }
      if (code < 200 || code >= 300) {
        response.close();
        boolean expired = code == 403 || code == 404 || code == 410;
        boolean retryable = code == 408 || code == 429 || code >= 500;
        String hint =
            expired
                ? " The source is gone or expired (Replicate output URLs live about an hour): run the prediction again."
                : retryable ? " This is retryable." : "";
        throw new RemoteFetchFailedException(
            "Downloading "
                + Redaction.url(current.toString())
                + " failed with HTTP "
                + code
                + "."
                + hint,
            code,
            null,
            retryable,
            expired);
      }
      return body(current, response);
    }
    throw new IllegalStateException("unreachable");
  }

  private Duration remaining(long startNanos) {
    Duration left = deadline.minusNanos(System.nanoTime() - startNanos);
    return left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
  }

  private DeadlineExceededException timeout(URI url, IOException cause) {
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

  private RemoteResource body(URI url, Response response) {
    ResponseBody body = response.body();
    long announced = body.contentLength();
    String redacted = Redaction.url(url.toString());
    if (announced > maxBytes) {
      response.close();
      throw tooLarge(redacted);
    }
    InputStream raw = body.byteStream();
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

  private RemoteResource openData(String url) {
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

  private URI parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RemoteFetchRefusedException(
          Reason.MALFORMED,
          Redaction.url(url),
          "Refusing a malformed URL " + Redaction.url(url) + ": " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new RemoteFetchRefusedException(
          Reason.SCHEME,
          Redaction.url(url),
          "Refusing " + Redaction.url(url) + ": only http, https and data: URLs can be fetched.");
    }
    if (uri.getRawUserInfo() != null
        || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      throw new RemoteFetchRefusedException(
          Reason.CREDENTIALS,
          Redaction.url(url),
          "Refusing "
              + Redaction.url(url)
              + ": URLs with credentials are not fetched; pass a URL without user:password@.");
    }
    if (host(uri).isEmpty()) {
      throw new RemoteFetchRefusedException(
          Reason.MALFORMED,
          Redaction.url(url),
          "Refusing " + Redaction.url(url) + ": it has no host.");
    }
    return uri;
  }

  /**
   * The URL's host. {@link URI#getHost()} is null for hosts such as {@code 127.1} or {@code 0x7f.1}
   * (not RFC 2396 host names), which resolvers still accept: read them from the authority so they
   * are judged too.
   */
  private static String host(URI uri) {
    if (uri.getHost() != null) {
      return uri.getHost();
    }
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return "";
    }
    int at = authority.lastIndexOf('@');
    String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      return close > 0 ? hostPort.substring(0, close + 1) : hostPort;
    }
    int colon = hostPort.lastIndexOf(':');
    return colon >= 0 ? hostPort.substring(0, colon) : hostPort;
  }

  private void vet(URI uri, Map<String, List<InetAddress>> vetted) {
    String rawHost = host(uri);
    String host = AddressPolicyHost.normalize(rawHost);
    String redacted = Redaction.url(uri.toString());
    List<InetAddress> addresses;
    Optional<InetAddress> literal = AddressPolicy.parseIpv4Literal(host);
    if (literal.isPresent()) {
      addresses = List.of(literal.get());
    } else if (host.contains(":")) {
      try {
        addresses = List.of(InetAddress.getByName(host));
      } catch (UnknownHostException e) {
        throw new RemoteFetchRefusedException(
            Reason.MALFORMED, redacted, "Refusing " + redacted + ": invalid IPv6 address.");
      }
    } else {
      try {
        addresses = resolver.resolve(host);
      } catch (UnknownHostException e) {
        throw new RemoteFetchFailedException(
            "Cannot resolve the host of "
                + redacted
                + ". Check the URL; this is retryable if DNS is flaky.",
            0,
            e,
            true,
            false);
      }
      if (addresses.isEmpty()) {
        throw new RemoteFetchFailedException(
            "The host of " + redacted + " has no addresses.", 0, null, true, false);
      }
    }
    for (InetAddress address : addresses) {
      Optional<String> refusal = policy.refusal(host, address);
      if (refusal.isPresent()) {
        throw new RemoteFetchRefusedException(
            Reason.PRIVATE_ADDRESS,
            redacted,
            "Refusing to fetch "
                + redacted
                + ": the host resolves to "
                + refusal.get()
                + ". Allow it with "
                + "RemoteFetcher.builder().allowHost(...) if this is intended.");
      }
    }
    // OkHttp asks the Dns for the URL's host as it canonicalises it.
    List<InetAddress> list = new ArrayList<>(addresses);
    vetted.put(rawHost.toLowerCase(Locale.ROOT), list);
    vetted.put(host, list);
    try {
      vetted.put(okhttp3.HttpUrl.get(uri.toString()).host(), list);
    } catch (IllegalArgumentException ignored) {
      // OkHttp will refuse the URL itself below
    }
  }

  @Override
  public void close() {
    if (!ownsClient) {
      return;
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  @Override
  public String toString() {
    return "RemoteFetcher{maxBytes="
        + maxBytes
        + ", connectTimeout="
        + connectTimeout
        + ", readTimeout="
        + readTimeout
        + ", deadline="
        + deadline
        + ", allow="
        + allowList
        + (opaqueErrors ? ", strict" : "")
        + '}';
  }

  /** Host name normalisation: lower case, brackets off, IDN to ASCII, trailing dot off. */
  private static final class AddressPolicyHost {
    static String normalize(String host) {
      String h = host.toLowerCase(Locale.ROOT);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      if (h.endsWith(".")) {
        h = h.substring(0, h.length() - 1);
      }
      if (!h.contains(":")) {
        try {
          h = IDN.toASCII(h);
        } catch (IllegalArgumentException ignored) {
          // keep as is; resolution will fail
        }
      }
      return h;
    }
  }

  /** Resolves host names; tests substitute one to simulate DNS answers. */
  @FunctionalInterface
  public interface Resolver {
    /** All addresses of {@code host}. */
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  private static final class Resource implements RemoteResource {
    private final Optional<MediaType> type;
    private final OptionalLong length;
    private final String redactedUrl;
    private final InputStream body;
    private final Response response;

    Resource(
        Optional<MediaType> type,
        OptionalLong length,
        String redactedUrl,
        InputStream body,
        Response response) {
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

  /** Builds a {@link RemoteFetcher}. Not thread-safe. */
  public static final class Builder {
    private final List<String> allow = new ArrayList<>();
    private long maxBytes = DEFAULT_MAX_BYTES;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private Duration deadline = Duration.ofMinutes(5);
    private String userAgent = "renderlab-java";
    private Resolver resolver = host -> List.of(InetAddress.getAllByName(host));
    private boolean opaqueErrors;

    private Builder() {}

    /**
     * Exempts a host name (exact, case-insensitive), an address, or a CIDR ({@code 10.0.0.0/8},
     * {@code ::1/128}) from the private-address block: an operator setting, for the operator's own
     * sources (a provider or CDN on loopback or a private network; tests use it to reach loopback).
     * URLs that end users supply go through {@link RemoteFetcher#strict()}, which drops every
     * exemption.
     */
    public Builder allowHost(String hostOrCidr) {
      Objects.requireNonNull(hostOrCidr, "hostOrCidr");
      if (hostOrCidr.isBlank()) {
        throw new IllegalArgumentException("hostOrCidr must not be blank");
      }
      allow.add(hostOrCidr.strip());
      return this;
    }

    /** Exempts several hosts or CIDRs; see {@link #allowHost}. */
    public Builder allowHosts(List<String> hostsOrCidrs) {
      hostsOrCidrs.forEach(this::allowHost);
      return this;
    }

    /**
     * The largest body, enforced while streaming whatever {@code Content-Length} claims. Default 64
     * MiB.
     */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /** Connect timeout; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Args.positive(timeout, "connectTimeout");
      return this;
    }

    /** Longest silence while reading; default 30 s. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = Args.positive(timeout, "readTimeout");
      return this;
    }

    /** Overall deadline of one fetch, redirects and body included; default 5 min. */
    public Builder deadline(Duration deadline) {
      this.deadline = Args.positive(deadline, "deadline");
      return this;
    }

    /** The {@code User-Agent} header. */
    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /**
     * Whether failures before a response (a non-public address, an unknown host, a refused or
     * timed-out connection, a port that does not speak HTTP) all give one opaque {@link
     * RemoteFetchRefusedException} ({@link Reason#UNREACHABLE}). Off by default; always on for
     * {@link RemoteFetcher#strict()}.
     */
    public Builder opaqueErrors(boolean opaque) {
      this.opaqueErrors = opaque;
      return this;
    }

    /** The host-name resolver; the system's by default. */
    public Builder resolver(Resolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Builds the fetcher.
     *
     * @throws ConfigurationException if OkHttp ({@code com.squareup.okhttp3:okhttp-jvm}, an
     *     optional dependency of renderlab-core that renderlab-storage brings) is not on the class
     *     or module path
     */
    public RemoteFetcher build() {
      OkHttp.require(); // before the first OkHttp type is resolved: a message, not a linkage error
      return new RemoteFetcher(this);
    }
  }
}
