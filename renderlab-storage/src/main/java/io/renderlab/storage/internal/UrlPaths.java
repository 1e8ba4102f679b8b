package io.renderlab.storage.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Percent-encoding of object keys in URL paths. Not public API. */
public final class UrlPaths {
  private UrlPaths() {}

  /** Encodes each segment of {@code key}, keeping the slashes. */
  public static String encode(String key) {
    StringBuilder sb = new StringBuilder();
    for (String segment : key.split("/", -1)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }
}
