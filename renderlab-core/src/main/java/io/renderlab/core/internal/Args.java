package io.renderlab.core.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the SDK's modules. Not public API. */
public final class Args {
  private Args() {}

  /** Refuses null, blank, over-long, or control-character text; returns it unchanged. */
  public static String text(String value, String name, int maxLength) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(
          name + " must be at most " + maxLength + " characters, was " + value.length());
    }
    return value;
  }

  /** Like {@link #text} and also refuses control characters (for identifiers and names). */
  public static String identifier(String value, String name, int maxLength) {
    text(value, name, maxLength);
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(name + " must not contain control characters");
      }
    }
    return value;
  }

  /**
   * Refuses anything but an absolute URL (with a scheme) of at most {@code maxLength} characters.
   */
  public static String absoluteUrl(String value, String name, int maxLength) {
    identifier(value, name, maxLength);
    try {
      URI uri = new URI(value);
      if (!uri.isAbsolute()) {
        throw new IllegalArgumentException(
            name + " must be an absolute URL (with a scheme such as https:)");
      }
      if (!uri.isOpaque()
          && (uri.getRawSchemeSpecificPart() == null || uri.getRawSchemeSpecificPart().isEmpty())) {
        throw new IllegalArgumentException(name + " must be an absolute URL");
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a valid URL: " + e.getReason(), e);
    }
    return value;
  }

  /** Refuses a null, zero or negative duration; returns it unchanged. */
  public static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    return value;
  }

  /** Refuses a number outside {@code [min, max]}. */
  public static int range(int value, String name, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }
}
