package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.AddressPolicy;
import io.renderlab.core.internal.Args;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Fetches remote URLs for the server side safely: only {@code http}, {@code https} and {@code
 * data:}; never to loopback, private, link-local, unspecified, multicast or CGNAT addresses
 * (however the address is spelled, and through every redirect); only to the addresses it vetted (no
 * second DNS lookup); within a byte cap, a connect and idle-read timeout and an overall deadline.
 * The content type comes from the first bytes.
 *
 * <p>Immutable and thread-safe; build one per application and share it. It needs no dependency: it
 * speaks HTTP/1.1 on JDK sockets, connecting only to the addresses it vetted, one connection per
 * fetch (closed with the {@link RemoteResource}).
 *
 * <pre>{@code
 * RemoteFetcher fetcher = RemoteFetcher.builder().maxBytes(64L << 20).build();
 * try (RemoteResource image = fetcher.openImage("https://replicate.delivery/pbxt/abc.png")) {
 *   store.put(key, image.body(), image.mediaType().get());
 * }
 * }</pre>
 */
public final class RemoteFetcher implements AutoCloseable {
  /** The default byte cap: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

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

  private final HostVetting vetting;
  private final FetchBodies bodies;
  private final RedirectingFetch redirects;

  private RemoteFetcher(Builder b) {
    this.opaqueErrors = b.opaqueErrors;
    this.allowList = List.copyOf(b.allow);
    this.policy = new AddressPolicy(allowList);
    this.maxBytes = b.maxBytes;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.deadline = b.deadline;
    this.userAgent = b.userAgent;
    this.resolver = b.resolver;
    this.vetting = new HostVetting(policy, resolver, opaqueErrors);
    this.bodies = new FetchBodies(maxBytes, connectTimeout, readTimeout, deadline);
    this.redirects =
        new RedirectingFetch(
            userAgent, connectTimeout, readTimeout, deadline, opaqueErrors, vetting, bodies);
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
    this.opaqueErrors = true;
    this.vetting = new HostVetting(policy, resolver, opaqueErrors);
    this.bodies = base.bodies;
    this.redirects =
        new RedirectingFetch(
            userAgent, connectTimeout, readTimeout, deadline, opaqueErrors, vetting, bodies);
  }

  /**
   * The strict policy, for URLs that end users supply (a server's image, mask and reference URLs):
   * this fetcher's limits, but none of its {@link Builder#allowHost} exemptions (those are for the
   * operator's own sources, such as a provider on loopback), and errors that do not tell how a host
   * resolved or whether a port is open: a non-public address, an unknown host, a refused or
   * timed-out connection and a port that does not speak HTTP all fail with one {@link
   * RemoteFetchRefusedException} ({@link Reason#UNREACHABLE}) and one message.
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
    URI uri = FetchUrls.parse(trimmed);
    String rawHost = FetchUrls.host(uri);
    String host = FetchUrls.normalizeHost(rawHost);
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
        throw opaqueErrors ? vetting.unreachable(trimmed, refused) : refused;
      }
    }
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
      return bodies.openData(trimmed);
    }
    return redirects.open(trimmed);
  }

  /**
   * Does nothing today: every fetch opens its own connection and closes it with its {@link
   * RemoteResource}, and the fetcher owns no thread. Kept so that a fetcher can be used in
   * try-with-resources and may own resources later.
   */
  @Override
  public void close() {}

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

  /** Resolves host names; tests substitute one to simulate DNS answers. */
  @FunctionalInterface
  public interface Resolver {
    /** All addresses of {@code host}. */
    List<InetAddress> resolve(String host) throws UnknownHostException;
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

    /** Builds the fetcher. */
    public RemoteFetcher build() {
      return new RemoteFetcher(this);
    }
  }
}
