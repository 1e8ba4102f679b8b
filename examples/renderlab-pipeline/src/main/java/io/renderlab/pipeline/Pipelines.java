package io.renderlab.pipeline;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Argument checks of the pipeline's requests, made before any paid prediction starts. The limits
 * are the catalog's ({@link io.renderlab.core.ImageRecord}'s constants).
 */
final class Pipelines {
  private Pipelines() {}

  /**
   * Non-blank text of at most {@code max} characters; {@code singleLine} also refuses control
   * characters.
   */
  static String requireText(String value, String name, int max, boolean singleLine) {
    Objects.requireNonNull(value, name);
    if (value.isBlank() || value.length() > max) {
      throw new IllegalArgumentException(
          name + " must hold 1 to " + max + " characters, had " + value.length());
    }
    if (singleLine && value.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(name + " must not contain control characters");
    }
    return value;
  }

  /**
   * An absolute URL (any scheme: {@code https:}, {@code data:}, {@code file:}) of at most {@code
   * max} characters.
   */
  static String requireAbsoluteUrl(String url, String name, int max) {
    requireText(url, name, max, true);
    try {
      if (!new URI(url).isAbsolute()) {
        throw new IllegalArgumentException(
            name + " must be an absolute URL (with a scheme such as https:)");
      }
      return url;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a valid URL: " + e.getReason(), e);
    }
  }

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
