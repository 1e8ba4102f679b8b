package io.renderlab.cli;

/**
 * A flag's or variable's value that one of the CLI's converters refuses. The message is the problem
 * without the name ({@code "must be a duration such as 30s, 10m or 1h, was 'soon'"}): the
 * parameter-exception handler of {@link RenderLabCli} puts the option's name in front and exits
 * with {@link #exitCode()}, as the command did when it parsed the value itself.
 */
final class InvalidValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  InvalidValueException(String problem, int exitCode) {
    super(problem);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
