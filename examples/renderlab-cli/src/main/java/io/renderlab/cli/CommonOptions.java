package io.renderlab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every command takes (docs/CLI.md, "Settings"); flags win over environment variables
 * ({@link EnvironmentDefaults}), which win over the defaults written here.
 */
final class CommonOptions {
  @Option(
      names = "--home",
      paramLabel = "DIR",
      defaultValue = Settings.DEFAULT_HOME,
      description =
          "Data folder for the embedded defaults (env RENDERLAB_HOME; default ${DEFAULT-VALUE}).")
  Path home;

  @Option(
      names = "--storage",
      paramLabel = "URL",
      description =
          "Object storage: file:///folder or s3://bucket?endpoint=…&region=…&pathStyle=true (env RENDERLAB_STORAGE).")
  String storage;

  @Option(
      names = "--public-base-url",
      paramLabel = "URL",
      description = "Public base URL of stored objects (env RENDERLAB_PUBLIC_BASE_URL).")
  String publicBaseUrl;

  @Option(
      names = "--database",
      paramLabel = "JDBC_URL",
      description =
          "Catalog database (env RENDERLAB_DATABASE_URL, with _USER and _PASSWORD; default jdbc:h2:file:<home>/catalog).")
  String database;

  @Option(
      names = "--table-prefix",
      paramLabel = "PREFIX",
      description =
          "Prefix of the catalog's table names, e.g. rl_ for rl_images, when the database has tables of its own with those names (env RENDERLAB_TABLE_PREFIX; default none).")
  String tablePrefix;

  @Option(
      names = "--table-schema",
      paramLabel = "SCHEMA",
      description =
          "Schema of the catalog's tables, created when missing (env RENDERLAB_TABLE_SCHEMA; default the connection's own).")
  String tableSchema;

  @Option(
      names = "--allow-host",
      paramLabel = "HOST_OR_CIDR",
      description =
          "Exempt a host or CIDR from the private-address block for provider outputs only (the Replicate output URLs the pipeline ingests, and ingest's URL); URLs end users send to serve (image, mask, reference) always get the strict policy. Repeatable (env RENDERLAB_ALLOW_HOSTS).")
  List<String> allowHosts = new ArrayList<>();

  @Option(
      names = "--max-bytes",
      paramLabel = "SIZE",
      defaultValue = Settings.DEFAULT_MAX_BYTES,
      description =
          "Largest download, e.g. 67108864 or 64MiB (env RENDERLAB_MAX_BYTES; default ${DEFAULT-VALUE}).")
  ByteSize maxBytes;

  @Option(
      names = "--max-pixels",
      paramLabel = "N",
      description =
          "Largest decoded image in pixels (env RENDERLAB_MAX_PIXELS; default "
              + Settings.DEFAULT_MAX_PIXELS
              + ").")
  Long maxPixels;

  @Option(names = "--json", description = "Print exactly one JSON document on stdout.")
  boolean json;

  @Option(names = "--debug", description = "Print stack traces of failures.")
  boolean debug;
}
