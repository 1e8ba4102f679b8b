package io.renderlab.cli;

import io.renderlab.core.StoredObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ingest URL [--key KEY] [--user USER]}. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Downloads URL under the fetch policy and streams it into the storage; never overwrites. Prints the permanent URL.")
final class IngestCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "URL", description = "An http(s) or data: URL to download.")
  String url;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "The object key (default <user>/<unique name>.<sniffed extension>).")
  String key;

  @Option(
      names = "--user",
      paramLabel = "USER",
      defaultValue = "anonymous",
      description = "The owner (default ${DEFAULT-VALUE}).")
  String user;

  @Override
  protected int execute() {
    StoredObject stored =
        key != null
            ? context.ingestor().ingestTo(url, key)
            : context.ingestor().ingest(url, user, "ingested");
    if (context.json()) {
      context
          .out()
          .println(
              Json.write(
                  Json.object()
                      .put("url", stored.url())
                      .put("key", stored.key())
                      .put("contentType", stored.contentType())
                      .put("bytes", stored.bytes())
                      .put("sha256", stored.sha256())));
    } else {
      context.out().println(stored.url());
    }
    return ExitCodes.OK;
  }
}
