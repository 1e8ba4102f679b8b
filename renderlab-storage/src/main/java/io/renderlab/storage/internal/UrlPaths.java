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

  /**
   * Percent-encodes what JavaScript's {@code encodeURI} encodes (storage-js builds signed URLs with
   * it): every character except letters, digits and {@code -_.!~*'();/?:@&=+$,#}.
   */
  public static String encodeUri(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-_.!~*'();/?:@&=+$,#".indexOf(c) >= 0) {
        sb.append((char) c);
      } else {
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }
}
