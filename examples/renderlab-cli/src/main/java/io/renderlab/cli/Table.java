package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Human-readable tables of image records. */
final class Table {
  private Table() {}

  static void print(PrintStream out, List<ImageRecord> images) {
    out.printf("%-27s  %-9s  %-36s  %-24s  %s%n", "CREATED", "KIND", "ID", "NAME", "DISPLAY URL");
    for (ImageRecord r : images) {
      out.printf(
          "%-27s  %-9s  %-36s  %-24s  %s%n",
          r.createdAt().toString(),
          r.kind().name().toLowerCase(Locale.ROOT),
          r.id(),
          shorten(r.name(), 24),
          r.displayUrl());
    }
  }

  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
