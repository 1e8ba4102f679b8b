package io.renderlab.core;

import io.renderlab.core.RemoteFetchRefusedException.Reason;
import io.renderlab.core.internal.PinnedHttp;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redirect-following of {@link RemoteFetcher}: each hop's host vetted and pinned, at most five
 * redirects, one deadline across them all, and a failed status turned into the failure a caller
 * acts on. Package-private: the fetcher's implementation.
 */
final class RedirectingFetch {
  // the fetcher's logger: these lines are the fetcher's
  private static final Logger LOG = LoggerFactory.getLogger(RemoteFetcher.class);

  private static final int MAX_REDIRECTS = 5;

  private final String userAgent;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration deadline;
  private final boolean opaqueErrors;
  private final HostVetting vetting;
  private final FetchBodies bodies;

  RedirectingFetch(
      String userAgent,
      Duration connectTimeout,
      Duration readTimeout,
      Duration deadline,
      boolean opaqueErrors,
      HostVetting vetting,
      FetchBodies bodies) {
    this.userAgent = userAgent;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.deadline = deadline;
    this.opaqueErrors = opaqueErrors;
    this.vetting = vetting;
    this.bodies = bodies;
  }

  /** Fetches {@code trimmed}, an http(s) URL, following redirects. */
  RemoteResource open(String trimmed) {
    URI current = FetchUrls.parse(trimmed);
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("User-Agent", userAgent);
    headers.put("Accept", "image/*, */*;q=0.5");
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      List<InetAddress> addresses = vetting.vetOpaquely(trimmed, current);
      PinnedHttp.Target target = target(current, addresses, deadlineNanos);
      PinnedHttp.Response response;
      try {
        response = PinnedHttp.get(target, headers);
      } catch (InterruptedIOException e) {
        if (opaqueErrors) {
          throw vetting.unreachable(trimmed, e);
        }
        throw bodies.timeout(current, e);
      } catch (IOException e) {
        if (opaqueErrors) {
          throw vetting.unreachable(trimmed, e);
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
        String location = response.header("Location").orElse(null);
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
        current = FetchUrls.parse(next.toString());
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
      return bodies.body(current, response);
    }
    throw new IllegalStateException("unreachable");
  }

  private PinnedHttp.Target target(URI url, List<InetAddress> addresses, long deadlineNanos) {
    try {
      URI ascii = new URI(url.toASCIIString());
      String path =
          ascii.getRawPath() == null || ascii.getRawPath().isEmpty() ? "/" : ascii.getRawPath();
      String query = ascii.getRawQuery() == null ? "" : "?" + ascii.getRawQuery();
      return new PinnedHttp.Target(
          ascii.getScheme().toLowerCase(java.util.Locale.ROOT),
          FetchUrls.normalizeHost(FetchUrls.host(ascii)),
          FetchUrls.port(ascii),
          path + query,
          addresses,
          connectTimeout,
          readTimeout,
          deadlineNanos);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new RemoteFetchRefusedException(
          Reason.MALFORMED,
          Redaction.url(url.toString()),
          "Refusing a malformed URL " + Redaction.url(url.toString()) + ".");
    }
  }
}
