package io.renderlab.core;

import java.util.Objects;

/** Validation of object keys, shared by every {@link ImageStore}. */
public final class ObjectKeys {
  /** The longest key. */
  public static final int MAX_LENGTH = 1024;

  private ObjectKeys() {}

  /**
   * Returns {@code key} if it is a safe object key.
   *
   * @throws IllegalArgumentException naming the problem: blank, too long, a leading {@code /}, a
   *     backslash, a {@code .} or {@code ..} segment, an empty segment, or a control character
   */
  public static String validate(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isBlank()) {
      throw new IllegalArgumentException("key must not be blank");
    }
    if (key.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "key must be at most " + MAX_LENGTH + " characters, was " + key.length());
    }
    if (key.startsWith("/")) {
      throw new IllegalArgumentException("key must not start with '/': " + key);
    }
    if (key.indexOf('\\') >= 0) {
      throw new IllegalArgumentException("key must not contain a backslash");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw new IllegalArgumentException("key must not contain control characters");
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "key must not contain empty, '.' or '..' segments: " + key);
      }
    }
    return key;
  }
}
