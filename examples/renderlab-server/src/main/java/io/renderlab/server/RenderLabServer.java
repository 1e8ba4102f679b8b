package io.renderlab.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.WebhookVerifier;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
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
  static final ObjectMapper JSON = new ObjectMapper();

  /** Largest JSON request body. */
  static final int MAX_JSON_BYTES = 1024 * 1024;

  private final Builder config;
  private final Javalin app;
  private final SecurityHeaders security = SecurityHeaders.forGallery();
  private final ConnectionGuard connections;
  private final Authentication auth;
  private final AsyncGenerations async;
  private final GenerationRoutes generations;
  private final UploadRoutes uploads;
  private final WebhookRoutes webhooks;
  private final CatalogRoutes catalog;
  private final FileRoutes files;

  private RenderLabServer(Builder b) {
    this.config = b;
    GenerationStore durable = b.pipeline == null ? null : b.pipeline.catalog().generations();
    CostControls costs =
        new CostControls(
            b.models,
            b.maxConcurrentGenerations,
            b.maxCollectionPrompts,
            b.dailyQuota,
            b.clock,
            user -> durable == null ? 0 : durable.countUnfinished(user));
    this.async = new AsyncGenerations(b::requiredPipeline);
    this.auth = new Authentication(b);
    this.generations = new GenerationRoutes(b, costs, async);
    this.uploads = new UploadRoutes(b);
    this.webhooks = new WebhookRoutes(b, async);
    this.catalog = new CatalogRoutes(b);
    this.files = new FileRoutes(b);
    this.connections =
        new ConnectionGuard(b.headerTimeout, b.maxConnections, b.maxConnectionsPerAddress, b.clock);
    this.app = ServerWiring.create(b, connections, this::javalin);
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

  /**
   * The route table: filters and error mapping first, then every route and the class serving it.
   */
  private void routes() {
    ApiErrors.install(app);
    app.before(
        ctx -> {
          security.apply(ctx);
          if (config.devUser != null) {
            SecurityHeaders.checkLocalRequest(ctx);
          }
        });
    RouteErrors.install(app);
    app.before(
        "/api/*",
        ctx -> {
          // A user's records, generations and errors: never kept by a browser or a shared cache.
          ctx.header("Cache-Control", "no-store");
          if (!ctx.path().startsWith("/api/webhooks/")) {
            auth.authenticate(ctx);
          }
        });

    app.get("/healthz", this::health);
    app.get("/", files::index);
    app.get("/api/history", catalog::history);
    app.get("/api/images/{id}/lineage", catalog::lineage);
    app.post("/api/generate-thumbnail", catalog::generateThumbnail);
    app.post("/api/generate", generations::generate);
    app.post("/api/generate/edit", generations::edit);
    app.post("/api/generate/collection", generations::collection);
    app.post("/api/upload", uploads::upload);
    app.post("/api/webhooks/replicate", webhooks::webhook);
    app.get("/api/generations", async::list);
    app.get("/api/generations/{id}", async::status);
    app.post(
        "/api/inpaint/nano-banana",
        generations
            ::edit); // the RenderLab web app's phase-2 inpaint route: the edit flow under its name
    app.get("/files/*", files::file);
  }

  private void health(Context ctx) {
    ObjectNode health = JSON.createObjectNode().put("status", "ok");
    health.put("thumbnailJobsPending", config.jobs.pending());
    if (config.pipeline != null) {
      health.put("generationsInFlight", config.pipeline.generations().inFlight());
    }
    ctx.json(health);
  }

  /** Builds a {@link RenderLabServer}. */
  public static final class Builder {
    // Package-private: the server's route classes read the built copy (see copy()).
    ImageCatalog catalog;
    ThumbnailJobQueue jobs;
    RenderLabPipeline pipeline;
    String webhookSecret;
    Supplier<String> webhookSecretSource;
    String publicUrl;
    Duration generationTimeout = Duration.ofMinutes(10);
    Duration shutdownTimeout = Duration.ofSeconds(30);
    int maxConcurrentGenerations = 2;
    String jwtSecret;
    JwtVerifier jwt;
    String devUser;
    String host = "127.0.0.1";
    int port = 8080;
    Path filesRoot;
    long maxUploadBytes = 50L * 1024 * 1024;
    Clock clock = Clock.systemUTC();
    String supabaseUrl;
    List<String> models = List.of(RenderLabPipeline.DEFAULT_MODEL);
    int maxCollectionPrompts = 20;
    int dailyQuota;
    long minRequestDataRate = 4 * 1024;
    Duration idleTimeout = Duration.ofSeconds(30);
    Duration requestBodyTimeout = Duration.ofMinutes(10);
    java.util.Set<String> tokenRoles = java.util.Set.of(JwtVerifier.DEFAULT_ROLE);
    Duration headerTimeout = Duration.ofSeconds(10);
    int maxConnections = 10_000;
    int maxConnectionsPerAddress = 1_000;

    private Builder() {}

    /** The pipeline, or 503 on a route that needs one when this server has none. */
    RenderLabPipeline requiredPipeline() {
      if (pipeline == null) {
        throw new ApiError(503, "this server has no pipeline configured");
      }
      return pipeline;
    }

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
