package io.renderlab.replicate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a listed prediction may be the one a create with a lost answer started: same source (the
 * API), same target, same input under the {@code data:} rule. Replicate does not echo {@code data:}
 * URI inputs back as sent, so a field whose sent value holds one anywhere is not compared; every
 * other field must be there with an equal value (numbers by value), and the echo may hold no field
 * that was not sent.
 */
public final class LostCreates {
  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  private LostCreates() {}

  /**
   * Whether {@code p} (whose JSON is {@code json}) may be what {@code request} (whose input is
   * {@code sentInput}) started.
   */
  public static boolean matches(
      Prediction p, JsonNode json, PredictionRequest request, JsonNode sentInput) {
    if ("web".equals(json.path("source").asText())) {
      return false;
    }
    return sameTarget(p, json, request) && sameInput(json.path("input"), sentInput);
  }

  private static boolean sameTarget(Prediction p, JsonNode json, PredictionRequest r) {
    switch (r.kind()) {
      case MODEL:
        return p.model().map(r.target()::equals).orElse(false);
      case VERSION:
        return p.version().map(r.target()::equals).orElse(false);
      default:
        String deployment = json.path("deployment").asText("");
        return deployment.isEmpty() || deployment.equals(r.target());
    }
  }

  /** The input rule: see the class comment. */
  static boolean sameInput(JsonNode echoed, JsonNode sent) {
    if (!echoed.isObject()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> field : sent.properties()) {
      if (holdsDataUri(field.getValue())) {
        continue;
      }
      JsonNode back = echoed.get(field.getKey());
      if (back == null || !field.getValue().equals(BY_VALUE, back)) {
        return false;
      }
    }
    for (Iterator<String> names = echoed.fieldNames(); names.hasNext(); ) {
      if (!sent.has(names.next())) {
        return false;
      }
    }
    return true;
  }

  private static boolean holdsDataUri(JsonNode value) {
    if (value.isTextual()) {
      return value.asText().strip().toLowerCase(Locale.ROOT).startsWith("data:");
    }
    for (JsonNode child : value) {
      if (holdsDataUri(child)) {
        return true;
      }
    }
    return false;
  }
}
