package io.renderlab.cli;

import io.renderlab.core.ImageRecord;
import java.util.List;

/** Prints image records as the contract says: the record in JSON, or a table. */
final class Output {
  private Output() {}

  static void record(CliContext context, ImageRecord record) {
    if (context.json()) {
      context.out().println(Json.write(Json.record(record)));
    } else {
      Table.print(context.out(), List.of(record));
    }
  }

  /** One record as itself; several as {"images": [...]}. */
  static void records(CliContext context, List<ImageRecord> records) {
    if (records.size() == 1) {
      record(context, records.get(0));
    } else if (context.json()) {
      var root = Json.object();
      root.set("images", Json.records(records));
      context.out().println(Json.write(root));
    } else {
      Table.print(context.out(), records);
    }
  }
}
