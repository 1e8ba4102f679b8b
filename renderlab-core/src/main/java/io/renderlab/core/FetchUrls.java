package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The URL checks of {@link RemoteFetcher}: the schemes it fetches, no credentials, a host, and the
 * host read and normalised the way resolvers read it. Package-private: the fetcher's
 * implementation.
 */
final class FetchUrls {
  private FetchUrls() {}

  static URI parse(String url) {
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
  static String host(URI uri) {
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

  /**
   * The URL's port, or its scheme's default. Read from the authority when {@link URI#getPort()}
   * cannot tell (a host {@link URI#getHost()} does not parse, such as {@code 127.1:8080}).
   *
   * @throws IllegalArgumentException if the port is not a number from 1 to 65535
   */
  static int port(URI uri) {
    int port = uri.getPort();
    if (port == -1 && uri.getHost() == null && uri.getRawAuthority() != null) {
      String authority = uri.getRawAuthority();
      String afterHost = authority.substring(authority.lastIndexOf('@') + 1);
      int close = afterHost.lastIndexOf(']');
      int colon = afterHost.lastIndexOf(':');
      if (colon > close && colon < afterHost.length() - 1) {
        try {
          port = Integer.parseInt(afterHost.substring(colon + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("invalid port");
        }
      }
    }
    if (port == -1) {
      return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid port");
    }
    return port;
  }

  /** Host name normalisation: lower case, brackets off, IDN to ASCII, trailing dot off. */
  static String normalizeHost(String host) {
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
