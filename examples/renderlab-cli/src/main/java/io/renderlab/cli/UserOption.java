package io.renderlab.cli;

import picocli.CommandLine.Option;

/** {@code --user USER}, required: the owner of what a command records or lists. */
final class UserOption {
  @Option(
      names = "--user",
      required = true,
      paramLabel = "USER",
      description = "The user: owner of the new image(s), or whose images are listed.")
  String user;
}
