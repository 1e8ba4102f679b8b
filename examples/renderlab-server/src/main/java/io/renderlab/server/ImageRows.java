package io.renderlab.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.ImageRecord;
import java.util.List;
import java.util.Locale;

/** Images as every route answers them: rows in the RenderLab web app's column names. */
final class ImageRows {
  private ImageRows() {}

  static ArrayNode rows(List<ImageRecord> images) {
    ArrayNode rows = RenderLabServer.JSON.createArrayNode();
    images.forEach(r -> rows.add(row(r)));
    return rows;
  }

  /** An image in the RenderLab web app's column names. */
  static ObjectNode row(ImageRecord r) {
    ObjectNode n = RenderLabServer.JSON.createObjectNode();
    n.put("id", r.id().toString());
    n.put("user_id", r.userId());
    n.put("kind", r.kind().name().toLowerCase(Locale.ROOT));
    n.put("name", r.name());
    n.put("url", r.url());
    n.put("thumb_url", r.thumbUrl().orElse(null));
    n.put("reference_url", r.referenceUrl().orElse(null));
    n.put("mask_url", r.maskUrl().orElse(null));
    if (r.rawUrl().isPresent()) {
      n.put("raw_url", r.rawUrl().get()); // an edit composited by the SDK: the model's own output
    }
    n.put("prompt", r.prompt().orElse(null));
    n.put("model", r.model().orElse(null));
    n.put("prediction_id", r.predictionId().orElse(null));
    n.put("collection_id", r.collectionId().map(Object::toString).orElse(null));
    n.put("created_at", r.createdAt().toString());
    return n;
  }
}
