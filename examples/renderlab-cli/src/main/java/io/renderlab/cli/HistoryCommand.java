package io.renderlab.cli;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImagePage;
import io.renderlab.core.ImageRecord;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code history --user USER [--limit 50] [--kind generated|edited|uploaded] [--cursor CURSOR]}.
 */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "The user's images, newest first, each with its display URL (thumbnail, else full image).")
final class HistoryCommand extends CliCommand {
  @Mixin UserOption user;

  @Option(
      names = "--limit",
      defaultValue = "50",
      paramLabel = "N",
      description = "At most N images (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      description = "Only one kind: generated, edited or uploaded.")
  String kind;

  @Option(
      names = "--cursor",
      paramLabel = "CURSOR",
      description = "Continue after the page that printed this nextCursor.")
  String cursor;

  @Override
  protected int execute() {
    HistoryQuery query = HistoryQuery.of(user.user).withLimit(limit);
    if (kind != null) {
      query = query.withKind(parseKind(kind));
    }
    if (cursor != null) {
      query = query.withCursor(cursor);
    }
    ImagePage page = context.catalog().history(query);
    if (context.json()) {
      var root = Json.object();
      root.set("images", Json.records(page.images()));
      page.nextCursor().ifPresent(c -> root.put("nextCursor", c));
      context.out().println(Json.write(root));
    } else {
      printTable(page.images());
      page.nextCursor()
          .ifPresent(
              c -> context.out().println("nextCursor " + c + "  (more: add --cursor " + c + ")"));
    }
    return ExitCodes.OK;
  }

  static ImageKind parseKind(String kind) {
    try {
      return ImageKind.valueOf(kind.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--kind must be generated, edited or uploaded, was '" + kind + "'", e);
    }
  }

  private void printTable(List<ImageRecord> images) {
    if (images.isEmpty()) {
      context.out().println("No images for user " + user.user + ".");
      return;
    }
    Table.print(context.out(), images);
  }
}
