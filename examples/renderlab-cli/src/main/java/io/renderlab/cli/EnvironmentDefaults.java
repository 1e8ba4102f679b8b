package io.renderlab.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The environment variables that stand in for flags (docs/CLI.md, "Settings"): picocli's default
 * value provider, so a flag beats its variable, the variable beats the option's own default, and
 * {@code --help} shows the value in effect. A blank variable counts as unset.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
  /** Each flag with a variable, by the flag's name. */
  static final Map<String, String> VARIABLES =
      Map.of(
          "--home", "RENDERLAB_HOME",
          "--storage", "RENDERLAB_STORAGE",
          "--public-base-url", "RENDERLAB_PUBLIC_BASE_URL",
          "--database", "RENDERLAB_DATABASE_URL",
          "--table-prefix", "RENDERLAB_TABLE_PREFIX",
          "--table-schema", "RENDERLAB_TABLE_SCHEMA",
          "--max-bytes", "RENDERLAB_MAX_BYTES",
          "--public-url", "RENDERLAB_SERVER_URL",
          "--supabase-url", "RENDERLAB_SUPABASE_URL",
          "--models", "RENDERLAB_MODELS");

  private final Map<String, String> env;

  EnvironmentDefaults(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec)) {
      return null;
    }
    String variable = VARIABLES.get(((OptionSpec) argument).longestName());
    String value = variable == null ? null : env.get(variable);
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** The shared options as an empty command line gives them: defaults and variables only. */
  static CommonOptions commonOptions(Map<String, String> env) {
    CommonOptions options = new CommonOptions();
    CommandLine cli = new CommandLine(options);
    cli.registerConverter(ByteSize.class, new ByteSize.Converter());
    cli.setDefaultValueProvider(new EnvironmentDefaults(env));
    try {
      cli.parseArgs();
    } catch (CommandLine.ParameterException e) {
      // A variable picocli cannot convert: the command's own parse reports it; until then, none.
      return new CommonOptions();
    }
    return options;
  }
}
