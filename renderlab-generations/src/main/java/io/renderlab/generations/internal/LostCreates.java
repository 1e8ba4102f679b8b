package io.renderlab.generations.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStore;
import io.renderlab.replicate.JsonValue;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the prediction of a generation whose create was sent but whose answer was never saved (the
 * answer was lost, or the instance died while Replicate held the request), without sending the
 * create again.
 *
 * <p>The rule, written down because inputs alone cannot tell two users apart when they send the
 * same prompt:
 *
 * <ul>
 *   <li>A candidate is a prediction the API (not the web) created for the same model, version or
 *       deployment, with the same input, found with {@code Predictions.findLostCandidates} (its
 *       window, and its rule for {@code data:} values, which Replicate does not echo back: a field
 *       sent as a {@code data:} URI is not compared). Generations are compared with each other by
 *       the same rule.
 *   <li>The generations that may own those candidates are the unfinished ones without a prediction
 *       that sent the same request within the window, and those that already hold one of the
 *       candidates. Both lists are read whole and ordered by time, and paired in order, each
 *       generation taking the first unpaired candidate created no earlier than itself (less {@link
 *       #CLOCK_SKEW}): creates are answered in the order they are sent, so the i-th such generation
 *       owns the i-th such prediction. A claim made meanwhile by another worker changes no pairing.
 *   <li>The pairing is claimed with the unique prediction id of the generations table: a prediction
 *       belongs to at most one generation, and one already held is never a candidate again.
 * </ul>
 */
final class LostCreates {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How far Replicate's clock may be behind ours. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  /** How long after a generation was written its create can still have been sent. */
  static final Duration WINDOW = Duration.ofMinutes(2);

  private final GenerationStore store;

  LostCreates(GenerationStore store) {
    this.store = store;
  }

  /** The prediction this generation's create started, when one can be told apart. */
  Optional<Prediction> find(Generation g, ReplicateClient client) {
    JsonNode sent = input(g);
    Instant from = g.createdAt().minus(WINDOW);
    Instant to = g.createdAt().plus(WINDOW);
    // Both sides are read whole, claimed or not, so a claim made by another worker meanwhile
    // changes nobody's pairing: the predictions of this request, and the generations that sent it
    // (those still waiting for their prediction, and those that hold one of these predictions).
    // The waiting ones are read before the holders: a peer that claims its prediction between the
    // two reads is then in one list or both, never in neither (read the other way round, it
    // vanished from both and this generation took the peer's prediction).
    List<Prediction> candidates = candidates(g, client);
    Map<java.util.UUID, Generation> peers = new LinkedHashMap<>();
    for (Generation p : store.awaitingPrediction(g.model(), from, to)) {
      JsonNode theirs = input(p);
      // Compared as Replicate's echo is: a field sent as a data: URI on either side is not.
      if (p.target() == g.target() && sameInput(theirs, sent) && sameInput(sent, theirs)) {
        peers.put(p.id(), p);
      }
    }
    if (!peers.containsKey(g.id())) {
      return Optional.empty(); // it has a prediction now, or it ended
    }
    Map<String, Generation> holders = new HashMap<>();
    for (Prediction c : candidates) {
      store.findByPrediction(c.id()).ifPresent(holder -> holders.put(c.id(), holder));
    }
    holders.values().forEach(h -> peers.putIfAbsent(h.id(), h));
    List<Generation> ordered = new ArrayList<>(peers.values());
    ordered.sort(Comparator.comparing(Generation::createdAt).thenComparing(Generation::id));
    int next = 0;
    for (Generation peer : ordered) {
      Instant earliest = peer.createdAt().minus(CLOCK_SKEW);
      while (next < candidates.size()
          && candidates.get(next).createdAt().map(t -> t.isBefore(earliest)).orElse(true)) {
        next++;
      }
      if (next == candidates.size()) {
        return Optional.empty();
      }
      if (peer.id().equals(g.id())) {
        Prediction mine = candidates.get(next);
        Generation holder = holders.get(mine.id());
        return holder == null || holder.id().equals(g.id()) ? Optional.of(mine) : Optional.empty();
      }
      next++;
    }
    return Optional.empty();
  }

  /**
   * Predictions of the same request created around the generation's send time, oldest first
   * (Replicate's {@code created_after}/{@code created_before}; {@code data:} fields not compared).
   */
  private static List<Prediction> candidates(Generation g, ReplicateClient client) {
    List<Prediction> out =
        new ArrayList<>(client.predictions().findLostCandidates(requestOf(g), g.createdAt()));
    out.sort(
        Comparator.comparing((Prediction p) -> p.createdAt().orElse(Instant.MAX))
            .thenComparing(Prediction::id));
    return out;
  }

  /** The create a generation's row describes. */
  static PredictionRequest requestOf(Generation g) {
    JsonValue input = JsonValue.parse(g.inputJson());
    switch (g.target()) {
      case VERSION:
        return PredictionRequest.version(g.model()).input(input).build();
      case DEPLOYMENT:
        return PredictionRequest.deployment(g.model()).input(input).build();
      default:
        return PredictionRequest.model(g.model()).input(input).build();
    }
  }

  /**
   * Whether {@code echoed} is what Replicate shows for {@code sent}: equal, except that a value
   * sent as a {@code data:} URI matches anything (Replicate does not echo it).
   */
  static boolean sameInput(JsonNode sent, JsonNode echoed) {
    if (sent.isTextual() && sent.asText().startsWith("data:")) {
      return true;
    }
    if (sent.isObject()) {
      if (!echoed.isObject()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> e : sent.properties()) {
        JsonNode other = echoed.get(e.getKey());
        if (other == null) {
          if (!isData(e.getValue())) {
            return false;
          }
        } else if (!sameInput(e.getValue(), other)) {
          return false;
        }
      }
      for (Iterator<String> it = echoed.fieldNames(); it.hasNext(); ) {
        if (!sent.has(it.next())) {
          return false;
        }
      }
      return true;
    }
    if (sent.isArray()) {
      if (!echoed.isArray() || echoed.size() != sent.size()) {
        return false;
      }
      for (int i = 0; i < sent.size(); i++) {
        if (!sameInput(sent.get(i), echoed.get(i))) {
          return false;
        }
      }
      return true;
    }
    return sent.equals(echoed);
  }

  private static boolean isData(JsonNode n) {
    if (n.isTextual()) {
      return n.asText().startsWith("data:");
    }
    if (n.isArray()) {
      for (JsonNode e : n) {
        if (!isData(e)) {
          return false;
        }
      }
      return n.size() > 0;
    }
    return false;
  }

  static JsonNode input(Generation g) {
    try {
      return JSON.readTree(g.inputJson());
    } catch (IOException e) {
      throw new IllegalStateException("generation " + g.id() + " holds an unreadable input", e);
    }
  }
}
