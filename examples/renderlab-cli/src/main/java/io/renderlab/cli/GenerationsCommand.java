package io.renderlab.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.generations.RecoveryPass;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code generations --user USER [--status S] [--limit 50]}: a user's generations, newest first;
 * {@code generations resume}: one recovery pass over generations left unfinished by a process that
 * stopped (for cron, or once after an outage).
 */
@Command(
    name = "generations",
    mixinStandardHelpOptions = true,
    description = "The user's generations (pending, running, succeeded, failed, …), newest first.",
    subcommands = GenerationsCommand.Resume.class)
final class GenerationsCommand extends CliCommand {
  @Option(
      names = "--user",
      paramLabel = "USER",
      description = "Whose generations (required unless a subcommand is given).")
  String user;

  @Option(
      names = "--status",
      paramLabel = "S",
      description =
          "Only one status: pending, running, ingesting, succeeded, failed, canceled or expired.")
  String status;

  @Option(
      names = "--limit",
      defaultValue = "50",
      paramLabel = "N",
      description = "At most N generations (default ${DEFAULT-VALUE}, at most 1000).")
  int limit;

  @Override
  protected int execute() {
    if (user == null) {
      throw new IllegalArgumentException(
          "--user is required: generations --user USER (or generations resume)");
    }
    Optional<GenerationStatus> only =
        status == null ? Optional.empty() : Optional.of(parseStatus(status));
    List<Generation> list = context.catalog().generations().list(user, only, limit);
    if (context.json()) {
      ObjectNode root = Json.object();
      ArrayNode items = root.putArray("generations");
      list.forEach(g -> items.add(json(g, context.catalog().generations())));
      context.out().println(Json.write(root));
    } else if (list.isEmpty()) {
      context.out().println("No generations for user " + user + ".");
    } else {
      for (Generation g : list) {
        context
            .out()
            .printf(
                "%s  %-9s  %-15s  %s  %s%s%n",
                g.id(),
                g.status().wireName(),
                g.kind().name().toLowerCase(java.util.Locale.ROOT),
                g.createdAt(),
                shorten(g.prompt()),
                g.error().map(e -> "  (" + shorten(e) + ")").orElse(""));
      }
    }
    return ExitCodes.OK;
  }

  static GenerationStatus parseStatus(String s) {
    try {
      return GenerationStatus.parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + e.getMessage(), e);
    }
  }

  /**
   * A generation as JSON: id, status, kind, model, prompt, predictionId, error, attempts,
   * createdAt, updatedAt, images.
   */
  static ObjectNode json(Generation g, GenerationStore store) {
    ObjectNode n = Json.object();
    n.put("id", g.id().toString());
    n.put("userId", g.userId());
    n.put("status", g.status().wireName());
    n.put("kind", g.kind().name().toLowerCase(java.util.Locale.ROOT));
    n.put("model", g.model());
    n.put("prompt", g.prompt());
    n.put("predictionId", g.predictionId().orElse(null));
    n.put("error", g.error().orElse(null));
    n.put("attempts", g.attempts());
    n.put("createdAt", g.createdAt().toString());
    n.put("updatedAt", g.updatedAt().toString());
    n.set(
        "images",
        g.status() == GenerationStatus.SUCCEEDED
            ? Json.records(store.records(g.id()))
            : Json.MAPPER.createArrayNode());
    return n;
  }

  private static String shorten(String s) {
    String one = s.replace('\n', ' ');
    return one.length() <= 60 ? one : one.substring(0, 59) + "…";
  }

  /** {@code generations resume}: one recovery pass, then exit. */
  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description =
          "One recovery pass over unfinished generations whose process stopped (the work serve does on start), then exits.")
  static final class Resume extends CliCommand {
    @Option(
        names = "--limit",
        defaultValue = "100",
        paramLabel = "N",
        description = "At most N generations (default ${DEFAULT-VALUE}, at most 1000).")
    int limit;

    @Override
    protected int execute() {
      RecoveryPass pass = context.pipeline().recover(limit);
      if (context.json()) {
        ObjectNode root = Json.object();
        root.put("resumed", pass.resumed());
        root.put("succeeded", pass.succeeded());
        root.put("failed", pass.failed());
        context.out().println(Json.write(root));
      } else {
        context
            .out()
            .println(
                "Resumed "
                    + pass.resumed()
                    + " generation(s): "
                    + pass.succeeded()
                    + " succeeded, "
                    + pass.failed()
                    + " failed"
                    + (pass.resumed() - pass.succeeded() - pass.failed() > 0
                        ? ", the rest postponed"
                        : "")
                    + ".");
      }
      return ExitCodes.OK;
    }
  }
}
