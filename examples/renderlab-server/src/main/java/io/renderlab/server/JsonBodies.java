package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * Request bodies as JSON: the body read to {@link RenderLabServer#MAX_JSON_BYTES} and no further
 * (413 past it, 400 when it is not a JSON object), and its string fields with 400s that name the
 * field.
 */
final class JsonBodies {
  private JsonBodies() {}

  static JsonNode jsonBody(Context ctx) {
    String type = Optional.ofNullable(ctx.contentType()).orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw ApiError.badRequest("send a JSON body with Content-Type: application/json");
    }
    if (ctx.contentLength() > RenderLabServer.MAX_JSON_BYTES) {
      throw new ApiError(413, "JSON body larger than " + RenderLabServer.MAX_JSON_BYTES + " bytes");
    }
    try {
      byte[] bytes = ctx.bodyInputStream().readNBytes(RenderLabServer.MAX_JSON_BYTES + 1);
      if (bytes.length > RenderLabServer.MAX_JSON_BYTES) {
        throw new ApiError(
            413, "JSON body larger than " + RenderLabServer.MAX_JSON_BYTES + " bytes");
      }
      JsonNode node = RenderLabServer.JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw ApiError.badRequest("the body must be a JSON object");
      }
      return node;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw ApiError.badRequest("malformed JSON body");
    } catch (IOException e) {
      throw ApiErrors.unreadableBody(e);
    }
  }

  static String requiredText(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw ApiError.badRequest("missing field '" + field + "' (a non-empty string)");
    }
    return v.asText();
  }

  static Optional<String> optionalText(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest("field '" + field + "' must be a string");
    }
    return v.asText().isBlank() ? Optional.empty() : Optional.of(v.asText());
  }
}
