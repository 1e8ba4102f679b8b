package io.renderlab.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.ImageRecord;
import io.renderlab.pipeline.CollectionItem;
import io.renderlab.pipeline.CollectionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code collection --user USER --prompt TEXT [--prompt TEXT]... [--model google/nano-banana]
 * [--concurrency 4]}.
 */
@Command(
    name = "collection",
    mixinStandardHelpOptions = true,
    description =
        "A batch: one prediction per prompt, at most --concurrency at once; each item's outcome reported. Exit 4 if any failed.")
final class CollectionCommand extends CliCommand {
  @Mixin UserOption user;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "A prompt; repeatable, one prediction each.")
  List<String> prompts = new ArrayList<>();

  @Mixin ModelOption model;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      paramLabel = "N",
      description = "Predictions at once (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Override
  protected int execute() {
    context.replicate();
    CollectionResult result =
        context
            .pipeline()
            .collection(
                user.user, prompts, Optional.of(model.model), concurrency, context::progress);
    List<ImageRecord> all = new ArrayList<>();
    result.items().forEach(i -> all.addAll(i.images()));
    List<ImageRecord> withThumbs = context.pipeline().awaitThumbnails(all, Duration.ofMinutes(2));
    ArrayNode items = Json.MAPPER.createArrayNode();
    int next = 0;
    for (CollectionItem item : result.items()) {
      ObjectNode n = items.addObject();
      n.put("prompt", item.prompt());
      n.put("status", item.succeeded() ? "succeeded" : "failed");
      if (item.succeeded()) {
        n.set("image", Json.record(withThumbs.get(next)));
        next += item.images().size();
      } else {
        n.put("error", item.error().map(Throwable::getMessage).orElse("failed"));
      }
    }
    if (context.json()) {
      ObjectNode root = Json.object();
      root.put("collectionId", result.collectionId().toString());
      root.set("items", items);
      context.out().println(Json.write(root));
    } else {
      for (var n : items) {
        context
            .out()
            .println(
                n.get("status").asText()
                    + "  "
                    + n.get("prompt").asText()
                    + (n.has("image")
                        ? "  " + n.get("image").get("displayUrl").asText()
                        : "  " + n.get("error").asText()));
      }
    }
    if (result.anyFailed()) {
      context
          .err()
          .println(
              "error: "
                  + result.items().stream().filter(i -> !i.succeeded()).count()
                  + " of "
                  + result.items().size()
                  + " prompts failed; the others were stored and recorded.");
      return ExitCodes.UPSTREAM;
    }
    return ExitCodes.OK;
  }
}
