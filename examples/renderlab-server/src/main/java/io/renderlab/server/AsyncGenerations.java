package io.renderlab.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.Prediction;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The durable-generation routes: {@code Prefer: respond-async} on the generate routes (202 with the
 * generation's id and a {@code Location} to poll), {@code GET /api/generations/{id}}, {@code GET
 * /api/generations}, and webhook deliveries for any known prediction. Thread-safe.
 */
final class AsyncGenerations {
  private final Supplier<RenderLabPipeline> pipeline;

  /** Async submissions count against the server's per-user cap through {@code CostControls}. */
  AsyncGenerations(Supplier<RenderLabPipeline> pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * Whether the request asks for an asynchronous answer ({@code Prefer: respond-async}, RFC 7240).
   */
  static boolean wanted(Context ctx) {
    String prefer = ctx.header("Prefer");
    if (prefer == null) {
      return false;
    }
    for (String token : prefer.split(",")) {
      if (token.strip().toLowerCase(Locale.ROOT).startsWith("respond-async")) {
        return true;
      }
    }
    return false;
  }

  /** Answers 202 for a submitted generation. */
  void accepted(Context ctx, GenerationHandle handle) {
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("id", handle.id().toString());
    out.put("status", handle.status().wireName());
    ctx.status(202)
        .header("Location", "/api/generations/" + handle.id())
        .header("Preference-Applied", "respond-async");
    ctx.json(out);
  }

  /** Answers 202 for a submitted collection: its id, and each item's generation. */
  void acceptedCollection(Context ctx, UUID collectionId, List<GenerationHandle> handles) {
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("id", collectionId.toString());
    out.put("status", GenerationStatus.PENDING.wireName());
    ArrayNode items = out.putArray("generations");
    for (GenerationHandle h : handles) {
      items.addObject().put("id", h.id().toString()).put("status", h.status().wireName());
    }
    ctx.status(202)
        .header("Location", "/api/generations/" + handles.get(0).id())
        .header("Preference-Applied", "respond-async");
    ctx.json(out);
  }

  /** {@code GET /api/generations/{id}}: the caller's generation; another user's is 404. */
  void status(Context ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ApiError(404, "no such generation");
    }
    Generation g =
        pipeline
            .get()
            .generation(id)
            .filter(found -> found.userId().equals(Authentication.user(ctx)))
            .orElseThrow(() -> new ApiError(404, "no such generation"));
    ctx.json(json(g, pipeline.get().catalog().generations()));
  }

  /** {@code GET /api/generations[?status=S][&limit=N]}: the caller's generations, newest first. */
  void list(Context ctx) {
    Optional<GenerationStatus> status;
    int limit;
    try {
      String s = ctx.queryParam("status");
      status = s == null || s.isBlank() ? Optional.empty() : Optional.of(GenerationStatus.parse(s));
      String l = ctx.queryParam("limit");
      limit = l == null ? 50 : Integer.parseInt(l);
      if (limit < 1 || limit > 200) {
        throw new IllegalArgumentException("limit must be between 1 and 200");
      }
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    GenerationStore store = pipeline.get().catalog().generations();
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    ArrayNode items = out.putArray("generations");
    for (Generation g : store.list(Authentication.user(ctx), status, limit)) {
      ObjectNode n = json(g, store);
      n.put("kind", g.kind().name().toLowerCase(Locale.ROOT));
      n.put("prompt", g.prompt());
      n.put("createdAt", g.createdAt().toString());
      items.add(n);
    }
    ctx.json(out);
  }

  /** {@code {"id","status","predictionId","images":[records as in history],"error"}}. */
  static ObjectNode json(Generation g, GenerationStore store) {
    ObjectNode n = RenderLabServer.JSON.createObjectNode();
    n.put("id", g.id().toString());
    n.put("status", g.status().wireName());
    n.put("predictionId", g.predictionId().orElse(null));
    List<ImageRecord> images =
        g.status() == GenerationStatus.SUCCEEDED ? store.records(g.id()) : List.of();
    n.set("images", ImageRows.rows(images));
    n.put("error", g.error().map(ApiErrors::scrub).orElse(null));
    return n;
  }

  /**
   * Completes the generation of a verified delivery, whichever instance started it.
   *
   * @return the webhook's answer, empty when no generation has this prediction
   */
  Optional<ObjectNode> deliver(Prediction prediction) {
    RenderLabPipeline p = pipeline.get();
    Optional<Generation> before = p.catalog().generations().findByPrediction(prediction.id());
    if (before.isEmpty()) {
      return Optional.empty();
    }
    boolean wasEnded = before.get().status().isTerminal();
    Generation after = p.complete(prediction).orElse(before.get());
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("received", true);
    out.put("predictionId", prediction.id());
    out.put("generationId", after.id().toString());
    out.put(
        "outcome",
        wasEnded
            ? "duplicate"
            : after.status().isTerminal()
                ? "completed"
                : prediction.isTerminal() ? "accepted" : "not_terminal");
    out.put("status", after.status().wireName());
    out.put("alreadyRecorded", wasEnded && before.get().status() == GenerationStatus.SUCCEEDED);
    return Optional.of(out);
  }
}
