package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImagePage;
import io.renderlab.core.ImageRecord;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The catalog routes: {@code GET /api/history}, {@code GET /api/images/{id}/lineage} and {@code
 * POST /api/generate-thumbnail}, each over the caller's own images only. Thread-safe.
 */
final class CatalogRoutes {
  private final RenderLabServer.Builder config;

  CatalogRoutes(RenderLabServer.Builder config) {
    this.config = config;
  }

  void history(Context ctx) {
    HistoryQuery query = HistoryQuery.of(Authentication.user(ctx));
    String limit = ctx.queryParam("limit");
    if (limit != null) {
      query = query.withLimit(parseInt(limit, "limit"));
    }
    String cursor = ctx.queryParam("cursor");
    if (cursor != null && !cursor.isBlank()) {
      query = query.withCursor(cursor);
    }
    String kind = ctx.queryParam("kind");
    if (kind != null && !kind.isBlank()) {
      try {
        query = query.withKind(ImageKind.valueOf(kind.strip().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("kind must be generated, edited or uploaded");
      }
    }
    ImagePage page = config.catalog.history(query);
    ObjectNode body = RenderLabServer.JSON.createObjectNode();
    body.set("images", ImageRows.rows(page.images()));
    body.put("nextCursor", page.nextCursor().orElse(null));
    ctx.json(body);
  }

  void lineage(Context ctx) {
    ImageRecord image = ownImage(ctx, ctx.pathParam("id"));
    ObjectNode body = RenderLabServer.JSON.createObjectNode();
    body.set("chain", ImageRows.rows(config.catalog.lineage(image.id())));
    ctx.json(body);
  }

  void generateThumbnail(Context ctx) {
    JsonNode body = JsonBodies.jsonBody(ctx);
    ImageRecord image = ownImage(ctx, JsonBodies.requiredText(body, "imageId"));
    config.jobs.enqueue(image.id());
    ctx.status(202).json(Map.of("imageId", image.id().toString(), "status", "queued"));
  }

  /**
   * The image with this id if it belongs to the caller; 404 otherwise (never reveals others' ids).
   */
  ImageRecord ownImage(Context ctx, String id) {
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("image");
    }
    return config
        .catalog
        .find(uuid)
        .filter(r -> r.userId().equals(Authentication.user(ctx)))
        .orElseThrow(() -> ApiError.notFound("image"));
  }

  private static int parseInt(String text, String name) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(name + " must be a whole number");
    }
  }
}
