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
import io.renderlab.pipeline.CollectionItem;
import io.renderlab.pipeline.CollectionResult;
import io.renderlab.pipeline.EditRequest;
import io.renderlab.pipeline.GenerateRequest;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.pipeline.UploadRequest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample server: RenderLab's backend routes over the SDK, so a RenderLab-style frontend (or
 * {@code curl}) can use it unchanged. Thread-safe; {@link #close()} stops accepting, lets
 * in-flight requests finish, and leaves unfinished thumbnail jobs queued for the next start.
 */
public final class RenderLabServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabServer.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "renderlab.user";
  /** Largest JSON request body. */
  static final int MAX_JSON_BYTES = 1024 * 1024;

  private final Builder config;
  private final Javalin app;
  private final Map<String, java.util.concurrent.Semaphore> generations = new java.util.concurrent.ConcurrentHashMap<>();

  private RenderLabServer(Builder b) {
    this.config = b;
    this.app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.http.maxRequestSize = MAX_JSON_BYTES;
      cfg.jetty.multipartConfig.maxFileSize(b.maxUploadBytes, io.javalin.config.SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxTotalRequestSize(b.maxUploadBytes + 64 * 1024, io.javalin.config.SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxInMemoryFileSize(1, io.javalin.config.SizeUnit.MB);
    });
    routes();
  }

  /** A builder; a catalog and either a JWT secret or a dev user are required. */
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

  @Override
  public void close() {
    app.stop();
  }

  private void routes() {
    app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.getMessage(), e.retryAfter));
    app.exception(JwtVerifier.InvalidTokenException.class, (e, ctx) -> error(ctx, 401, e.getMessage(), null));
    app.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage(), null));
    app.exception(InputRejectedException.class, (e, ctx) -> error(ctx, 422, e.getMessage(), null));
    app.exception(RateLimitedException.class, (e, ctx) -> error(ctx, 429, e.getMessage(), e.retryAfter().orElse(null)));
    app.exception(DeadlineExceededException.class, (e, ctx) -> error(ctx, 504, e.getMessage(), null));
    app.exception(ConfigurationException.class, (e, ctx) -> error(ctx, 503, e.getMessage(), null));
    app.exception(CatalogException.class, (e, ctx) -> error(ctx, 503, "catalog unavailable; try again", null));
    app.exception(RenderLabException.class, (e, ctx) -> error(ctx, 502, e.getMessage(), null));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.warn("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
      error(ctx, 500, "internal error", null);
    });
    app.error(404, ctx -> {
      if (ctx.result() == null) {
        error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
      }
    });

    app.before("/api/*", ctx -> {
      if (!ctx.path().startsWith("/api/webhooks/")) {
        ctx.attribute(USER, authenticate(ctx));
      }
    });

    app.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/", ctx -> {
      try (InputStream in = RenderLabServer.class.getResourceAsStream("web/index.html")) {
        ctx.contentType("text/html; charset=utf-8").result(Objects.requireNonNull(in).readAllBytes());
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

  /** Runs a generation under the per-user concurrency cap (429 with Retry-After beyond it). */
  private <T> T limited(Context ctx, java.util.function.Supplier<T> work) {
    java.util.concurrent.Semaphore permits =
        generations.computeIfAbsent(user(ctx), u -> new java.util.concurrent.Semaphore(config.maxConcurrentGenerations));
    if (!permits.tryAcquire()) {
      throw new ApiError(429, "too many generations at once for this user; retry shortly", Duration.ofSeconds(5));
    }
    try {
      return work.get();
    } finally {
      permits.release();
    }
  }

  private void generate(Context ctx) {
    JsonNode body = jsonBody(ctx);
    GenerateRequest request = GenerateRequest.of(user(ctx), requiredText(body, "prompt"));
    Optional<String> model = optionalText(body, "model");
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    Optional<String> imageUrl = optionalText(body, "imageUrl");
    if (imageUrl.isPresent()) {
      request = request.withReferenceUrls(List.of(imageUrl.get()));
    }
    GenerateRequest finalRequest = request;
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
        EditRequest.of(user(ctx), requiredText(body, "imageUrl"), EditRequest.Mask.parse(requireUrl(body, "maskUrl")), requiredText(body, "prompt"));
    Optional<String> base = optionalText(body, "baseImageUrl");
    if (base.isPresent()) {
      request = request.withBaseUrl(base.get());
    }
    Optional<String> model = optionalText(body, "model");
    if (model.isPresent()) {
      request = request.withModel(model.get());
    }
    EditRequest finalRequest = request;
    ImageRecord image = limited(ctx, () -> pipeline().edit(finalRequest));
    ObjectNode out = JSON.createObjectNode();
    out.put("success", true);
    out.put("output", image.url());
    out.put("status", "succeeded");
    out.set("image", row(image));
    ctx.json(out);
  }

  private static String requireUrl(JsonNode body, String field) {
    String value = requiredText(body, field);
    String lower = value.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://") && !lower.startsWith("data:")) {
      throw ApiError.badRequest("field '" + field + "' must be an http(s) or data: URL");
    }
    return value;
  }

  private void collection(Context ctx) {
    JsonNode body = jsonBody(ctx);
    JsonNode prompts = body.get("prompts");
    if (prompts == null || !prompts.isArray() || prompts.isEmpty()) {
      throw ApiError.badRequest("missing field 'prompts' (a non-empty array of strings)");
    }
    List<String> list = new java.util.ArrayList<>();
    for (JsonNode p : prompts) {
      if (!p.isTextual() || p.asText().isBlank()) {
        throw ApiError.badRequest("field 'prompts' must hold non-empty strings");
      }
      list.add(p.asText());
    }
    Optional<String> model = optionalText(body, "model");
    CollectionResult result = limited(ctx, () -> pipeline().collection(user(ctx), list, model, 4, null));
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
        n.put("error", item.error().map(Throwable::getMessage).orElse("failed"));
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
          || (e.getCause() != null && String.valueOf(e.getCause().getMessage()).toLowerCase(Locale.ROOT).contains("size"))) {
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
    ImageRecord image;
    try (InputStream in = file.content()) {
      image = pipeline().upload(in, UploadRequest.of(user(ctx), name));
    }
    ObjectNode out = JSON.createObjectNode();
    out.putObject("output").put("publicUrl", image.url());
    out.set("image", row(image));
    ctx.json(out);
  }

  private void webhook(Context ctx) {
    if (config.webhooks == null) {
      throw new ApiError(503, "webhooks are not configured: set REPLICATE_WEBHOOK_SECRET");
    }
    byte[] body = ctx.bodyAsBytes();
    try {
      config.webhooks.verify(ctx.header("webhook-id"), ctx.header("webhook-timestamp"), ctx.header("webhook-signature"), body);
    } catch (WebhookVerifier.InvalidWebhookException e) {
      throw new ApiError(401, "invalid webhook: " + e.getMessage());
    }
    JsonNode prediction;
    try {
      prediction = JSON.readTree(body);
    } catch (IOException e) {
      throw ApiError.badRequest("malformed webhook body");
    }
    String id = prediction.path("id").asText("");
    boolean known = !id.isEmpty() && !config.catalog.findByPrediction(id).isEmpty();
    ObjectNode out = JSON.createObjectNode();
    out.put("received", true);
    out.put("predictionId", id);
    out.put("alreadyRecorded", known);
    ctx.json(out);
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

  /** The image with this id if it belongs to the caller; 404 otherwise (never reveals others' ids). */
  ImageRecord ownImage(Context ctx, String id) {
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("image");
    }
    return config.catalog.find(uuid).filter(r -> r.userId().equals(user(ctx))).orElseThrow(() -> ApiError.notFound("image"));
  }

  private void file(Context ctx) throws IOException {
    if (config.filesRoot == null) {
      throw ApiError.notFound("file");
    }
    String rest = ctx.path().substring("/files/".length());
    if (rest.isEmpty() || rest.contains("..") || rest.contains("\\") || rest.startsWith("/") || rest.contains("//")) {
      throw ApiError.notFound("file");
    }
    Path root = config.filesRoot.toRealPath();
    Path target = root.resolve(java.net.URLDecoder.decode(rest, java.nio.charset.StandardCharsets.UTF_8)).normalize();
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
    if (n >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F' && head[8] == 'W' && head[9] == 'E') {
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

  /** An image in the seed's column names. */
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
    } catch (IOException e) {
      throw ApiError.badRequest("malformed JSON body");
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
    private WebhookVerifier webhooks;
    private int maxConcurrentGenerations = 2;
    private JwtVerifier jwt;
    private String devUser;
    private String host = "127.0.0.1";
    private int port = 8080;
    private Path filesRoot;
    private long maxUploadBytes = 50L * 1024 * 1024;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The catalog and its thumbnail jobs (required). */
    public Builder catalog(ImageCatalog catalog, ThumbnailJobQueue jobs) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      this.jobs = Objects.requireNonNull(jobs, "jobs");
      return this;
    }

    /** The pipeline and its thumbnail worker: enables the generate, edit, collection and upload routes. */
    public Builder pipeline(RenderLabPipeline pipeline, ThumbnailService thumbnails) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(thumbnails, "thumbnails");
      return catalog(pipeline.catalog(), pipeline.catalog().thumbnailJobs());
    }

    /** Verify Replicate webhook deliveries with this signing secret ({@code whsec_...}). */
    public Builder webhookSecret(String secret) {
      this.webhooks = WebhookVerifier.of(secret);
      return this;
    }

    /** Generations one user may run at once; more get 429. Default 2. */
    public Builder maxConcurrentGenerations(int max) {
      if (max < 1 || max > 100) {
        throw new IllegalArgumentException("maxConcurrentGenerations must be between 1 and 100");
      }
      this.maxConcurrentGenerations = max;
      return this;
    }

    /** Verify {@code Authorization: Bearer} JWTs with this Supabase JWT secret (HS256). */
    public Builder jwtSecret(String secret) {
      this.jwt = JwtVerifier.hs256(secret, clock);
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

    /** Builds the server (not started). */
    public RenderLabServer build() {
      if (catalog == null) {
        throw new IllegalStateException("catalog is required");
      }
      if (jwt == null && devUser == null) {
        throw new ConfigurationException(
            "Set RENDERLAB_JWT_SECRET (the Supabase project's JWT secret) or use --dev-user NAME for a local trial.");
      }
      if (devUser != null && !isLoopback(host)) {
        throw new ConfigurationException("--dev-user serves without authentication and only binds to loopback, not " + host);
      }
      return new RenderLabServer(this);
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
