package io.renderlab.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Browser-facing protections.
 *
 * <p>Every response: {@code X-Content-Type-Options: nosniff}, {@code Referrer-Policy: no-referrer},
 * {@code X-Frame-Options: DENY} and a Content-Security-Policy with {@code frame-ancestors 'none'}.
 * The gallery page's policy allows only its own inline script and style (by SHA-256 hash, computed
 * from the page at start), same-origin requests and images from http(s) (the store's public URLs),
 * so an injected script cannot run and read the token the page keeps in {@code localStorage}.
 *
 * <p>Dev-user mode serves without tokens, so a browser is the only gate: requests must name a
 * loopback host ({@code Host}, against DNS rebinding), and a request from a page (an {@code Origin}
 * header, or {@code Sec-Fetch-Site}) must come from this server's own origin; otherwise 403 before
 * anything is read.
 */
final class SecurityHeaders {
  static final String API_POLICY =
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  private static final Pattern INLINE =
      Pattern.compile("<(script|style)>(.*?)</\\1>", Pattern.DOTALL);

  private final String galleryPolicy;

  private SecurityHeaders(String galleryPolicy) {
    this.galleryPolicy = galleryPolicy;
  }

  /** Reads the gallery page once and computes its policy. */
  static SecurityHeaders forGallery() {
    try (InputStream in = RenderLabServer.class.getResourceAsStream("web/index.html")) {
      return new SecurityHeaders(
          galleryPolicy(
              new String(
                  Objects.requireNonNull(in, "web/index.html").readAllBytes(),
                  StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the gallery page", e);
    }
  }

  /** The gallery's policy: its inline blocks by hash, nothing else inline. */
  static String galleryPolicy(String html) {
    List<String> scripts = new ArrayList<>();
    List<String> styles = new ArrayList<>();
    Matcher m = INLINE.matcher(html);
    while (m.find()) {
      (m.group(1).equals("script") ? scripts : styles).add("'sha256-" + sha256(m.group(2)) + "'");
    }
    return "default-src 'none'; script-src "
        + String.join(" ", scripts)
        + "; style-src "
        + String.join(" ", styles)
        + "; img-src 'self' https: http: data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  }

  private static String sha256(String text) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sets the headers of every response (the gallery's policy on {@code /}). */
  void apply(Context ctx) {
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Content-Security-Policy", ctx.path().equals("/") ? galleryPolicy : API_POLICY);
  }

  /**
   * Dev-user mode: refuses (403) a request for a non-loopback host name, or one sent by a page of
   * another origin.
   */
  static void checkLocalRequest(Context ctx) {
    String host = ctx.header("Host");
    if (host == null || !isLoopbackName(hostName(host))) {
      throw new ApiError(
          403,
          "dev-user mode answers only requests addressed to a loopback host (127.0.0.1 or localhost)");
    }
    String origin = ctx.header("Origin");
    int port = ctx.req().getLocalPort();
    if (origin != null && !isOwnOrigin(origin, port)) {
      throw new ApiError(403, "dev-user mode refuses requests from pages of another origin");
    }
    String site = ctx.header("Sec-Fetch-Site");
    if (origin == null
        && site != null
        && !site.equalsIgnoreCase("same-origin")
        && !site.equalsIgnoreCase("none")
        && !isSafe(ctx.method().name())) {
      throw new ApiError(403, "dev-user mode refuses requests from pages of another origin");
    }
  }

  private static boolean isSafe(String method) {
    return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
  }

  private static boolean isOwnOrigin(String origin, int port) {
    try {
      URI uri = new URI(origin.strip());
      int p =
          uri.getPort() == -1
              ? ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80)
              : uri.getPort();
      return "http".equalsIgnoreCase(uri.getScheme())
          && uri.getHost() != null
          && isLoopbackName(uri.getHost())
          && p == port
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty());
    } catch (URISyntaxException e) {
      return false; // includes "null", sent by sandboxed frames and file: pages
    }
  }

  private static String hostName(String hostHeader) {
    String h = hostHeader.strip();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(1, end);
    }
    int colon = h.lastIndexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  /** A loopback literal or {@code localhost}; never resolves a name. */
  static boolean isLoopbackName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+") && !(h.contains(":") && h.matches("[0-9a-f:.]+"))) {
      return false; // only literals below, so no lookup happens
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }
}
