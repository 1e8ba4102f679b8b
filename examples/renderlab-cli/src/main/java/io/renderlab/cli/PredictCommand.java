package io.renderlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.renderlab.replicate.JsonValue;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionFailedException;
import io.renderlab.replicate.PredictionRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code predict (--model OWNER/NAME | --version ID | --deployment OWNER/NAME) [--input
 * KEY=VALUE]... [--timeout 10m] [--no-wait]}.
 */
// No standard help mixin: its -V/--version would clash with the contract's --version ID.
@Command(
    name = "predict",
    description =
        "Creates a prediction and waits for it to end (unless --no-wait). On timeout it cancels the prediction, then exits 5.")
final class PredictCommand extends CliCommand {
  static final class Target {
    @Option(
        names = "--model",
        paramLabel = "OWNER/NAME",
        required = true,
        description = "An official model.")
    String model;

    @Option(
        names = "--version",
        paramLabel = "ID",
        required = true,
        description = "A model version id.")
    String version;

    @Option(
        names = "--deployment",
        paramLabel = "OWNER/NAME",
        required = true,
        description = "A deployment.")
    String deployment;
  }

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(
      names = "--input",
      paramLabel = "KEY=VALUE",
      description =
          "An input field; a value that parses as JSON is sent as JSON, otherwise as a string.")
  List<String> inputs = new ArrayList<>();

  @Mixin TimeoutOption timeout;

  @Option(names = "--no-wait", description = "Create the prediction and print it without waiting.")
  boolean noWait;

  @Override
  protected int execute() {
    PredictionRequest.Builder request =
        target.model != null
            ? PredictionRequest.model(target.model)
            : target.version != null
                ? PredictionRequest.version(target.version)
                : PredictionRequest.deployment(target.deployment);
    request.input(JsonValue.parse(parseInputs(inputs).toString()));
    Duration limit = timeout.duration;
    var predictions = context.replicate().predictions();
    Prediction prediction;
    if (noWait) {
      prediction = predictions.create(request.build());
    } else {
      try {
        prediction = predictions.run(request.build(), limit);
      } catch (PredictionFailedException e) {
        print(e.prediction());
        throw e;
      }
    }
    print(prediction);
    return ExitCodes.OK;
  }

  private void print(Prediction p) {
    if (context.json()) {
      context.out().println(p.rawJson());
    } else {
      context.out().println("Prediction " + p.id() + " " + p.rawStatus());
      p.outputUrls().forEach(u -> context.out().println("  " + io.renderlab.core.Redaction.url(u)));
    }
  }

  static ObjectNode parseInputs(List<String> inputs) {
    ObjectNode node = Json.object();
    for (String pair : inputs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--input must be KEY=VALUE, was '" + pair + "'");
      }
      String key = pair.substring(0, eq);
      String raw = pair.substring(eq + 1);
      JsonNode value;
      try {
        value = Json.MAPPER.readTree(raw);
        if (value == null || value.isMissingNode()) {
          value = TextNode.valueOf(raw);
        }
      } catch (JsonProcessingException notJson) {
        value = TextNode.valueOf(raw);
      }
      node.set(key, value);
    }
    return node;
  }
}
