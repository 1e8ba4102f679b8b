package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.Redaction;
import io.renderlab.core.TableNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's settings, resolved once per run: flags win over environment variables, which win over
 * defaults (docs/CLI.md, "Settings"). {@code toString()} never shows the token or the database
 * password.
 */
final class Settings {
  static final String DEFAULT_HOME = "./renderlab-data";
  static final String DEFAULT_MAX_BYTES = "64MiB";
  static final long DEFAULT_MAX_PIXELS = 268_402_689L;
  static final String DEFAULT_REPLICATE_BASE_URL = "https://api.replicate.com/v1";

  final Path home;
  final String storageUrl;
  final Optional<String> publicBaseUrl;
  final String databaseUrl;
  final Optional<String> databaseUser;
  final Optional<String> databasePassword;
  final TableNames tableNames;
  final Optional<String> replicateToken;
  final String replicateBaseUrl;
  final List<String> allowHosts;
  final long maxBytes;
  final long maxPixels;

  private Settings(CommonOptions o, Map<String, String> env) {
    this.home = (o.home != null ? o.home : Path.of(DEFAULT_HOME)).toAbsolutePath().normalize();
    this.storageUrl =
        Optional.ofNullable(o.storage).orElse(home.resolve("objects").toUri().toString());
    this.publicBaseUrl = Optional.ofNullable(o.publicBaseUrl);
    this.databaseUrl =
        Optional.ofNullable(o.database).orElse("jdbc:h2:file:" + home.resolve("catalog"));
    this.databaseUser =
        env(env, "RENDERLAB_DATABASE_USER").or(() -> env(env, "RENDERLAB_DATABASE_URL_USER"));
    this.databasePassword =
        env(env, "RENDERLAB_DATABASE_PASSWORD")
            .or(() -> env(env, "RENDERLAB_DATABASE_URL_PASSWORD"));
    try {
      this.tableNames =
          TableNames.builder()
              .prefix(o.tablePrefix == null ? "" : o.tablePrefix.strip())
              .schema(o.tableSchema == null ? "" : o.tableSchema.strip())
              .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "--table-prefix or --table-schema is not usable: " + e.getMessage());
    }
    this.replicateToken = env(env, "REPLICATE_API_TOKEN");
    this.replicateBaseUrl = env(env, "REPLICATE_BASE_URL").orElse(DEFAULT_REPLICATE_BASE_URL);
    List<String> hosts = new ArrayList<>(o.allowHosts);
    if (hosts.isEmpty()) {
      env(env, "RENDERLAB_ALLOW_HOSTS")
          .ifPresent(
              v -> {
                for (String h : v.split(",")) {
                  if (!h.isBlank()) {
                    hosts.add(h.strip());
                  }
                }
              });
    }
    this.allowHosts = List.copyOf(hosts);
    this.maxBytes =
        Optional.ofNullable(o.maxBytes)
            .orElseGet(() -> ByteSize.parse(DEFAULT_MAX_BYTES, "--max-bytes"))
            .bytes();
    this.maxPixels =
        Optional.ofNullable(o.maxPixels)
            .or(
                () ->
                    env(env, "RENDERLAB_MAX_PIXELS").map(v -> parseLong(v, "RENDERLAB_MAX_PIXELS")))
            .orElse(DEFAULT_MAX_PIXELS);
    if (maxPixels < 1) {
      throw new ConfigurationException("--max-pixels must be at least 1, was " + maxPixels);
    }
  }

  /**
   * The settings of {@code options} as picocli filled them (flags, then the variables of {@link
   * EnvironmentDefaults}, then defaults), and of the variables that have no flag.
   */
  static Settings resolve(CommonOptions options, Map<String, String> env) {
    return new Settings(options, env);
  }

  /** The Replicate token, or a configuration error that says how to set it. */
  String requireReplicateToken() {
    return replicateToken.orElseThrow(
        () ->
            new ConfigurationException(
                "REPLICATE_API_TOKEN is not set. Create a token at replicate.com/account/api-tokens and run "
                    + "`export REPLICATE_API_TOKEN=r8_...` before this command."));
  }

  private static Optional<String> env(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  private static long parseLong(String text, String name) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ConfigurationException(name + " must be a whole number, was '" + text + "'");
    }
  }

  @Override
  public String toString() {
    return "Settings{home="
        + home
        + ", storage="
        + Redaction.url(storageUrl)
        + ", database="
        + Redaction.url(databaseUrl)
        + ", tables="
        + tableNames
        + ", replicateToken="
        + replicateToken.map(Redaction::secret).orElse("unset")
        + ", allowHosts="
        + allowHosts
        + ", maxBytes="
        + maxBytes
        + ", maxPixels="
        + maxPixels
        + '}';
  }
}
