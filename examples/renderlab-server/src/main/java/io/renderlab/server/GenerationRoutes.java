package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.pipeline.CollectionItem;
import io.renderlab.pipeline.CollectionResult;
import io.renderlab.pipeline.EditRequest;
import io.renderlab.pipeline.GenerateRequest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The generation routes: {@code POST /api/generate}, {@code /api/generate/edit} (also served as
 * {@code /api/inpaint/nano-banana}) and {@code /api/generate/collection}, blocking or, with {@code
 * Prefer: respond-async}, through {@link AsyncGenerations}. Each runs under the per-user cost
 * controls and checks end users' URLs under the strict fetch policy. Thread-safe.
 */
final class GenerationRoutes {
  private final RenderLabServer.Builder config;
  private final CostControls costs;
  private final AsyncGenerations async;

  GenerationRoutes(RenderLabServer.Builder config, CostControls costs, AsyncGenerations async) {
    this.config = config;
    this.costs = costs;
    this.async = async;
  }

  /** Runs a generation under the per-user caps (429 with Retry-After beyond them). */
  private <T> T limited(Context ctx, Supplier<T> work) {
    return limited(ctx, 1, work);
  }

  /** Runs work that starts {@code predictions} predictions under the per-user caps. */
  private <T> T limited(Context ctx, int predictions, Supplier<T> work) {
    CostControls.Permit permit = costs.acquire(Authentication.user(ctx), predictions);
    try {
      return work.get();
    } finally {
      permit.close();
    }
  }

  /**
   * Submits work that starts {@code predictions} predictions without waiting for them: the permit
   * is held until every handle's records complete, so async requests count against the same
   * per-user in-flight cap as blocking ones.
   */
  private List<GenerationHandle> limitedAsync(
      Context ctx, int predictions, Supplier<List<GenerationHandle>> submit) {
    CostControls.Permit permit = costs.acquire(Authentication.user(ctx), predictions);
    List<GenerationHandle> handles;
    try {
      handles = submit.get();
    } catch (RuntimeException | Error e) {
      permit.close();
      throw e;
    }
    java.util.concurrent.CompletableFuture.allOf(
            handles.stream()
                .map(GenerationHandle::records)
                .toArray(java.util.concurrent.CompletableFuture[]::new))
        .whenComplete((ignored, error) -> permit.close());
    return handles;
  }

  void generate(Context ctx) {
    JsonNode body = JsonBodies.jsonBody(ctx);
    GenerateRequest request =
        GenerateRequest.of(Authentication.user(ctx), JsonBodies.requiredText(body, "prompt"));
    Optional<String> model = JsonBodies.optionalText(body, "model");
    costs.checkModel(model);
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    Optional<String> imageUrl = JsonBodies.optionalText(body, "imageUrl");
    if (imageUrl.isPresent()) {
      checkUserUrl(httpUrl(imageUrl.get(), "imageUrl"));
      request = request.withReferenceUrls(List.of(imageUrl.get()));
    }
    GenerateRequest finalRequest = request;
    if (AsyncGenerations.wanted(ctx)) {
      async.accepted(
          ctx,
          limitedAsync(ctx, 1, () -> List.of(config.requiredPipeline().submit(finalRequest)))
              .get(0));
      return;
    }
    // With a public URL the pipeline asks Replicate for a webhook: any instance's delivery
    // completes the generation's row, and this request is answered when it ends.
    List<ImageRecord> images = limited(ctx, () -> config.requiredPipeline().generate(finalRequest));
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("status", "succeeded");
    out.putObject("output").put("imageUrl", images.get(0).url());
    out.set("image", ImageRows.row(images.get(0)));
    if (images.size() > 1) {
      out.set("images", ImageRows.rows(images));
    }
    ctx.json(out);
  }

