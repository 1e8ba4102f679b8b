package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.Redaction;
import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.replicate.ReplicateApiException;
import io.renderlab.thumbnails.ImageTooLargeException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** The exit codes of docs/CLI.md, and the one place failures become an {@code error:} line. */
final class ExitCodes {
  static final int OK = 0;
  static final int USAGE = 2;
  static final int REJECTED = 3;
  static final int UPSTREAM = 4;
  static final int TIMED_OUT = 5;

  private ExitCodes() {}

  /** The exit code for a failure. */
  static int of(Throwable e) {
    if (e instanceof ConfigurationException) {
      return USAGE;
    }
    if (e instanceof DeadlineExceededException) {
      return TIMED_OUT;
    }
    // Replicate's 422 names an input the model refused: the caller's argument, not an outage.
    // An existing key is the caller's choice of key, not a storage outage.
    if (e instanceof InputRejectedException
        || e instanceof IllegalArgumentException
        || e instanceof ObjectExistsException
        || e instanceof ReplicateApiException.ValidationException) {
      return REJECTED;
    }
    if (e instanceof NoSuchFileException
        || (e instanceof UncheckedIOException && e.getCause() instanceof NoSuchFileException)) {
      return REJECTED;
    }
    // Everything else (a RenderLabException of the upstream kinds, a driver's or the JDK's own
    // failure) happened beyond the user's input.
    return UPSTREAM;
  }

  /**
   * Prints one {@code error:} line (and the stack trace with {@code --debug}); returns the exit
   * code.
   */
  static int report(Throwable e, CliContext context) {
    String message = e.getMessage();
    if (e instanceof NoSuchFileException) {
      message = "no such file: " + e.getMessage();
    } else if (e instanceof UncheckedIOException && e.getCause() instanceof NoSuchFileException) {
      message = "no such file: " + e.getCause().getMessage();
    } else if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    context.err().println("error: " + Redaction.text(message + hint(e)).replace('\n', ' '));
    if (context.debug()) {
      e.printStackTrace(context.err());
    }
    return of(e);
  }

  /**
   * The CLI's own way out of a library refusal: the libraries name their builder settings, the CLI
   * names its flags and variables.
   */
  static String hint(Throwable e) {
    if (e instanceof RemoteFetchRefusedException) {
      switch (((RemoteFetchRefusedException) e).reason()) {
        case PRIVATE_ADDRESS:
          return " (renderlab: allow the host with --allow-host HOST or RENDERLAB_ALLOW_HOSTS if this is intended)";
        case TOO_LARGE:
          return " (renderlab: raise the cap with --max-bytes SIZE or RENDERLAB_MAX_BYTES if this is intended)";
        default:
          return "";
      }
    }
    if (e instanceof ImageTooLargeException
        && ((ImageTooLargeException) e).memoryNeeded().isEmpty()) {
      // Over the pixel limit; a memory-budget refusal says in its own message what would help.
      return " (renderlab: raise the limit with --max-pixels N or RENDERLAB_MAX_PIXELS if this is intended)";
    }
    if (e instanceof ObjectExistsException) {
      return " (renderlab: choose another --key, or leave --key out for a unique one)";
    }
    return "";
  }
}
