package io.renderlab.replicate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.Redaction;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What to run: a target (an official model by name, a version id, or a deployment), its input, and
 * optionally a webhook.
 *
 * <pre>{@code
 * PredictionRequest request = PredictionRequest.model("google/nano-banana")
 *     .input(Map.of("prompt", "modern architecture")).build();
 * }</pre>
 */
public final class PredictionRequest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What kind of target a request names. */
  public enum TargetKind {
    /** {@code owner/name}: {@code POST /models/{owner}/{name}/predictions}. */
    MODEL,
    /** A version id: {@code POST /predictions} with {@code version}. */
    VERSION,
    /** {@code owner/name} of a deployment: {@code POST /deployments/{owner}/{name}/predictions}. */
    DEPLOYMENT
  }

  private static final Pattern OWNER_NAME =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*/[A-Za-z0-9][A-Za-z0-9_.\\-]*");
  private static final Pattern VERSION_ID = Pattern.compile("[a-fA-F0-9]{64}");

  private final TargetKind kind;
  private final String target;
  private final String modelName;
  private final ObjectNode input;
  private final String webhook;
  private final List<String> webhookEvents;
  private final Duration cancelAfter;

  /** The shortest {@code Cancel-After} Replicate accepts. */
  public static final Duration MIN_CANCEL_AFTER = Duration.ofSeconds(5);

  private PredictionRequest(Builder b) {
    this.cancelAfter = b.cancelAfter;
    this.kind = b.kind;
    this.target = b.target;
    this.modelName = b.modelName;
    this.input = b.input.deepCopy();
    this.webhook = b.webhook;
    this.webhookEvents = List.copyOf(b.webhookEvents);
  }

  /**
   * A request for any model on Replicate, in any of the three forms Replicate's own clients accept:
   *
   * <ul>
   *   <li>{@code owner/name}: the model's latest version. An official model is sent to {@code POST
   *       /models/{owner}/{name}/predictions}; a community model (which that endpoint answers 404
   *       for) is resolved to its latest version once and sent to {@code POST /predictions} with
   *       {@code version};
   *   <li>{@code owner/name:version}: that version, {@code POST /predictions} with {@code version};
   *   <li>a bare 64-hex version id: the same, but its input cannot be checked before the create
   *       (the id names no model).
   * </ul>
   *
   * <pre>{@code
   * PredictionRequest.of("stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b")
   *     .put("prompt", "a lighthouse").build();
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code reference} is none of the three forms
   */
  public static Builder of(String reference) {
    Objects.requireNonNull(reference, "reference");
    String ref = reference.strip();
    int colon = ref.indexOf(':');
    if (colon > 0) {
      String name = ref.substring(0, colon);
      String version = ref.substring(colon + 1);
      if (OWNER_NAME.matcher(name).matches() && VERSION_ID.matcher(version).matches()) {
        return new Builder(TargetKind.VERSION, version, name);
      }
    } else if (OWNER_NAME.matcher(ref).matches()) {
      return new Builder(TargetKind.MODEL, ref, ref);
    } else if (VERSION_ID.matcher(ref).matches()) {
      return new Builder(TargetKind.VERSION, ref, null);
    }
    throw new IllegalArgumentException(
        "model must be 'owner/name', 'owner/name:<64-hex version id>' or a version id, was '"
            + Redaction.text(ref)
            + "'");
  }

  /**
   * A builder holding everything this request holds (target, model name, input, webhook, {@code
   * Cancel-After}), to derive another request from it.
   */
  public Builder toBuilder() {
    Builder b = new Builder(kind, target, modelName);
    b.input = input.deepCopy();
    b.webhook = webhook;
    b.webhookEvents = webhookEvents;
    b.cancelAfter = cancelAfter;
    return b;
  }

  /**
   * A request for a model, {@code owner/name} (since this version also {@code owner/name:version}
   * or a bare version id): the same as {@link #of(String)}.
   */
  public static Builder model(String ownerAndName) {
    Objects.requireNonNull(ownerAndName, "model");
    return of(ownerAndName);
  }

  /** A request for a model version id (64 hex characters, optionally {@code owner/name:id}). */
  public static Builder version(String versionId) {
    Objects.requireNonNull(versionId, "versionId");
    String name = null;
    String id = versionId;
    if (versionId.contains(":")) {
      name = versionId.substring(0, versionId.indexOf(':'));
      id = versionId.substring(versionId.indexOf(':') + 1);
      if (!OWNER_NAME.matcher(name).matches()) {
        name = null;
      }
    }
    if (!id.matches("[a-zA-Z0-9]{8,128}")) {
      throw new IllegalArgumentException(
          "version must be a version id (hex), was '"
              + versionId
              + "'; for owner/name use model(...)");
    }
    return new Builder(TargetKind.VERSION, id, name);
  }

  /** A request for a deployment, {@code owner/name}. */
  public static Builder deployment(String ownerAndName) {
    return new Builder(TargetKind.DEPLOYMENT, ownerName(ownerAndName, "deployment"), null);
  }

  private static String ownerName(String value, String name) {
    Objects.requireNonNull(value, name);
    if (!OWNER_NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be 'owner/name', was '" + value + "'");
    }
    return value;
  }

  /** The kind of target. */
  public TargetKind kind() {
    return kind;
  }

  /** The model or deployment {@code owner/name}, or the version id. */
  public String target() {
    return target;
  }

  /**
   * The model's {@code owner/name} when the request names one: a model, or {@code
   * owner/name:version}; empty for a bare version id and a deployment.
   */
  public Optional<String> modelName() {
    return Optional.ofNullable(modelName);
  }

  /** The input, a JSON object. */
  public JsonValue input() {
    return JsonValue.own(input);
  }

  /** The input's node, for this package; never to be changed. */
  ObjectNode inputNode() {
    return input;
  }

  /** The webhook URL, when set. */
  public Optional<String> webhook() {
    return Optional.ofNullable(webhook);
  }

  /** The server-side deadline ({@code Cancel-After}), when set. */
  public Optional<Duration> cancelAfter() {
    return Optional.ofNullable(cancelAfter);
  }

  /** {@code Cancel-After} in the largest whole unit: {@code 2h}, {@code 5m}, {@code 90s}. */
  Optional<String> cancelAfterHeader() {
    if (cancelAfter == null) {
      return Optional.empty();
    }
    long s = cancelAfter.toSeconds();
    return Optional.of(s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s");
  }

  /**
   * This request sent to a version of its model ({@code POST /predictions} with {@code version}):
   * how a community model's {@code owner/name} is run.
   */
  PredictionRequest toVersion(String versionId) {
    Builder b = new Builder(TargetKind.VERSION, versionId, modelName);
    b.input = input;
    b.webhook = webhook;
    b.webhookEvents = webhookEvents;
    b.cancelAfter = cancelAfter;
    return new PredictionRequest(b);
  }

  /** The request path under the API base. */
  String path() {
    switch (kind) {
      case MODEL:
        return "/models/" + target + "/predictions";
      case DEPLOYMENT:
        return "/deployments/" + target + "/predictions";
      default:
        return "/predictions";
    }
  }

  /** The JSON body. */
  ObjectNode body() {
    ObjectNode body = MAPPER.createObjectNode();
    if (kind == TargetKind.VERSION) {
      body.put("version", target);
    }
    body.set("input", input.deepCopy());
    if (webhook != null) {
      body.put("webhook", webhook);
      if (!webhookEvents.isEmpty()) {
        webhookEvents.forEach(body.withArray("webhook_events_filter")::add);
      }
    }
    return body;
  }

  @Override
  public String toString() {
    return "PredictionRequest{"
        + kind.name().toLowerCase(Locale.ROOT)
        + "="
        + target
        + (modelName != null && !modelName.equals(target) ? " (" + modelName + ")" : "")
        + ", inputFields="
        + input.size()
        + '}';
  }

  /** Builds a {@link PredictionRequest}. */
  public static final class Builder {
    private final TargetKind kind;
    private final String target;
    private final String modelName;
    private ObjectNode input = MAPPER.createObjectNode();
    private String webhook;
    private List<String> webhookEvents = List.of();
    private Duration cancelAfter;

    private Builder(TargetKind kind, String target, String modelName) {
      this.kind = kind;
      this.target = target;
      this.modelName = modelName;
    }

    /**
     * The input as a map: values are what {@link JsonValue#of(Object)} takes (strings, numbers,
     * booleans, lists, maps, {@code JsonValue}s, {@code null}).
     *
     * @throws IllegalArgumentException if a value is of another type
     */
    public Builder input(Map<String, ?> input) {
      Objects.requireNonNull(input, "input");
      this.input = (ObjectNode) JsonValue.toNode(input, "input");
      return this;
    }

    /**
     * The input as a JSON object ({@code JsonValue.parse(text)} reads one from text).
     *
     * @throws IllegalArgumentException if it is not an object
     */
    public Builder input(JsonValue input) {
      if (input == null || input.kind() != JsonValue.Kind.OBJECT) {
        throw new IllegalArgumentException("input must be a JSON object");
      }
      this.input = (ObjectNode) input.node().deepCopy();
      return this;
    }

    /**
     * Sets one input field to what {@link JsonValue#of(Object)} takes.
     *
     * @throws IllegalArgumentException if {@code value} is of another type
     */
    public Builder put(String field, Object value) {
      Objects.requireNonNull(field, "field");
      this.input.set(field, JsonValue.toNode(value, field));
      return this;
    }

    /**
     * Asks Replicate to POST the prediction to {@code url} as it progresses; {@code events} filters
     * them ({@code start}, {@code output}, {@code logs}, {@code completed}).
     */
    public Builder webhook(String url, List<String> events) {
      URI uri = URI.create(Objects.requireNonNull(url, "webhook"));
      if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("webhook must be an http(s) URL");
      }
      for (String e : events) {
        if (!List.of("start", "output", "logs", "completed").contains(e)) {
          throw new IllegalArgumentException(
              "webhook events are start, output, logs, completed; not '" + e + "'");
        }
      }
      this.webhook = url;
      this.webhookEvents = List.copyOf(events);
      return this;
    }

    /**
     * A deadline Replicate enforces itself ({@code Cancel-After} header), so the prediction stops
     * even if this process dies: it ends {@code aborted} (not charged for public models) if the
     * deadline passes before it starts, {@code canceled} if it passes while it runs. Whole seconds,
     * at least {@link #MIN_CANCEL_AFTER} (Replicate's own minimum: it rejects shorter).
     *
     * @throws IllegalArgumentException if under 5 seconds or not whole seconds
     */
    public Builder cancelAfter(Duration deadline) {
      Objects.requireNonNull(deadline, "cancelAfter");
      if (deadline.getNano() != 0) {
        throw new IllegalArgumentException("cancelAfter must be whole seconds, was " + deadline);
      }
      if (deadline.compareTo(MIN_CANCEL_AFTER) < 0) {
        throw new IllegalArgumentException(
            "cancelAfter must be at least "
                + MIN_CANCEL_AFTER.toSeconds()
                + " s (Replicate's minimum), was "
                + deadline);
      }
      this.cancelAfter = deadline;
      return this;
    }

    /** Builds the request. */
    public PredictionRequest build() {
      return new PredictionRequest(this);
    }
  }
}
