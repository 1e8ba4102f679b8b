package io.renderlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.ImageRecord;
import java.util.Collection;

/** JSON output of the CLI: the image record shape of docs/CLI.md. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * An image record: id, userId, kind, name, url, thumbUrl, referenceUrl, maskUrl, prompt, model,
   * predictionId, collectionId, createdAt, displayUrl.
   */
  static ObjectNode record(ImageRecord r) {
    ObjectNode n = object();
    n.put("id", r.id().toString());
    n.put("userId", r.userId());
    n.put("kind", r.kind().name().toLowerCase(java.util.Locale.ROOT));
    n.put("name", r.name());
    n.put("url", r.url());
    n.put("storageKey", r.storageKey());
    n.put("thumbUrl", r.thumbUrl().orElse(null));
    n.put("referenceUrl", r.referenceUrl().orElse(null));
    n.put("maskUrl", r.maskUrl().orElse(null));
    if (r.rawUrl().isPresent()) {
      n.put("rawUrl", r.rawUrl().get()); // an edit composited by the SDK: the model's own output
    }
    n.put("prompt", r.prompt().orElse(null));
    n.put("model", r.model().orElse(null));
    n.put("predictionId", r.predictionId().orElse(null));
    n.put("collectionId", r.collectionId().map(Object::toString).orElse(null));
    n.put("createdAt", r.createdAt().toString());
    n.put("displayUrl", r.displayUrl());
    return n;
  }

  static ArrayNode records(Collection<ImageRecord> records) {
    ArrayNode a = MAPPER.createArrayNode();
    records.forEach(r -> a.add(record(r)));
    return a;
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON", e);
    }
  }
}
