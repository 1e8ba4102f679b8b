package io.renderlab.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * The base of every command: the shared options of {@code docs/CLI.md}, and the context that turns
 * them into configured SDK clients.
 */
abstract class CliCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  /** Set by the CLI's factory before the command runs. */
  CliContext context;

  @Override
  public final Integer call() throws Exception {
    context.use(options);
    return execute();
  }

  /**
   * Does the command's work and returns its exit code; exceptions are mapped by {@link ExitCodes}.
   */
  protected abstract int execute() throws Exception;

  /** The resolved settings (flags, then environment, then defaults). */
  protected Settings settings() {
    return context.settings();
  }
}
