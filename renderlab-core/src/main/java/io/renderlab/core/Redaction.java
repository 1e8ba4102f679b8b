package io.renderlab.core;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Makes URLs and secrets safe to print. Every SDK message, log line and {@code toString()} that
 * mentions a URL passes it through {@link #url(String)} first.
 */
public final class Redaction {
  private static final int MAX_PRINTED = 200;

  private Redaction() {}

  /**
   * A URL with its user info, query string and fragment replaced by {@code …}, and long values
   * shortened: {@code https://user:pw@host/a.png?token=x} becomes {@code https://…@host/a.png?…}.
   * {@code data:} URLs are reduced to their media type. Never throws.
   *
   * @param url any string, possibly not a URL at all, possibly {@code null}
   */
  public static String url(String url) {
    if (url == null) {
      return "null";
    }
    String trimmed = url.strip();
    if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
      int end = trimmed.indexOf(',');
      String head = end < 0 ? trimmed : trimmed.substring(0, end);
      return shorten(head.replace(";base64", "")) + ",…";
    }
    try {
      URI uri = new URI(trimmed);
      if (uri.isOpaque() && uri.getSchemeSpecificPart().contains("://")) {
        // A URL inside a scheme (jdbc:postgresql://user:pass@host/db): redacted as a URL.
        int colon = trimmed.indexOf(':');
        return trimmed.substring(0, colon + 1) + url(trimmed.substring(colon + 1));
      }
      if (uri.getScheme() == null || uri.isOpaque()) {
        return shorten(stripAfter(trimmed));
      }
      StringBuilder sb = new StringBuilder();
      sb.append(uri.getScheme()).append("://");
      if (uri.getRawUserInfo() != null) {
        sb.append("…@");
      }
      if (uri.getHost() != null) {
        sb.append(uri.getHost());
      } else if (uri.getRawAuthority() != null) {
        String authority = uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        sb.append(at >= 0 ? authority.substring(at + 1) : authority);
      }
      if (uri.getPort() != -1) {
        sb.append(':').append(uri.getPort());
      }
      if (uri.getRawPath() != null) {
        sb.append(uri.getRawPath());
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        sb.append("?…");
      }
      return shorten(sb.toString());
    } catch (URISyntaxException e) {
      return shorten(stripAfter(trimmed));
    }
  }

  /**
   * Free text (an error message from a driver or a server, say) with every secret-shaped part
   * replaced by {@code …}: Replicate tokens ({@code r8_…}), webhook secrets ({@code whsec_…}),
   * JWTs, AWS access key ids, {@code Bearer}/{@code Token} credentials, query strings of URLs, and
   * {@code password=}, {@code token=}, {@code secret=}, {@code key=}, {@code signature=} values.
   * The last line of defence before a message is printed; never throws.
   *
   * @param text any text, possibly {@code null}
   */
  public static String text(String text) {
    if (text == null) {
      return "null";
    }
    String out = text;
    for (int i = 0; i < SECRET_SHAPES.length; i++) {
      out = SECRET_SHAPES[i].matcher(out).replaceAll(SECRET_REPLACEMENTS[i]);
    }
    return out;
  }

  private static final java.util.regex.Pattern[] SECRET_SHAPES = {
    java.util.regex.Pattern.compile("\\b(r8|whsec)_[A-Za-z0-9+/=_-]{6,}"),
    java.util.regex.Pattern.compile(
        "\\beyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}(\\.[A-Za-z0-9_-]*)?"),
    java.util.regex.Pattern.compile("\\b(AKIA|ASIA)[0-9A-Z]{16}\\b"),
    java.util.regex.Pattern.compile("(?i)\\b(Bearer|Token|Basic)\\s+[A-Za-z0-9._~+/=-]{6,}"),
    java.util.regex.Pattern.compile(
        "(?i)\\b(password|passwd|pwd|token|secret|key|signature|sig|credential)=[^&\\s;,]+"),
    java.util.regex.Pattern.compile("(?i)\\b((?:https?|s3|jdbc:[a-z]+)://[^\\s?#]*)\\?[^\\s]*"),
  };

  private static final String[] SECRET_REPLACEMENTS = {"…", "…", "…", "$1 …", "$1=…", "$1?…"};

  /** A secret's stand-in for {@code toString()}: {@code "****"} whatever the secret is. */
  public static String secret(String secret) {
    return secret == null ? "null" : "****";
  }

  private static String stripAfter(String s) {
    int at = s.indexOf('@');
    if (at >= 0) {
      s = "…@" + s.substring(at + 1);
    }
    int q = s.indexOf('?');
    if (q >= 0) {
      s = s.substring(0, q) + "?…";
    }
    int hash = s.indexOf('#');
    if (hash >= 0) {
      s = s.substring(0, hash) + "#…";
    }
    return s;
  }

  private static String shorten(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_PRINTED + 1));
    for (int i = 0; i < s.length() && sb.length() < MAX_PRINTED; i++) {
      char c = s.charAt(i);
      sb.append(Character.isISOControl(c) ? '?' : c);
    }
    if (s.length() > MAX_PRINTED) {
      sb.append('…');
    }
    return sb.toString();
  }
}
