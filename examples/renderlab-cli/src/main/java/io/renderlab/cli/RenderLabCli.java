package io.renderlab.cli;

import io.renderlab.core.Redaction;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code renderlab} command: the SDK's modules composed into the RenderLab pipeline. Every
 * name, flag, output and exit code follows {@code docs/CLI.md}.
 *
 * <p>{@link #run} is the in-process entry point tests use: it takes the environment and the output
 * streams instead of reading the process's own.
 */
@Command(
    name = "renderlab",
    mixinStandardHelpOptions = true,
    versionProvider = RenderLabCli.Version.class,
    description =
        "RenderLab pipeline: predictions, permanent storage, image records and thumbnails.",
    subcommands = {
      ThumbnailCommand.class,
      BenchCommand.class,
      IngestCommand.class,
      UploadCommand.class,
      PredictCommand.class,
      GenerateCommand.class,
      EditCommand.class,
      CollectionCommand.class,
      HistoryCommand.class,
      GenerationsCommand.class,
      LineageCommand.class,
      ThumbnailsCommand.class,
      ServeCommand.class,
      DemoCommand.class,
    })
public final class RenderLabCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the CLI with the process's environment and exits with its code. */
  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.err);
    System.exit(code);
  }

  /**
   * Runs the CLI in-process.
   *
   * @param args the command line
   * @param env the environment variables to read settings from
   * @param out where results go (with {@code --json}, exactly one JSON document)
   * @param err where errors, logs and progress go
   * @return the exit code of {@code docs/CLI.md}
   */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    CliContext context = new CliContext(env, out, err);
    CommandLine cli = new CommandLine(new RenderLabCli(), new ContextFactory(context));
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cli.setDefaultValueProvider(new EnvironmentDefaults(env));
    cli.registerConverter(Duration.class, new Durations());
    cli.registerConverter(ByteSize.class, new ByteSize.Converter());
    cli.setParameterExceptionHandler(
        (ex, argv) -> {
          if (ex.getCause() instanceof InvalidValueException
              && ex.getArgSpec() instanceof OptionSpec) {
            // One of our converters: the same line and exit code as any refused setting.
            InvalidValueException invalid = (InvalidValueException) ex.getCause();
            String name = ((OptionSpec) ex.getArgSpec()).longestName();
            err.println("error: " + Redaction.text(name + " " + invalid.getMessage()));
            return invalid.exitCode();
          }
          err.println("error: " + ex.getMessage() + " (see --help)");
          if (ex.getCommandLine() == cli) {
            cli.usage(err); // an unknown command: show the ones there are
          }
          return ExitCodes.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> ExitCodes.report(ex, context));
    try {
      if (args.length == 0 || args[0].equals("help")) {
        // Not a command: the usage, on stderr, as a usage error (scripts must not mistake it for
        // work done).
        err.println(
            "error: "
                + (args.length == 0 ? "no command given" : "'help' is not a command; use --help")
                + ".");
        cli.usage(err);
        return ExitCodes.USAGE;
      }
      return cli.execute(args);
    } finally {
      context.close();
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version the build wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"renderlab " + version()};
    }

    static String version() {
      Properties p = new Properties();
      try (InputStream in = RenderLabCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        return "unknown";
      }
      return p.getProperty("version", "unknown");
    }
  }

  /** Creates commands and hands each the shared context. */
  private static final class ContextFactory implements CommandLine.IFactory {
    private final CliContext context;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    ContextFactory(CliContext context) {
      this.context = context;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      K made = fallback.create(type);
      if (made instanceof CliCommand) {
        ((CliCommand) made).context = context;
      }
      return made;
    }
  }
}
