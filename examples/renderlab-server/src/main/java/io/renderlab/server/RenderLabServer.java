package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.renderlab.core.CatalogException;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImagePage;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.RateLimitedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.pipeline.CollectionItem;
import io.renderlab.pipeline.CollectionResult;
import io.renderlab.pipeline.EditRequest;
import io.renderlab.pipeline.GenerateRequest;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.pipeline.UploadRequest;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.ReplicateApiException;
import io.renderlab.replicate.WebhookVerifier;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample server: RenderLab's backend routes over the SDK, so a RenderLab-style frontend (or
 * {@code curl}) can use it unchanged.
 *
 * <p>Thread-safe. {@link #close()} stops accepting connections, lets in-flight requests finish (up
 * to the shutdown timeout) and returns; thumbnail jobs live in the catalog, so whatever the
 * thumbnail service has not rendered is picked up by the next start.
 *
 * <pre>{@code
 * RenderLabServer server = RenderLabServer.builder()
 *     .pipeline(pipeline, thumbnails).jwtSecret(System.getenv("RENDERLAB_JWT_SECRET")).port(8080)
 *     .build().start();
 * }</pre>
 */
public final class RenderLabServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabServer.class);
  private final CatalogOutage catalogOutage = new CatalogOutage(LOG);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "renderlab.user";

  /** Largest JSON request body. */
  static final int MAX_JSON_BYTES = 1024 * 1024;

  private final Builder config;
  private final io.renderlab.thumbnails.Thumbnailer uploadCheck =
      io.renderlab.thumbnails.Thumbnailer.builder().build();
  private final java.util.concurrent.Semaphore uploadChecks =
      new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));
  private final Javalin app;
  private final CostControls costs;
  private final SecurityHeaders security = SecurityHeaders.forGallery();
  private final AsyncGenerations async;
  private final ConnectionGuard connections;
  private final Object secretLock = new Object();
  private volatile WebhookVerifier webhooks;

  private RenderLabServer(Builder b) {
    this.config = b;
    this.webhooks = b.webhookSecret == null ? null : WebhookVerifier.of(b.webhookSecret);
    io.renderlab.core.GenerationStore durable =
        b.pipeline == null ? null : b.pipeline.catalog().generations();
    this.costs =
        new CostControls(
            b.models,
            b.maxConcurrentGenerations,
            b.maxCollectionPrompts,
            b.dailyQuota,
            b.clock,
            user -> durable == null ? 0 : durable.countUnfinished(user));
    BodyLimits bodies =
        new BodyLimits(
            MAX_JSON_BYTES,
            Map.of("/api/upload", b.maxUploadBytes + 64 * 1024),
            b.requestBodyTimeout);
    this.async = new AsyncGenerations(this::pipeline);
    this.connections =
        new ConnectionGuard(b.headerTimeout, b.maxConnections, b.maxConnectionsPerAddress, b.clock);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              // Graceful stop: Jetty stops accepting, then waits for the requests the
              // StatisticsHandler
              // counts (up to the stop timeout) before it closes connections.
              cfg.jetty.modifyServer(
                  server -> {
                    server.setHandler(new StatisticsHandler());
                    server.setStopTimeout(b.shutdownTimeout.toMillis());
                    server.setStopAtShutdown(false);
                  });
              cfg.http.maxRequestSize = MAX_JSON_BYTES;
              cfg.jetty.multipartConfig.maxFileSize(
                  b.maxUploadBytes, io.javalin.config.SizeUnit.BYTES);
              cfg.jetty.multipartConfig.maxTotalRequestSize(
                  b.maxUploadBytes + 64 * 1024, io.javalin.config.SizeUnit.BYTES);
              cfg.jetty.multipartConfig.maxInMemoryFileSize(1, io.javalin.config.SizeUnit.MB);
              BodyLimits.configure(
                  cfg,
                  bodies,
                  b.host,
                  b.port,
                  b.idleTimeout,
                  b.minRequestDataRate,
                  connections,
                  this::javalin);
            });
    routes();
  }

  private Javalin javalin() {
    return app;
  }

  /** The connection guard: header deadline and connection caps (for tests and benchmarks). */
  ConnectionGuard connections() {
    return connections;
  }

  /** A builder; a catalog and a Supabase URL, a JWT secret or a dev user are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts listening; returns this server. */
  public RenderLabServer start() {
    app.start(config.host, config.port);
    LOG.info("RenderLab server listening on http://{}:{}/", config.host, port());
    return this;
  }

  /** The port the server listens on (useful with port 0). */
  public int port() {
    return app.port();
  }

  /**
   * Stops accepting connections, waits for in-flight requests (up to the shutdown timeout, 30 s by
   * default) and stops. Does not close the pipeline or the thumbnail service it was given.
   */
  @Override
  public void close() {
    app.stop();
    if (config.jwt != null) {
      config.jwt.close();
    }
  }

  private void routes() {
    ApiErrors.install(app);
    app.before(
        ctx -> {
          security.apply(ctx);
          if (config.devUser != null) {
            SecurityHeaders.checkLocalRequest(ctx);
          }
        });
    app.exception(
        ApiError.class,
        (e, ctx) -> {
          if (e.status == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
          }
          if (e.status == 413 || e.status == 408) {
            ctx.header("Connection", "close"); // the rest of the body is not read
          }
          error(ctx, e.status, e.getMessage(), e.retryAfter);
        });
    app.exception(
        JwtVerifier.InvalidTokenException.class,
        (e, ctx) -> {
          ctx.header("WWW-Authenticate", "Bearer");
          error(ctx, 401, e.getMessage(), null);
        });
    app.exception(
        JwtVerifier.KeysUnavailableException.class,
        (e, ctx) -> {
          LOG.warn("Cannot verify an access token: {}", e.getMessage());
          error(
              ctx, 503, "cannot verify access tokens right now; try again", Duration.ofSeconds(30));
        });
    app.exception(
        IllegalArgumentException.class,
        (e, ctx) -> error(ctx, 400, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        InputRejectedException.class,
        (e, ctx) -> error(ctx, 422, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        ReplicateApiException.ValidationException.class,
        (e, ctx) -> error(ctx, 422, e.getMessage(), null));
    app.exception(
        RateLimitedException.class,
        (e, ctx) -> error(ctx, 429, e.getMessage(), e.retryAfter().orElse(null)));
    app.exception(
        DeadlineExceededException.class,
        (e, ctx) -> error(ctx, 504, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        ConfigurationException.class,
        (e, ctx) -> error(ctx, 503, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        CatalogException.class,
        (e, ctx) -> {
          catalogOutage.failed(e); // one warning per outage, not a line per request
          error(ctx, 503, "catalog unavailable; try again", null);
        });
    app.after(
        "/api/*",
        ctx -> {
          if (ctx.statusCode() < 500) {
            catalogOutage.succeeded(); // logs once, when an outage ends
          }
        });
    app.exception(
        io.renderlab.core.StorageException.class,
        (e, ctx) -> {
          // Its message names keys, folders, buckets: the operator's to read, not the client's.
          LOG.warn("Storage failed on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          error(ctx, 502, "the image store failed; try again later", null);
        });
    app.exception(
        ReplicateApiException.NotFoundException.class,
        (e, ctx) -> {
          // Replicate knows no such model or version: the request named it (an allowed owner/*).
          LOG.debug(
              "Replicate answered 404 on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          error(ctx, 422, "Replicate has no such model or version; check the model name", null);
        });
    app.exception(
        RenderLabException.class,
        (e, ctx) -> error(ctx, 502, ApiErrors.scrub(e.getMessage()), null));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.warn("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
          error(ctx, 500, "internal error", null);
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null) {
            error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
          }
        });

    app.before(
        "/api/*",
        ctx -> {
          // A user's records, generations and errors: never kept by a browser or a shared cache.
          ctx.header("Cache-Control", "no-store");
          if (!ctx.path().startsWith("/api/webhooks/")) {
            ctx.attribute(USER, authenticate(ctx));
          }
        });

    app.get(
        "/healthz",
        ctx -> {
          ObjectNode health = JSON.createObjectNode().put("status", "ok");
          health.put("thumbnailJobsPending", config.jobs.pending());
          if (config.pipeline != null) {
            health.put("generationsInFlight", config.pipeline.generations().inFlight());
          }
          ctx.json(health);
        });
    app.get(
        "/",
        ctx -> {
          try (InputStream in = RenderLabServer.class.getResourceAsStream("web/index.html")) {
            ctx.contentType("text/html; charset=utf-8")
                .result(Objects.requireNonNull(in).readAllBytes());
          }
        });
    app.get("/api/history", this::history);
    app.get("/api/images/{id}/lineage", this::lineage);
    app.post("/api/generate-thumbnail", this::generateThumbnail);
    app.post("/api/generate", this::generate);
    app.post("/api/generate/edit", this::edit);
    app.post("/api/generate/collection", this::collection);
    app.post("/api/upload", this::upload);
    app.post("/api/webhooks/replicate", this::webhook);
    app.get("/api/generations", async::list);
    app.get("/api/generations/{id}", async::status);
    app.post(
        "/api/inpaint/nano-banana",
        this::edit); // the RenderLab web app's phase-2 inpaint route: the edit flow under its name
    app.get("/files/*", this::file);
  }

  private String authenticate(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      if (config.devUser != null) {
        return config.devUser;
      }
      throw new ApiError(401, "missing Authorization: Bearer <token>");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiError(401, "Authorization must be 'Bearer <token>'");
    }
    if (config.jwt == null) {
      throw new ApiError(401, "this server runs in dev-user mode and takes no tokens");
    }
    return config.jwt.verify(header.substring(7).strip());
  }

  static String user(Context ctx) {
    return Objects.requireNonNull(ctx.attribute(USER), "user");
  }

  private RenderLabPipeline pipeline() {
    if (config.pipeline == null) {
      throw new ApiError(503, "this server has no pipeline configured");
    }
    return config.pipeline;
  }

  /** Runs a generation under the per-user caps (429 with Retry-After beyond them). */
  private <T> T limited(Context ctx, Supplier<T> work) {
    return limited(ctx, 1, work);
  }

  /** Runs work that starts {@code predictions} predictions under the per-user caps. */
  private <T> T limited(Context ctx, int predictions, Supplier<T> work) {
    CostControls.Permit permit = costs.acquire(user(ctx), predictions);
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
    CostControls.Permit permit = costs.acquire(user(ctx), predictions);
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

  private void generate(Context ctx) {
    JsonNode body = jsonBody(ctx);
    GenerateRequest request = GenerateRequest.of(user(ctx), requiredText(body, "prompt"));
    Optional<String> model = optionalText(body, "model");
    costs.checkModel(model);
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    Optional<String> imageUrl = optionalText(body, "imageUrl");
    if (imageUrl.isPresent()) {
      checkUserUrl(httpUrl(imageUrl.get(), "imageUrl"));
      request = request.withReferenceUrls(List.of(imageUrl.get()));
    }
    GenerateRequest finalRequest = request;
    if (AsyncGenerations.wanted(ctx)) {
      async.accepted(
          ctx, limitedAsync(ctx, 1, () -> List.of(pipeline().submit(finalRequest))).get(0));
      return;
    }
    // With a public URL the pipeline asks Replicate for a webhook: any instance's delivery
    // completes the generation's row, and this request is answered when it ends.
    List<ImageRecord> images = limited(ctx, () -> pipeline().generate(finalRequest));
    ObjectNode out = JSON.createObjectNode();
    out.put("status", "succeeded");
    out.putObject("output").put("imageUrl", images.get(0).url());
    out.set("image", row(images.get(0)));
    if (images.size() > 1) {
      out.set("images", rows(images));
    }
    ctx.json(out);
  }

  private void edit(Context ctx) {
    JsonNode body = jsonBody(ctx);
    EditRequest request =
        EditRequest.of(
            user(ctx),
            httpUrl(requiredText(body, "imageUrl"), "imageUrl"),
            EditRequest.Mask.parse(requireUrl(body, "maskUrl")),
            requiredText(body, "prompt"));
    checkUserUrl(request.imageUrl());
    Optional<String> base = optionalText(body, "baseImageUrl");
    if (base.isPresent()) {
      checkUserUrl(httpUrl(base.get(), "baseImageUrl"));
      request = request.withBaseUrl(base.get());
    }
    Optional<String> model = optionalText(body, "model");
    costs.checkModel(model);
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    EditRequest finalRequest = request;
    if (AsyncGenerations.wanted(ctx)) {
      async.accepted(
          ctx, limitedAsync(ctx, 1, () -> List.of(pipeline().submit(finalRequest))).get(0));
      return;
    }
    ImageRecord image = limited(ctx, () -> pipeline().edit(finalRequest));
    ObjectNode out = JSON.createObjectNode();
    out.put("success", true);
    out.put("output", image.url());
    out.put("status", "succeeded");
    out.set("image", row(image));
    ctx.json(out);
  }

  /**
   * End users' URLs (image, reference, base) get the strict fetch policy, never the operator's
   * {@code --allow-host} exemptions: http(s) only, public hosts or this server's own storage (masks
   * are fetched under the same policy by the pipeline's ingestor).
   */
  private void checkUserUrl(String url) {
    pipeline().ingestor().checkUserUrl(url);
  }

  private static String requireUrl(JsonNode body, String field) {
    String value = requiredText(body, field);
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

  private void collection(Context ctx) {
    JsonNode body = jsonBody(ctx);
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
    Optional<String> model = optionalText(body, "model");
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
              () -> pipeline().submitCollection(user(ctx), list, model, collectionId)));
      return;
    }
    int atOnce = costs.collectionConcurrency(list.size(), 4);
    CollectionResult result =
        limited(ctx, atOnce, () -> pipeline().collection(user(ctx), list, model, atOnce, null));
    ObjectNode out = JSON.createObjectNode();
    out.put("collectionId", result.collectionId().toString());
    ArrayNode items = out.putArray("items");
    for (CollectionItem item : result.items()) {
      ObjectNode n = items.addObject();
      n.put("prompt", item.prompt());
      n.put("status", item.succeeded() ? "succeeded" : "failed");
      if (item.succeeded()) {
        n.set("image", row(item.images().get(0)));
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

  private void upload(Context ctx) throws IOException {
    long declared = ctx.contentLength();
    if (declared > config.maxUploadBytes + 64 * 1024) {
      throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
    }
    io.javalin.http.UploadedFile file;
    try {
      file = ctx.uploadedFile("file");
    } catch (RuntimeException e) {
      if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("size")
          || (e.getCause() != null
              && String.valueOf(e.getCause().getMessage())
                  .toLowerCase(Locale.ROOT)
                  .contains("size"))) {
        throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
      }
      throw ApiError.badRequest("send a multipart/form-data body with a 'file' field");
    }
    if (file == null) {
      throw ApiError.badRequest("missing multipart field 'file'");
    }
    if (file.size() > config.maxUploadBytes) {
      throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
    }
    String name = file.filename() == null || file.filename().isBlank() ? "upload" : file.filename();
    name = name.replaceAll("[\\p{Cntrl}/\\\\]", "_");
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    byte[] bytes;
    try (InputStream in = file.content()) {
      bytes = in.readAllBytes();
    }
    checkImage(bytes);
    ImageRecord image =
        pipeline()
            .upload(new java.io.ByteArrayInputStream(bytes), UploadRequest.of(user(ctx), name));
    ObjectNode out = JSON.createObjectNode();
    out.putObject("output").put("publicUrl", image.url());
    out.set("image", row(image));
    ctx.json(out);
  }

  /**
   * Decodes an upload before anything is stored, the way its thumbnail will be rendered: a broken
   * image, a decompression bomb or an image over the pixel limit is a 422 (an {@link
   * InputRejectedException}) and nothing is kept. At most one check per core runs at once, so a
   * burst of large uploads cannot hold more decoders in memory than the thumbnail workers would.
   */
  private void checkImage(byte[] bytes) {
    uploadChecks.acquireUninterruptibly();
    try {
      uploadCheck.render(bytes);
    } finally {
      uploadChecks.release();
    }
  }

  private void webhook(Context ctx) {
    WebhookVerifier verifier = webhookVerifier();
    byte[] body = WebhookIntake.read(ctx, config.clock, MAX_JSON_BYTES);
    try {
      verifier.verify(
          ctx.header("webhook-id"),
          ctx.header("webhook-timestamp"),
          ctx.header("webhook-signature"),
          body);
    } catch (WebhookVerifier.InvalidWebhookException e) {
      throw new ApiError(401, "invalid webhook: " + e.getMessage());
    }
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw ApiError.badRequest("malformed webhook body");
    }
    if (json == null || !json.path("id").isTextual() || !json.path("status").isTextual()) {
      throw ApiError.badRequest("webhook body must be a prediction with 'id' and 'status'");
    }
    Prediction prediction = Prediction.parse(json.toString());
    String id = prediction.id();
    Optional<ObjectNode> durable =
        config.pipeline == null ? Optional.empty() : async.deliver(prediction);
    if (durable.isPresent()) {
      ctx.json(durable.get()); // a generation row: completed here, whichever instance started it
      return;
    }
    // No generation has this prediction: nothing of ours to complete (every prediction this server
    // creates has its row before the create is sent).
    boolean recorded = !config.catalog.findByPrediction(id).isEmpty();
    ObjectNode out = JSON.createObjectNode();
    out.put("received", true);
    out.put("predictionId", id);
    out.put("outcome", recorded ? "duplicate" : "unknown");
    out.put("alreadyRecorded", recorded);
    ctx.json(out);
  }

  /**
   * The webhook verifier: from the configured secret, or the secret fetched once from Replicate.
   */
  private WebhookVerifier webhookVerifier() {
    WebhookVerifier v = webhooks;
    if (v != null) {
      return v;
    }
    if (config.webhookSecretSource == null) {
      // A route this server does not serve: 404, not a server fault.
      throw new ApiError(
          404,
          "webhooks are not enabled on this server: set REPLICATE_WEBHOOK_SECRET or"
              + " REPLICATE_API_TOKEN");
    }
    synchronized (secretLock) {
      if (webhooks == null) {
        String secret;
        try {
          secret = config.webhookSecretSource.get();
        } catch (RenderLabException e) {
          // Not remembered: the next delivery (Replicate retries) tries again.
          LOG.warn("Could not fetch the webhook signing secret from Replicate: {}", e.getMessage());
          throw new ApiError(
              503,
              "the webhook signing secret is not available yet; retry later",
              Duration.ofSeconds(30));
        }
        webhooks = WebhookVerifier.of(secret);
      }
      return webhooks;
    }
  }

  private void history(Context ctx) {
    HistoryQuery query = HistoryQuery.of(user(ctx));
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
    ObjectNode body = JSON.createObjectNode();
    body.set("images", rows(page.images()));
    body.put("nextCursor", page.nextCursor().orElse(null));
    ctx.json(body);
  }

  private void lineage(Context ctx) {
    ImageRecord image = ownImage(ctx, ctx.pathParam("id"));
    ObjectNode body = JSON.createObjectNode();
    body.set("chain", rows(config.catalog.lineage(image.id())));
    ctx.json(body);
  }

  private void generateThumbnail(Context ctx) {
    JsonNode body = jsonBody(ctx);
    ImageRecord image = ownImage(ctx, requiredText(body, "imageId"));
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
        .filter(r -> r.userId().equals(user(ctx)))
        .orElseThrow(() -> ApiError.notFound("image"));
  }

  private void file(Context ctx) throws IOException {
    if (config.filesRoot == null) {
      throw ApiError.notFound("file");
    }
    String rest = ctx.path().substring("/files/".length());
    if (rest.isEmpty()
        || rest.contains("..")
        || rest.contains("\\")
        || rest.startsWith("/")
        || rest.contains("//")) {
      throw ApiError.notFound("file");
    }
    Path root = config.filesRoot.toRealPath();
    String decoded;
    try {
      // A path decodes like a URI path: '+' is a plus sign, not a space.
      decoded =
          java.net.URLDecoder.decode(
              rest.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("file");
    }
    if (decoded.contains("..") || decoded.contains("\\") || decoded.indexOf('\0') >= 0) {
      throw ApiError.notFound("file");
    }
    Path target;
    try {
      target = root.resolve(decoded).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw ApiError.notFound("file");
    }
    if (!target.startsWith(root) || !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      throw ApiError.notFound("file");
    }
    if (!target.toRealPath().startsWith(root)) {
      throw ApiError.notFound("file");
    }
    ctx.contentType(contentType(target));
    ctx.header("Cache-Control", "public, max-age=3600");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.result(Files.newInputStream(target));
  }

  static String contentType(Path file) throws IOException {
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
      return "image/png";
    }
    if (n >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8) {
      return "image/jpeg";
    }
    if (n >= 12
        && head[0] == 'R'
        && head[1] == 'I'
        && head[2] == 'F'
        && head[3] == 'F'
        && head[8] == 'W'
        && head[9] == 'E') {
      return "image/webp";
    }
    if (n >= 4 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F') {
      return "image/gif";
    }
    return "application/octet-stream";
  }

  static ArrayNode rows(List<ImageRecord> images) {
    ArrayNode rows = JSON.createArrayNode();
    images.forEach(r -> rows.add(row(r)));
    return rows;
  }

  /** An image in the RenderLab web app's column names. */
  static ObjectNode row(ImageRecord r) {
    ObjectNode n = JSON.createObjectNode();
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

  static JsonNode jsonBody(Context ctx) {
    String type = Optional.ofNullable(ctx.contentType()).orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw ApiError.badRequest("send a JSON body with Content-Type: application/json");
    }
    if (ctx.contentLength() > MAX_JSON_BYTES) {
      throw new ApiError(413, "JSON body larger than " + MAX_JSON_BYTES + " bytes");
    }
    try {
      byte[] bytes = ctx.bodyInputStream().readNBytes(MAX_JSON_BYTES + 1);
      if (bytes.length > MAX_JSON_BYTES) {
        throw new ApiError(413, "JSON body larger than " + MAX_JSON_BYTES + " bytes");
      }
      JsonNode node = JSON.readTree(bytes);
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

  private static int parseInt(String text, String name) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(name + " must be a whole number");
    }
  }

  private static void error(Context ctx, int status, String message, Duration retryAfter) {
    ctx.status(status);
    if (retryAfter != null) {
      ctx.header("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    }
    ctx.json(Map.of("error", message == null ? "error" : message));
  }

  /** Builds a {@link RenderLabServer}. */
  public static final class Builder {
    private ImageCatalog catalog;
    private ThumbnailJobQueue jobs;
    private RenderLabPipeline pipeline;
    private String webhookSecret;
    private Supplier<String> webhookSecretSource;
    private String publicUrl;
    private Duration generationTimeout = Duration.ofMinutes(10);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private int maxConcurrentGenerations = 2;
    private String jwtSecret;
    private JwtVerifier jwt;
    private String devUser;
    private String host = "127.0.0.1";
    private int port = 8080;
    private Path filesRoot;
    private long maxUploadBytes = 50L * 1024 * 1024;
    private Clock clock = Clock.systemUTC();
    private String supabaseUrl;
    private List<String> models = List.of(RenderLabPipeline.DEFAULT_MODEL);
    private int maxCollectionPrompts = 20;
    private int dailyQuota;
    private long minRequestDataRate = 4 * 1024;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration requestBodyTimeout = Duration.ofMinutes(10);
    private java.util.Set<String> tokenRoles = java.util.Set.of(JwtVerifier.DEFAULT_ROLE);
    private Duration headerTimeout = Duration.ofSeconds(10);
    private int maxConnections = 10_000;
    private int maxConnectionsPerAddress = 1_000;

    private Builder() {}

    /** A copy, so that a built server never changes when its builder does. */
    private Builder copy() {
      Builder c = new Builder();
      c.catalog = catalog;
      c.jobs = jobs;
      c.pipeline = pipeline;
      c.webhookSecret = webhookSecret;
      c.webhookSecretSource = webhookSecretSource;
      c.publicUrl = publicUrl;
      c.generationTimeout = generationTimeout;
      c.shutdownTimeout = shutdownTimeout;
      c.maxConcurrentGenerations = maxConcurrentGenerations;
      c.jwtSecret = jwtSecret;
      c.jwt = jwt;
      c.devUser = devUser;
      c.host = host;
      c.port = port;
      c.filesRoot = filesRoot;
      c.maxUploadBytes = maxUploadBytes;
      c.clock = clock;
      c.supabaseUrl = supabaseUrl;
      c.models = models;
      c.maxCollectionPrompts = maxCollectionPrompts;
      c.dailyQuota = dailyQuota;
      c.minRequestDataRate = minRequestDataRate;
      c.idleTimeout = idleTimeout;
      c.requestBodyTimeout = requestBodyTimeout;
      c.tokenRoles = tokenRoles;
      c.headerTimeout = headerTimeout;
      c.maxConnections = maxConnections;
      c.maxConnectionsPerAddress = maxConnectionsPerAddress;
      return c;
    }

    /**
     * Verify ES256 and RS256 access tokens with this Supabase project's JWKS ({@code
     * <url>/auth/v1/.well-known/jwks.json}), and require {@code iss = <url>/auth/v1}. Combines with
     * {@link #jwtSecret(String)} for projects that still issue HS256 tokens.
     */
    public Builder supabaseUrl(String url) {
      JwtVerifier.builder().supabaseUrl(url); // validates the URL now
      this.supabaseUrl = url.strip();
      return this;
    }

    /**
     * The models users may run: {@code owner/name} or {@code owner/*} entries. Default: the default
     * model ({@value RenderLabPipeline#DEFAULT_MODEL}) only. Requests naming another get 403 before
     * anything reaches Replicate.
     */
    public Builder models(List<String> allowed) {
      Objects.requireNonNull(allowed, "models");
      this.models = CostControls.parseModels(String.join(",", allowed));
      return this;
    }

    /** Most prompts in one collection; default 20. */
    public Builder maxCollectionPrompts(int max) {
      if (max < 1 || max > 1000) {
        throw new IllegalArgumentException("maxCollectionPrompts must be between 1 and 1000");
      }
      this.maxCollectionPrompts = max;
      return this;
    }

    /** Predictions one user may start per UTC day (kept in memory); 0, the default, is no quota. */
    public Builder dailyQuota(int predictions) {
      if (predictions < 0) {
        throw new IllegalArgumentException("dailyQuota must not be negative (0 means no quota)");
      }
      this.dailyQuota = predictions;
      return this;
    }

    /**
     * Slowest request body accepted, averaged from its first byte: a slower body gets 408 and the
     * connection is closed. Default 4 KiB/s; 0 disables the check.
     */
    public Builder minRequestDataRate(long bytesPerSecond) {
      if (bytesPerSecond < 0) {
        throw new IllegalArgumentException("minRequestDataRate must not be negative");
      }
      this.minRequestDataRate = bytesPerSecond;
      return this;
    }

    /** How long a connection may stay silent (mid-request: 408); default 30 seconds. */
    public Builder idleTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive");
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * How long a connection may take to send a whole request head (request line and headers), from
     * when it opens or finishes its previous request, whatever its byte rate; later it is closed.
     * Default 10 seconds. Unlike the idle timeout, a byte now and then does not extend it, so slow
     * headers cannot hold connections.
     */
    public Builder headerTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("headerTimeout must be positive");
      }
      this.headerTimeout = timeout;
      return this;
    }

    /**
     * Most connections open at once, and from one remote address. A newcomer past a cap closes the
     * connection (of that address, or of anyone for the total) that has waited longest without
     * sending a complete request head, so a flood of idle connections costs its sender its own
     * connections and the newcomer (a health check, another user) is served. Defaults 10,000 and
     * 1,000: keep the total under the process's file-descriptor limit.
     */
    public Builder maxConnections(int total, int perAddress) {
      if (total < 1 || perAddress < 1 || perAddress > total) {
        throw new IllegalArgumentException(
            "maxConnections: the total and the per-address cap must be positive, per address at"
                + " most the total");
      }
      this.maxConnections = total;
      this.maxConnectionsPerAddress = perAddress;
      return this;
    }

    /** How long receiving one request body may take in all; later, 408. Default 10 minutes. */
    public Builder requestBodyTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestBodyTimeout must be positive");
      }
      this.requestBodyTimeout = timeout;
      return this;
    }

    /** The catalog and its thumbnail jobs (required). */
    public Builder catalog(ImageCatalog catalog, ThumbnailJobQueue jobs) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      this.jobs = Objects.requireNonNull(jobs, "jobs");
      return this;
    }

    /**
     * The pipeline and its thumbnail worker: enables the generate, edit, collection and upload
     * routes.
     */
    public Builder pipeline(RenderLabPipeline pipeline, ThumbnailService thumbnails) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(thumbnails, "thumbnails");
      return catalog(pipeline.catalog(), pipeline.catalog().thumbnailJobs());
    }

    /** Verify Replicate webhook deliveries with this signing secret ({@code whsec_...}). */
    public Builder webhookSecret(String secret) {
      WebhookVerifier.of(secret); // validates the format now rather than at the first delivery
      this.webhookSecret = secret;
      return this;
    }

    /**
     * Where to get the webhook signing secret when none is configured, for example {@code
     * replicate::webhookSigningSecret}: called at the first delivery and remembered once it
     * succeeds.
     */
    public Builder webhookSecret(Supplier<String> source) {
      this.webhookSecretSource = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * The server's public URL (for example {@code https://renderlab.example.com}): generations then
     * ask Replicate to POST the finished prediction to {@code <url>/api/webhooks/replicate} instead
     * of polling for it. Replicate must be able to reach that URL.
     */
    public Builder publicUrl(String url) {
      java.net.URI uri = java.net.URI.create(Objects.requireNonNull(url, "url"));
      if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("publicUrl must be an http(s) URL, was " + url);
      }
      this.publicUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      return this;
    }

    /**
     * How long a webhook generation waits for its delivery before answering 504; default 10
     * minutes.
     */
    public Builder generationTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("generationTimeout must be positive");
      }
      this.generationTimeout = timeout;
      return this;
    }

    /** How long {@link RenderLabServer#close()} lets in-flight requests run; default 30 seconds. */
    public Builder shutdownTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("shutdownTimeout must not be negative");
      }
      this.shutdownTimeout = timeout;
      return this;
    }

    /** The clock for token expiry and webhook bookkeeping; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Predictions one user may have in flight (a generation or edit counts 1, a collection of N
     * counts N); more get 429. Default 2.
     */
    public Builder maxConcurrentGenerations(int max) {
      if (max < 1 || max > 100) {
        throw new IllegalArgumentException("maxConcurrentGenerations must be between 1 and 100");
      }
      this.maxConcurrentGenerations = max;
      return this;
    }

    /**
     * The {@code role} claims a token may carry; default {@code authenticated} only, so the
     * project's {@code anon} key (and {@code service_role}) is refused with 401. Add {@code anon}
     * only if anonymous API-key callers should act as users.
     */
    public Builder tokenRoles(List<String> roles) {
      Objects.requireNonNull(roles, "roles");
      java.util.Set<String> set = new java.util.LinkedHashSet<>();
      roles.forEach(r -> set.add(Objects.requireNonNull(r, "role").strip()));
      JwtVerifier.builder().roles(set); // validates now
      this.tokenRoles = java.util.Set.copyOf(set);
      return this;
    }

    /** Verify {@code Authorization: Bearer} JWTs with this Supabase JWT secret (HS256). */
    public Builder jwtSecret(String secret) {
      JwtVerifier.hs256(secret, clock); // validates the secret now
      this.jwtSecret = secret;
      return this;
    }

    /** Local trials: requests without a token act as this user. Only allowed on a loopback host. */
    public Builder devUser(String user) {
      this.devUser = user;
      return this;
    }

    /** The interface to bind; default 127.0.0.1. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /** Serve this folder (the folder store's root) under {@code /files/}. */
    public Builder filesRoot(Path root) {
      this.filesRoot = root;
      return this;
    }

    /** Largest upload; default 50 MiB. Larger uploads get 413. */
    public Builder maxUploadBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxUploadBytes must be positive");
      }
      this.maxUploadBytes = bytes;
      return this;
    }

    /** Builds the server (not started); later changes to this builder do not affect it. */
    public RenderLabServer build() {
      if (catalog == null) {
        throw new IllegalStateException("catalog is required");
      }
      if (jwtSecret == null && supabaseUrl == null && devUser == null) {
        throw new ConfigurationException(
            "Set RENDERLAB_SUPABASE_URL (the Supabase project whose JWKS verifies user tokens) and/or "
                + "RENDERLAB_JWT_SECRET (its legacy JWT secret), or use --dev-user NAME for a local trial.");
      }
      if (publicUrl != null && pipeline == null) {
        throw new IllegalStateException("publicUrl (webhook generations) needs a pipeline");
      }
      if (devUser != null && !isLoopback(host)) {
        throw new ConfigurationException(
            "--dev-user serves without authentication and only binds to loopback, not " + host);
      }
      Builder fixed = copy();
      if (jwtSecret != null || supabaseUrl != null) {
        JwtVerifier.Builder tokens = JwtVerifier.builder().clock(clock).roles(tokenRoles);
        if (jwtSecret != null) {
          tokens.hs256Secret(jwtSecret);
        }
        if (supabaseUrl != null) {
          tokens.supabaseUrl(supabaseUrl);
        }
        fixed.jwt = tokens.build();
      }
      return new RenderLabServer(fixed);
    }

    private static boolean isLoopback(String host) {
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (IOException e) {
        return false;
      }
    }
  }
}
