package io.renderlab.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/**
 * Parses {@code 10m}, {@code 30s}, {@code 1h}, {@code 500ms} or ISO-8601 ({@code PT10M}): picocli's
 * converter for every {@link Duration} option, registered once in {@link RenderLabCli}. A refused
 * duration is an invalid argument (exit 3).
 */
final class Durations implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (t.startsWith("p")) {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } else if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        d = Duration.ofSeconds(Long.parseLong(t));
      }
      if (d.isNegative() || d.isZero()) {
        throw new InvalidValueException("must be positive, was '" + text + "'", ExitCodes.REJECTED);
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new InvalidValueException(
          "must be a duration such as 30s, 10m or 1h, was '" + text + "'", ExitCodes.REJECTED);
    }
  }

  /** Parses a duration that is not an option's (an environment variable's, named {@code name}). */
  static Duration parse(String text, String name) {
    try {
      return new Durations().convert(text);
    } catch (InvalidValueException e) {
      throw new IllegalArgumentException(name + " " + e.getMessage(), e);
    }
  }
}
