package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.UpstreamException;
import io.renderlab.replicate.internal.ApiCall;
import io.renderlab.replicate.internal.Transport;
import io.renderlab.replicate.internal.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Models and their input schemas ({@code client.models()}): what a model takes, read from Replicate
 * once and cached (bounded, with a time to live; see {@link ReplicateClient.Builder#schemaCache}).
 * The client reads the same schemas to check every create's input before sending it. Thread-safe.
 *
 * <pre>{@code
 * InputSchema schema = replicate.models().inputSchema("black-forest-labs/flux-fill-pro");
 * schema.field("mask").ifPresent(mask -> System.out.println(mask.isUri()));   // true
 * }</pre>
 */
public final class ReplicateModels {
  private final Transport transport;
  private final TtlCache<ModelInfo> models;
  private final TtlCache<InputSchema> versions;
  private final TtlCache<String> deployments;
  private final TtlCache<String> community;

  /**
   * What {@code GET /models/{owner}/{name}} says about running a model.
   *
   * @param name owner/name
   * @param latestVersion {@code latest_version.id}, if any
   * @param official {@code is_official}, when the API says
   * @param schema the latest version's input schema, if it has one
   */
  record ModelInfo(
      String name,
      Optional<String> latestVersion,
      Optional<Boolean> official,
      Optional<InputSchema> schema) {}

  ReplicateModels(Transport transport, int maxEntries, Duration ttl, Clock clock) {
    this.transport = transport;
    this.models = new TtlCache<>(maxEntries, ttl, clock);
    this.versions = new TtlCache<>(maxEntries, ttl, clock);
    this.deployments = new TtlCache<>(maxEntries, ttl, clock);
    this.community = new TtlCache<>(maxEntries, ttl, clock);
  }

  /** The latest version a community model's creates go to, when known. */
  Optional<String> communityVersion(String name) {
    return community.get(name);
  }

  /** Remembers that {@code name} is not official and runs as {@code version}. */
  void rememberCommunity(String name, String version) {
    community.put(name, version);
  }

  /**
   * The input schema of a model's latest version ({@code owner/name}: {@code GET
   * /models/{owner}/{name}}, its {@code latest_version.openapi_schema}) or of one version ({@code
   * owner/name:version}: {@code GET /models/{owner}/{name}/versions/{id}}). Cached.
   *
   * @throws IllegalArgumentException if {@code reference} is neither form (a bare version id names
   *     no model whose schema could be read)
   * @throws ReplicateApiException.NotFoundException if there is no such model or version
   * @throws UpstreamException if Replicate cannot be read or the version declares no input schema
   */
  public InputSchema inputSchema(String reference) {
    return inputSchema(PredictionRequest.of(reference).build());
  }

  /**
   * The input schema of what {@code request} runs: its model's latest version, its version, or for
   * a deployment its current release's version ({@code GET /deployments/{owner}/{name}}). Cached.
   *
   * @throws IllegalArgumentException for a bare version id (it names no model)
   * @throws ReplicateApiException.NotFoundException if there is no such model, version or
   *     deployment
   * @throws UpstreamException if Replicate cannot be read or the version declares no input schema
   */
  public InputSchema inputSchema(PredictionRequest request) {
    return Transport.join(inputSchemaAsync(request));
  }

  /** Like {@link #inputSchema(PredictionRequest)}, without blocking. */
  public CompletableFuture<InputSchema> inputSchemaAsync(PredictionRequest request) {
    Objects.requireNonNull(request, "request");
    switch (request.kind()) {
      case MODEL:
        return modelAsync(request.target())
            .thenApply(
                info ->
                    info.schema()
                        .orElseThrow(
                            () ->
                                noSchema(
                                    "model "
                                        + info.name()
                                        + (info.latestVersion().isEmpty()
                                            ? " (it has no latest_version)"
                                            : ""))));
      case VERSION:
        if (request.modelName().isEmpty()) {
          return CompletableFuture.failedFuture(
              new IllegalArgumentException(
                  "A bare version id names no model, so its schema cannot be read: use"
                      + " owner/name:"
                      + request.target()));
        }
        return versionAsync(request.modelName().get(), request.target());
      default:
        return deploymentVersionAsync(request.target())
            .thenCompose(
                ref -> {
                  int colon = ref.indexOf(':');
                  return versionAsync(ref.substring(0, colon), ref.substring(colon + 1));
                });
    }
  }

  /**
   * The id of a model's latest version ({@code latest_version.id}), as a community model's {@code
   * owner/name} is run. Cached.
   *
   * @throws ReplicateApiException.NotFoundException if there is no such model
   * @throws UpstreamException if Replicate cannot be read or the model has no version
   */
  public String latestVersion(String ownerAndName) {
    PredictionRequest named = PredictionRequest.of(ownerAndName).build();
    if (named.kind() != PredictionRequest.TargetKind.MODEL) {
      throw new IllegalArgumentException(
          "ownerAndName must be 'owner/name', was '" + ownerAndName + "'");
    }
    String name = named.target();
    ModelInfo info = Transport.join(modelAsync(name));
    return info.latestVersion()
        .orElseThrow(
            () ->
                new UpstreamException(
                    "Replicate's model " + name + " has no latest version.", 0, null, false));
  }

  /** {@code GET /models/{owner}/{name}}, cached. */
  CompletableFuture<ModelInfo> modelAsync(String name) {
    Optional<ModelInfo> cached = models.get(name);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    return transport
        .send(
            ApiCall.read(
                transport.uri("/models/" + name), "reading model " + name, "model " + name))
        .thenApply(
            json -> {
              JsonNode latest = json.path("latest_version");
              Optional<String> version =
                  latest.path("id").isTextual()
                      ? Optional.of(latest.path("id").asText())
                      : Optional.empty();
              Optional<InputSchema> schema =
                  latest.path("openapi_schema").isObject()
                      ? InputSchema.parse(name, version.orElse(null), latest.path("openapi_schema"))
                      : Optional.empty();
              Optional<Boolean> official =
                  json.path("is_official").isBoolean()
                      ? Optional.of(json.path("is_official").asBoolean())
                      : Optional.empty();
              ModelInfo info = new ModelInfo(name, version, official, schema);
              models.put(name, info);
              return info;
            });
  }

  /** {@code GET /models/{owner}/{name}/versions/{id}}, cached. */
  CompletableFuture<InputSchema> versionAsync(String name, String id) {
    String key = name + ":" + id;
    Optional<InputSchema> cached = versions.get(key);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    return transport
        .send(
            ApiCall.read(
                transport.uri("/models/" + name + "/versions/" + id),
                "reading version " + key,
                "version " + key))
        .thenApply(
            json -> {
              InputSchema schema =
                  InputSchema.parse(name, id, json.path("openapi_schema"))
                      .orElseThrow(() -> noSchema("version " + key));
              versions.put(key, schema);
              return schema;
            });
  }

  /** {@code GET /deployments/{owner}/{name}}: its current release's {@code model:version}. */
  private CompletableFuture<String> deploymentVersionAsync(String name) {
    Optional<String> cached = deployments.get(name);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    return transport
        .send(
            ApiCall.read(
                transport.uri("/deployments/" + name),
                "reading deployment " + name,
                "deployment " + name))
        .thenApply(
            json -> {
              JsonNode release = json.path("current_release");
              String model = release.path("model").asText("");
              String version = release.path("version").asText("");
              if (model.isEmpty() || version.isEmpty()) {
                throw noSchema("deployment " + name + " (it has no current release)");
              }
              String ref = model + ":" + version;
              deployments.put(name, ref);
              return ref;
            });
  }

  private static UpstreamException noSchema(String what) {
    return new UpstreamException(
        "Replicate declares no input schema for " + what + ".", 0, null, false);
  }

  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  @Override
  public String toString() {
    return "ReplicateModels{" + transport.baseUrl() + '}';
  }
}
