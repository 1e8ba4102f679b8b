package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.AddressPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS pinning of {@link RemoteFetcher}: a URL's host is resolved once, every address is judged
 * by the {@link AddressPolicy}, and the connection goes only to the addresses vetted (no second
 * lookup: {@link io.renderlab.core.internal.PinnedHttp} is handed the addresses, never the name).
 * Failures that tell how a host resolved are made opaque for a strict fetcher. Package-private: the
 * fetcher's implementation.
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
   *
   * @return the addresses the connection may go to
   */
  List<InetAddress> vetOpaquely(String original, URI uri) {
    try {
      return vet(uri);
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

  private List<InetAddress> vet(URI uri) {
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
    return List.copyOf(addresses);
  }
}
