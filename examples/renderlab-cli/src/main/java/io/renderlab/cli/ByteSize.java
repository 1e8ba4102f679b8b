package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/**
 * A size in bytes, written {@code 1048576}, {@code 64MiB}, {@code 10MB} or {@code 512k}; the type
 * of every size option, converted by {@link Converter} (registered once in {@link RenderLabCli}). A
 * refused size is a bad setting (exit 2).
 */
record ByteSize(long bytes) {
  private static final String[][] UNITS = {
    {"kib", "1024"},
    {"mib", "1048576"},
    {"gib", "1073741824"},
    {"kb", "1000"},
    {"mb", "1000000"},
    {"gb", "1000000000"},
    {"k", "1024"},
    {"m", "1048576"},
    {"g", "1073741824"},
    {"b", "1"}
  };

  /** Picocli's converter for {@link ByteSize} options. */
  static final class Converter implements ITypeConverter<ByteSize> {
    @Override
    public ByteSize convert(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
      long unit = 1;
      for (String[] u : UNITS) {
        if (t.endsWith(u[0])) {
          unit = Long.parseLong(u[1]);
          t = t.substring(0, t.length() - u[0].length());
          break;
        }
      }
      long value;
      try {
        value = Long.parseLong(t.strip());
      } catch (NumberFormatException e) {
        throw new InvalidValueException("must be a whole number, was '" + t + "'", ExitCodes.USAGE);
      }
      if (value < 1 || value > Long.MAX_VALUE / unit) {
        throw new InvalidValueException(
            "must be a positive size such as 67108864 or 64MiB, was " + text, ExitCodes.USAGE);
      }
      return new ByteSize(value * unit);
    }
  }

  /**
   * Parses a size that is not an option's (an environment variable's, or a flag's special form).
   */
  static ByteSize parse(String text, String name) {
    try {
      return new Converter().convert(text);
    } catch (InvalidValueException e) {
      throw new ConfigurationException(name + " " + e.getMessage(), e);
    }
  }
}
