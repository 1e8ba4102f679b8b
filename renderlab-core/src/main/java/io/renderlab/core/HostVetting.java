package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.AddressPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import okhttp3.Dns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS pinning of {@link RemoteFetcher}: a URL's host is resolved once, every address is judged
 * by the {@link AddressPolicy}, and the connection may go only to the addresses vetted (no second
 * lookup). Failures that tell how a host resolved are made opaque for a strict fetcher.
 * Package-private: the fetcher's implementation.
 */
final class HostVetting {
  // the fetcher's logger: these lines are the fetcher's
  private static final Logger LOG = LoggerFactory.getLogger(RemoteFetcher.class);

  private final AddressPolicy policy;
  private final RemoteFetcher.Resolver resolver;
  private final boolean opaqueErrors;

  HostVetting(AddressPolicy policy, RemoteFetcher.Resolver resolver, boolean opaqueErrors) {
    this.policy = policy;
    this.resolver = resolver;
    this.opaqueErrors = opaqueErrors;
  }

  /**
   * {@link #vet}, with the failures that tell how a host resolved made opaque when they must be.
   */
  void vetOpaquely(String original, URI uri, Map<String, List<InetAddress>> vetted) {
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
  RemoteFetchRefusedException unreachable(String original, Exception cause) {
    String redacted = Redaction.url(original);
    LOG.debug("Refusing the user URL {}: {}", redacted, cause.toString());
    return new RemoteFetchRefusedException(
        Reason.UNREACHABLE,
        redacted,
        "Refusing "
            + redacted
            + ": this server fetches only public http(s) URLs that answer. Give a publicly reachable URL of the image.");
  }

  private void vet(URI uri, Map<String, List<InetAddress>> vetted) {
    String rawHost = FetchUrls.host(uri);
    String host = FetchUrls.normalizeHost(rawHost);
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

  /** A {@link Dns} that answers only with the addresses {@code vetted} holds for a host. */
  static Dns pinned(Map<String, List<InetAddress>> vetted) {
    return host -> {
      List<InetAddress> addresses = vetted.get(host.toLowerCase(Locale.ROOT));
      if (addresses == null) {
        throw new UnknownHostException("host was not vetted: " + host);
      }
      return addresses;
    };
  }
}
