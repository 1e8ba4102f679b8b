package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.Redaction;
import io.renderlab.replicate.ReplicateApiException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** The exit codes of shared/CLI.md, and the one place failures become an {@code error:} line. */
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
    if (e instanceof InputRejectedException || e instanceof IllegalArgumentException
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

  /** Prints one {@code error:} line (and the stack trace with {@code --debug}); returns the exit code. */
  static int report(Throwable e, CliContext context) {
    String message = e.getMessage();
    if (e instanceof NoSuchFileException) {
      message = "no such file: " + e.getMessage();
    } else if (e instanceof UncheckedIOException && e.getCause() instanceof NoSuchFileException) {
      message = "no such file: " + e.getCause().getMessage();
    } else if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    context.err().println("error: " + Redaction.text(message).replace('\n', ' '));
    if (context.debug()) {
      e.printStackTrace(context.err());
    }
    return of(e);
  }
}
