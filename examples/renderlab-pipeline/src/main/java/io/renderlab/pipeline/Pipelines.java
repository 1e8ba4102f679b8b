package io.renderlab.pipeline;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** Argument checks of the pipeline's requests. */
final class Pipelines {
  private Pipelines() {}

  static String requireHttpUrl(String url, String name) {
    Objects.requireNonNull(url, name);
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException(name + " must hold http(s) URLs the model can fetch");
      }
      if (url.length() > 2048) {
        throw new IllegalArgumentException(name + " URLs must be at most 2048 characters");
      }
      return url;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " holds an invalid URL: " + e.getReason(), e);
    }
  }

  static Duration requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
    return d;
  }
}