  void edit(Context ctx) {
    JsonNode body = JsonBodies.jsonBody(ctx);
    EditRequest request =
        EditRequest.of(
            Authentication.user(ctx),
            httpUrl(JsonBodies.requiredText(body, "imageUrl"), "imageUrl"),
            EditRequest.Mask.parse(requireUrl(body, "maskUrl")),
            JsonBodies.requiredText(body, "prompt"));
    checkUserUrl(request.imageUrl());
    Optional<String> base = JsonBodies.optionalText(body, "baseImageUrl");
    if (base.isPresent()) {
      checkUserUrl(httpUrl(base.get(), "baseImageUrl"));
      request = request.withBaseUrl(base.get());
    }
    Optional<String> model = JsonBodies.optionalText(body, "model");
    costs.checkModel(model);
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    EditRequest finalRequest = request;
    if (AsyncGenerations.wanted(ctx)) {
      async.accepted(
          ctx,
          limitedAsync(ctx, 1, () -> List.of(config.requiredPipeline().submit(finalRequest)))
              .get(0));
      return;
    }
    ImageRecord image = limited(ctx, () -> config.requiredPipeline().edit(finalRequest));
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("success", true);
    out.put("output", image.url());
    out.put("status", "succeeded");
    out.set("image", ImageRows.row(image));
    ctx.json(out);
  }

  /**
   * End users' URLs (image, reference, base) get the strict fetch policy, never the operator's
   * {@code --allow-host} exemptions: http(s) only, public hosts or this server's own storage (masks
   * are fetched under the same policy by the pipeline's ingestor).
   */
  private void checkUserUrl(String url) {
    config.requiredPipeline().ingestor().checkUserUrl(url);
  }

  private static String requireUrl(JsonNode body, String field) {
    String value = JsonBodies.requiredText(body, field);
    String lower = value.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://")
        && !lower.startsWith("https://")
        && !lower.startsWith("data:")) {
      throw ApiError.badRequest("field '" + field + "' must be an http(s) or data: URL");
    }
    return value;
  }

  /**
   * An http(s) URL with a host, else 400 naming the field ({@code javascript:}, {@code file:},
   * {@code data:} refused).
   */
  static String httpUrl(String value, String field) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(value.strip());
    } catch (java.net.URISyntaxException e) {
      throw ApiError.badRequest("field '" + field + "' must be an http(s) URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw ApiError.badRequest("field '" + field + "' must be an http(s) URL");
    }
    return value;
  }

  void collection(Context ctx) {
    JsonNode body = JsonBodies.jsonBody(ctx);
    JsonNode prompts = body.get("prompts");
    if (prompts == null || !prompts.isArray() || prompts.isEmpty()) {
      throw ApiError.badRequest("missing field 'prompts' (a non-empty array of strings)");
    }
    costs.checkCollection(prompts.size());
    List<String> list = new java.util.ArrayList<>();
    for (JsonNode p : prompts) {
      if (!p.isTextual() || p.asText().isBlank()) {
        throw ApiError.badRequest("field 'prompts' must hold non-empty strings");
      }
      list.add(p.asText());
    }
    Optional<String> model = JsonBodies.optionalText(body, "model");
    costs.checkModel(model);
    if (AsyncGenerations.wanted(ctx)) {
      costs.checkAllAtOnce(list.size());
      UUID collectionId = UUID.randomUUID();
      async.acceptedCollection(
          ctx,
          collectionId,
          limitedAsync(
              ctx,
              list.size(),
              () ->
                  config
                      .requiredPipeline()
                      .submitCollection(Authentication.user(ctx), list, model, collectionId)));
      return;
    }
    int atOnce = costs.collectionConcurrency(list.size(), 4);
    CollectionResult result =
        limited(
            ctx,
            atOnce,
            () ->
                config
                    .requiredPipeline()
                    .collection(Authentication.user(ctx), list, model, atOnce, null));
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("collectionId", result.collectionId().toString());
    ArrayNode items = out.putArray("items");
    for (CollectionItem item : result.items()) {
      ObjectNode n = items.addObject();
      n.put("prompt", item.prompt());
      n.put("status", item.succeeded() ? "succeeded" : "failed");
      if (item.succeeded()) {
        n.set("image", ImageRows.row(item.images().get(0)));
      } else {
        n.put(
            "error",
            item.error()
                .map(
                    e ->
                        e instanceof io.renderlab.core.StorageException
                            ? "storage failed"
                            : e.getMessage())
                .map(ApiErrors::scrub)
                .orElse("failed"));
      }
    }
    ctx.json(out);
  }
}
