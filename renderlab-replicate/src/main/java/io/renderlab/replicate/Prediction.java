package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable view of a prediction as Replicate returns it. {@link #json()} is the response
 * exactly as received (Replicate never puts the API token in it, and neither does this client);
 * {@link #rawJson()} is its text, to read with any JSON library.
 *
 * <p>A Jackson {@code ObjectMapper} serialises a {@code Prediction} as that JSON (the response as
 * received), so a host can pass it on as is.
 */
public final class Prediction {
  private final JsonNode json;

  private Prediction(JsonNode json) {
    this.json = Objects.requireNonNull(json, "json").deepCopy();
  }

  /** Wraps a prediction's JSON (a copy of it). */
  static Prediction of(JsonNode json) {
    if (json == null || !json.isObject() || !json.hasNonNull("id")) {
      throw new IllegalArgumentException("not a prediction: the JSON has no id");
    }
    return new Prediction(json);
  }

  /**
   * A prediction from its JSON, as Replicate returns it (a webhook's body, say).
   *
   * @throws IllegalArgumentException if {@code json} is not a JSON object with an {@code id}
   */
  public static Prediction of(JsonValue json) {
    Objects.requireNonNull(json, "json");
    return of(json.node());
  }

  /**
   * A prediction from its JSON text, as Replicate returns it (a webhook's body, say).
   *
   * @throws IllegalArgumentException if {@code json} is not valid JSON or not an object with an
   *     {@code id}
   */
  public static Prediction parse(String json) {
    return of(JsonValue.parse(json));
  }

  /** The prediction id. */
  public String id() {
    return json.get("id").asText();
  }

  /** {@code owner/name} of the model, when Replicate says. */
  public Optional<String> model() {
    return text("model");
  }

  /** The version id, when Replicate says. */
  public Optional<String> version() {
    return text("version");
  }

  /**
   * Where the prediction is, as a known state ({@link PredictionStatus#UNKNOWN} for a status this
   * client does not know; {@link #rawStatus()} then says which).
   */
  public PredictionStatus status() {
    return PredictionStatus.parse(rawStatus());
  }

  /**
   * The status exactly as Replicate wrote it: {@code starting}, {@code processing}, {@code
   * succeeded}, {@code failed}, {@code canceled}, {@code aborted}, or a newer one.
   */
  public String rawStatus() {
    return json.path("status").asText("unknown");
  }

  /** Whether the prediction has ended (succeeded, failed, canceled or aborted). */
  public boolean isTerminal() {
    return status().isTerminal();
  }

  /** The input, as Replicate echoes it (an object; {@link JsonValue#NULL} when absent). */
  public JsonValue input() {
    return JsonValue.own(json.get("input"));
  }

  /** The input's node, for this package. */
  JsonNode inputNode() {
    return json.path("input");
  }

  /**
   * The output: a string, an array, an object, or {@link JsonValue#NULL} while running. {@link
   * #outputUrls()} reads the file URLs out of any of these.
   */
  public JsonValue output() {
    return JsonValue.own(json.get("output"));
  }

  /** The error message of a failed prediction. */
  public Optional<String> error() {
    JsonNode e = json.get("error");
    if (e == null || e.isNull()) {
      return Optional.empty();
    }
    return Optional.of(e.isTextual() ? e.asText() : e.toString());
  }

  /**
   * Whether Replicate has deleted this prediction's inputs and outputs ({@code data_removed}).
   * Replicate keeps the files of API predictions for about an hour; after that the output URLs
   * answer 404 and nothing can be stored from them. False when the field is absent.
   */
  public boolean dataRemoved() {
    return json.path("data_removed").asBoolean(false);
  }

  /** The logs so far (may be empty). */
  public String logs() {
    return json.path("logs").asText("");
  }

  /** The last {@code lines} lines of the logs. */
  public String logsTail(int lines) {
    String[] all = logs().split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length)).strip();
  }

  /** The metrics object ({@code predict_time}, {@code total_time}), empty object when absent. */
  public JsonValue metrics() {
    JsonNode metrics = json.get("metrics");
    return metrics == null || !metrics.isObject()
        ? JsonValue.own(JsonNodeFactory.instance.objectNode())
        : JsonValue.own(metrics);
  }

  /**
   * The {@code urls} object ({@code get}, {@code cancel}, {@code stream}, {@code web}); {@link
   * JsonValue#NULL} when absent.
   */
  public JsonValue urls() {
    return JsonValue.own(json.get("urls"));
  }

  /** When it was created. */
  public Optional<Instant> createdAt() {
    return instant("created_at");
  }

  /** When it started running. */
  public Optional<Instant> startedAt() {
    return instant("started_at");
  }

  /** When it ended. */
  public Optional<Instant> completedAt() {
    return instant("completed_at");
  }

  /**
   * Every file URL in the output, in order, whether the output is a string, an array or an object
   * (nested included): {@code http(s):} and {@code data:} URLs.
   */
  public List<String> outputUrls() {
    List<String> urls = new ArrayList<>();
    collect(json.get("output"), urls);
    return List.copyOf(urls);
  }

  private static void collect(JsonNode node, List<String> into) {
    if (node == null || node.isNull()) {
      return;
    }
    if (node.isTextual()) {
      String s = node.asText().strip();
      String lower = s.toLowerCase(Locale.ROOT);
      if (lower.startsWith("https://")
          || lower.startsWith("http://")
          || lower.startsWith("data:")) {
        into.add(s);
      }
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, into));
    } else if (node.isObject()) {
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        collect(it.next(), into);
      }
    }
  }

  /** The prediction's JSON, exactly as Replicate returned it. */
  @com.fasterxml.jackson.annotation.JsonValue
  public JsonValue json() {
    return JsonValue.own(json);
  }

  /**
   * The prediction's JSON text, exactly as Replicate returned it (compact): to read it with any
   * JSON library.
   */
  public String rawJson() {
    return json.toString();
  }

  /** The JSON, for this package; never to be changed. */
  JsonNode node() {
    return json;
  }

  private Optional<String> text(String field) {
    JsonNode n = json.get(field);
    return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
  }

  private Optional<Instant> instant(String field) {
    return text(field)
        .flatMap(
            s -> {
              try {
                return Optional.of(Instant.parse(s));
              } catch (DateTimeParseException e) {
                return Optional.empty();
              }
            });
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction && ((Prediction) o).json.equals(json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return "Prediction{id="
        + id()
        + ", status="
        + rawStatus()
        + model().map(m -> ", model=" + m).orElse("")
        + '}';
  }
}
