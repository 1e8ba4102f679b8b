package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.testing.MutableClock;
import io.renderlab.replicate.internal.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inputs checked against the model's own schema before anything is paid for, against a fake that
 * serves model bodies as Replicate does (recorded ones from replicate-python's cassettes, and
 * nano-banana's, flux-kontext-pro's and flux-fill-pro's current shape) and answers 404 to a create
 * on the models endpoint of a model that is not official.
 */
class ModelInputsTest {
  static final String TOKEN = "r8_ModelInputsTestTokenNeverPrinted0123456789";
  static final String SDXL = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b";
  static final String SDXL_OLD = "a00d0b7dcbb9c3fbb34ba87d2d5b46c56969c84a628bf778a7fdaec30b1b99c5";

  MockWebServer server;
  TestClocks.InstantScheduler scheduler;
  MutableClock clock;
  ReplicateClient client;
  String base;
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<String> createBodies = new CopyOnWriteArrayList<>();

  /** Path → body for GETs; a missing path answers 404. */
  final Map<String, String> bodies = new ConcurrentHashMap<>();

  /** Models whose models endpoint answers 404 to a create (not official). */
  final List<String> community = new CopyOnWriteArrayList<>();

  static String resource(String name) {
    try (InputStream in = ModelInputsTest.class.getResourceAsStream("/replicate/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("missing test resource " + name, e);
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            return answer(r);
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = server.url("/v1").toString();
    scheduler = new TestClocks.InstantScheduler();
    clock = new MutableClock(Instant.parse("2025-11-14T10:00:00Z"));
    client =
        ReplicateClient.builder()
            .token(TOKEN)
            .baseUrl(base)
            .scheduler(scheduler)
            .clock(clock)
            .createsPerMinute(0)
            .build();
    bodies.put("/v1/models/google/nano-banana", resource("model-google-nano-banana.json"));
    bodies.put(
        "/v1/models/black-forest-labs/flux-kontext-pro",
        resource("model-black-forest-labs-flux-kontext-pro.json"));
    bodies.put(
        "/v1/models/black-forest-labs/flux-fill-pro",
        resource("model-black-forest-labs-flux-fill-pro.json"));
    bodies.put("/v1/models/stability-ai/sdxl", resource("model-stability-ai-sdxl.json"));
    bodies.put(
        "/v1/models/stability-ai/sdxl/versions/" + SDXL_OLD,
        resource("version-stability-ai-sdxl-a00d0b7d.json"));
    bodies.put("/v1/models/mattt/empty", resource("model-mattt-empty.json"));
    community.add("stability-ai/sdxl");
    community.add("mattt/empty");
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    scheduler.shutdownNow();
    server.close();
  }

  MockResponse answer(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    calls.add(r.getMethod() + " " + path);
    if (r.getMethod().equals("POST")) {
      String model = path.startsWith("/v1/models/") ? path.substring(11, path.length() - 12) : "";
      if (community.contains(model)
          || (!model.isEmpty() && !bodies.containsKey("/v1/models/" + model))) {
        return FakeReplicate.notFound();
      }
      createBodies.add(r.getBody().utf8());
      return FakeReplicate.created(
          FakeReplicate.prediction(base, "p" + createBodies.size(), "starting", null, null, ""),
          null);
    }
    String body = bodies.get(path);
    if ("!503".equals(body)) {
      return FakeReplicate.unavailable();
    }
    return body == null ? FakeReplicate.notFound() : FakeReplicate.ok(body);
  }

  /** The calls to the predictions endpoints (the ones that cost money). */
  List<String> predictionCalls() {
    return calls.stream().filter(c -> c.startsWith("POST")).toList();
  }

  // ---- refused before paying ----

  @Test
  void anUndeclaredFieldIsRefusedBeforeAnyCreateNamingTheModelAndTheFieldsItTakes() {
    PredictionRequest edit =
        PredictionRequest.model("google/nano-banana")
            .put("prompt", "add a pool")
            .put("image", "https://cdn.example.com/u/photo.png")
            .put("mask", "https://cdn.example.com/u/mask.png")
            .build();

    assertThatThrownBy(() -> client.predictions().create(edit))
        .isInstanceOf(ModelInputRejectedException.class)
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("google/nano-banana")
        .hasMessageContaining("'image' is not an input of this model")
        .hasMessageContaining("'mask' is not an input of this model")
        .hasMessageContaining("image_input (array of URIs)")
        .hasMessageContaining("prompt (string, required)")
        .hasMessageContaining("nothing was charged")
        .satisfies(
            e -> {
              ModelInputRejectedException r = (ModelInputRejectedException) e;
              assertThat(r.model()).startsWith("google/nano-banana:");
              assertThat(r.fields())
                  .containsExactly("prompt", "image_input", "aspect_ratio", "output_format");
              assertThat(r.problems()).hasSize(2);
              assertThat(r.isRetryable()).isFalse();
            });
    assertThat(predictionCalls()).isEmpty();
    assertThat(calls).containsExactly("GET /v1/models/google/nano-banana");
  }

  @Test
  void anEnumValueTheModelLacksAWrongTypeAndAMissingRequiredFieldAreRefused() {
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.model("google/nano-banana")
                            .put("prompt", "a lake")
                            .put("aspect_ratio", "5:1")
                            .build()))
        .hasMessageContaining("'aspect_ratio' is '5:1', not one of match_input_image, 1:1");
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.model("google/nano-banana")
                            .put("prompt", "a lake")
                            .put("image_input", "https://cdn.example.com/u/photo.png")
                            .build()))
        .hasMessageContaining("'image_input' must be an array, was a string");
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.model("google/nano-banana")
                            .put("image_input", List.of("https://cdn.example.com/u/photo.png"))
                            .build()))
        .hasMessageContaining("'prompt' is required and missing");
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.model("google/nano-banana")
                            .put("prompt", "a lake")
                            .put("image_input", List.of(7))
                            .build()))
        .hasMessageContaining("'image_input' must be an array of string, holds an integer");
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.of("stability-ai/sdxl:" + SDXL_OLD)
                            .put("prompt", "a lake")
                            .put("num_outputs", 1.5)
                            .put("apply_watermark", "no")
                            .build()))
        .hasMessageContaining("'num_outputs' must be an integer, was a number")
        .hasMessageContaining("'apply_watermark' must be a boolean, was a string");
    assertThat(predictionCalls()).isEmpty();
    assertThat(calls)
        .as("the schema is read once per model and cached")
        .containsExactly(
            "GET /v1/models/google/nano-banana",
            "GET /v1/models/stability-ai/sdxl/versions/" + SDXL_OLD);
  }

  @Test
  void theNearestGoodInputsCreateExactlyOnceEach() throws Exception {
    client
        .predictions()
        .create(
            PredictionRequest.model("google/nano-banana")
                .put("prompt", "add a pool")
                .put("image_input", List.of("https://cdn.example.com/u/photo.png"))
                .put("aspect_ratio", "16:9")
                .put("output_format", "png")
                .build());
    client
        .predictions()
        .create(
            PredictionRequest.model("black-forest-labs/flux-fill-pro")
                .put("prompt", "add a pool")
                .put("image", "https://cdn.example.com/u/photo.png")
                .put("mask", "data:image/png;base64,iVBORw0KGgo=")
                .put("steps", 50.0) // a whole number written as a float is an integer
                .put("seed", null) // nullable
                .build());
    client
        .predictions()
        .create(
            PredictionRequest.model("black-forest-labs/flux-kontext-pro")
                .put("prompt", "make it night")
                .put("input_image", "https://cdn.example.com/u/photo.png")
                .put("safety_tolerance", 2)
                .build());

    assertThat(predictionCalls())
        .containsExactly(
            "POST /v1/models/google/nano-banana/predictions",
            "POST /v1/models/black-forest-labs/flux-fill-pro/predictions",
            "POST /v1/models/black-forest-labs/flux-kontext-pro/predictions");
  }

  // ---- any model ----

  @Test
  void aVersionAndACommunityModelEachCreateExactlyOnceThroughThePredictionsEndpoint()
      throws Exception {
    client
        .predictions()
        .create(PredictionRequest.of("stability-ai/sdxl:" + SDXL_OLD).put("prompt", "a").build());
    client
        .predictions()
        .create(PredictionRequest.of("stability-ai/sdxl").put("prompt", "b").build());
    client
        .predictions()
        .create(PredictionRequest.of("stability-ai/sdxl").put("prompt", "c").build());

    assertThat(calls)
        .containsExactly(
            "GET /v1/models/stability-ai/sdxl/versions/" + SDXL_OLD,
            "POST /v1/predictions",
            "GET /v1/models/stability-ai/sdxl",
            // the recorded body predates is_official: the models endpoint is tried, answers 404
            // (nothing started), and the latest version is run instead, then remembered
            "POST /v1/models/stability-ai/sdxl/predictions",
            "POST /v1/predictions",
            "POST /v1/predictions");
    assertThat(createBodies.get(0))
        .isEqualTo("{\"version\":\"" + SDXL_OLD + "\",\"input\":{\"prompt\":\"a\"}}");
    assertThat(createBodies.get(1))
        .isEqualTo("{\"version\":\"" + SDXL + "\",\"input\":{\"prompt\":\"b\"}}");
    assertThat(createBodies.get(2))
        .isEqualTo("{\"version\":\"" + SDXL + "\",\"input\":{\"prompt\":\"c\"}}");
  }

  @Test
  void aModelThatSaysItIsNotOfficialGoesStraightToItsLatestVersion() throws Exception {
    ObjectNode model =
        (ObjectNode) Transport.MAPPER.readTree(resource("model-stability-ai-sdxl.json"));
    model.put("is_official", false);
    bodies.put("/v1/models/stability-ai/sdxl", model.toString());

    client
        .predictions()
        .create(PredictionRequest.model("stability-ai/sdxl").put("prompt", "b").build());

    assertThat(calls).containsExactly("GET /v1/models/stability-ai/sdxl", "POST /v1/predictions");
  }

  @Test
  void aModelThatDoesNotExistSaysSoAndAModelWithoutVersionsKeepsReplicatesAnswer() {
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(PredictionRequest.model("nobody/nothing").put("prompt", "x").build()))
        .isInstanceOf(ReplicateApiException.NotFoundException.class)
        .hasMessageContaining("Replicate has no model nobody/nothing")
        .hasMessageContaining("https://replicate.com/nobody/nothing");
    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(PredictionRequest.model("mattt/empty").put("prompt", "x").build()))
        .isInstanceOf(ReplicateApiException.NotFoundException.class)
        .hasMessageContaining("has no model mattt/empty");
    assertThat(createBodies).isEmpty();
  }

  @Test
  void whenTheSchemaCannotBeReadTheCreateGoesAheadAndTheLogSaysItWasNotChecked() {
    PrintStream realErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      bodies.put("/v1/models/google/nano-banana", "!503"); // Replicate failing, after retries
      client
          .predictions()
          .create(PredictionRequest.model("google/nano-banana").put("image", "x").build());
      client
          .predictions()
          .create(PredictionRequest.of(SDXL).put("anything", 1).build()); // names no model
    } finally {
      System.setErr(realErr);
    }
    assertThat(predictionCalls())
        .containsExactly("POST /v1/models/google/nano-banana/predictions", "POST /v1/predictions");
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs)
        .contains("The input of model google/nano-banana was not checked")
        .contains("The input of version " + SDXL + " was not checked")
        .doesNotContain(TOKEN);
  }

  @Test
  void checkingCanBeTurnedOff() {
    ReplicateClient unchecked = client.toBuilder().validateInputs(false).build();
    try {
      unchecked
          .predictions()
          .create(PredictionRequest.model("google/nano-banana").put("mask", "x").build());
    } finally {
      unchecked.close();
    }
    assertThat(calls).containsExactly("POST /v1/models/google/nano-banana/predictions");
  }

  @Test
  void aDeploymentIsCheckedAgainstItsCurrentReleasesVersion() {
    bodies.put(
        "/v1/deployments/acme/sdxl-prod",
        "{\"owner\":\"acme\",\"name\":\"sdxl-prod\",\"current_release\":{\"number\":3,"
            + "\"model\":\"stability-ai/sdxl\",\"version\":\""
            + SDXL_OLD
            + "\",\"created_at\":\"2025-11-01T10:00:00.000000Z\",\"created_by\":{\"type\":\"organization\","
            + "\"username\":\"acme\"},\"configuration\":{\"hardware\":\"gpu-a100-large\","
            + "\"min_instances\":1,\"max_instances\":5}}}");

    assertThatThrownBy(
            () ->
                client
                    .predictions()
                    .create(
                        PredictionRequest.deployment("acme/sdxl-prod")
                            .put("prompt", "x")
                            .put("image_input", List.of())
                            .build()))
        .hasMessageContaining("stability-ai/sdxl:" + SDXL_OLD)
        .hasMessageContaining("'image_input' is not an input");
    assertThat(
            client
                .models()
                .inputSchema(PredictionRequest.deployment("acme/sdxl-prod").build())
                .field("mask"))
        .hasValueSatisfying(f -> assertThat(f.isUri()).isTrue());
    assertThat(predictionCalls()).isEmpty();
  }

  // ---- the schema as a public read-only type ----

  @Test
  void aRequestDerivedWithToBuilderKeepsEverythingItHeld() {
    PredictionRequest pinned =
        PredictionRequest.model("stability-ai/sdxl:" + SDXL)
            .put("prompt", "a fox")
            .webhook("https://app.example.com/hook", List.of("completed"))
            .cancelAfter(Duration.ofMinutes(2))
            .build();

    PredictionRequest copy = pinned.toBuilder().build();

    assertThat(copy.kind()).isEqualTo(PredictionRequest.TargetKind.VERSION);
    assertThat(copy.target()).isEqualTo(SDXL);
    assertThat(copy.modelName()).contains("stability-ai/sdxl");
    assertThat(copy.input()).isEqualTo(pinned.input());
    assertThat(copy.webhook()).isEqualTo(pinned.webhook());
    assertThat(copy.cancelAfter()).contains(Duration.ofMinutes(2));
    assertThat(copy.body()).isEqualTo(pinned.body());
  }

  @Test
  void everyFormOfAModelReferenceIsReadAndAnythingElseRefusedBeforeAnyRequest() {
    PredictionRequest community = PredictionRequest.of("stability-ai/sdxl").build();
    assertThat(community.kind()).isEqualTo(PredictionRequest.TargetKind.MODEL);
    assertThat(community.modelName()).contains("stability-ai/sdxl");
    PredictionRequest pinned = PredictionRequest.model("stability-ai/sdxl:" + SDXL).build();
    assertThat(pinned.kind()).isEqualTo(PredictionRequest.TargetKind.VERSION);
    assertThat(pinned.target()).isEqualTo(SDXL);
    assertThat(pinned.modelName()).contains("stability-ai/sdxl");
    assertThat(pinned.toString()).contains(SDXL).contains("stability-ai/sdxl");
    PredictionRequest bare = PredictionRequest.of(SDXL).build();
    assertThat(bare.kind()).isEqualTo(PredictionRequest.TargetKind.VERSION);
    assertThat(bare.modelName()).isEmpty();
    for (String bad :
        List.of("nano-banana", "a/b:notaversion", "../etc/passwd", "a/b/c", "a/b:" + SDXL + "x")) {
      assertThatThrownBy(() -> PredictionRequest.of(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("owner/name");
    }
    assertThat(calls).isEmpty();
  }

  @Test
  void aFieldsDefaultIsReadOnly() {
    InputField refs =
        client.models().inputSchema("google/nano-banana").field("image_input").orElseThrow();
    assertThat(refs.defaultValue()).contains(List.of());
    assertThatThrownBy(() -> ((List<?>) refs.defaultValue().get()).clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theSchemaNamesEachFieldsTypeRoleAndAllowedValues() {
    InputSchema nano = client.models().inputSchema("google/nano-banana");
    assertThat(nano.fieldNames())
        .containsExactly("prompt", "image_input", "aspect_ratio", "output_format");
    assertThat(nano.requiredFields()).containsExactly("prompt");
    InputField refs = nano.field("image_input").orElseThrow();
    assertThat(refs.isArrayOfUris()).isTrue();
    assertThat(refs.isUri()).isFalse();
    assertThat(nano.field("aspect_ratio").orElseThrow().enumValues())
        .startsWith("match_input_image", "1:1");
    assertThat(nano.field("aspect_ratio").orElseThrow().type()).isEqualTo(InputField.Type.STRING);
    assertThat(nano.field("output_format").orElseThrow().defaultValue()).contains("jpg");
    assertThat(nano.field("mask")).isEmpty();

    InputSchema fill = client.models().inputSchema("black-forest-labs/flux-fill-pro");
    assertThat(fill.field("image").orElseThrow().isUri()).isTrue();
    assertThat(fill.field("mask").orElseThrow().isUri()).isTrue();
    assertThat(fill.field("steps").orElseThrow().minimum()).contains(15.0);
    assertThat(fill.requiredFields()).containsExactly("image");
    InputSchema kontext = client.models().inputSchema("black-forest-labs/flux-kontext-pro");
    assertThat(kontext.field("input_image").orElseThrow().isUri()).isTrue();

    InputSchema sdxl = client.models().inputSchema("stability-ai/sdxl:" + SDXL_OLD);
    assertThat(sdxl.version()).contains(SDXL_OLD);
    assertThat(sdxl.fields().get(0).name()).as("x-order").isEqualTo("prompt");
    assertThat(sdxl.field("scheduler").orElseThrow().enumValues()).contains("K_EULER", "DDIM");
    assertThat(sdxl.toString()).contains("stability-ai/sdxl:" + SDXL_OLD);
    assertThat(calls).doesNotContain("POST /v1/predictions");
    assertThatThrownBy(() -> client.models().inputSchema(SDXL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("owner/name:");
  }

  @Test
  void theCacheIsBoundedAndExpires() {
    client.models().inputSchema("google/nano-banana");
    client.models().inputSchema("google/nano-banana");
    clock.advance(Duration.ofMinutes(11));
    client.models().inputSchema("google/nano-banana");
    assertThat(calls)
        .containsExactly("GET /v1/models/google/nano-banana", "GET /v1/models/google/nano-banana");

    ReplicateClient tiny = client.toBuilder().schemaCache(1, Duration.ofHours(1)).build();
    try {
      tiny.models().inputSchema("google/nano-banana");
      tiny.models().inputSchema("black-forest-labs/flux-fill-pro");
      tiny.models().inputSchema("google/nano-banana");
    } finally {
      tiny.close();
    }
    assertThat(calls.stream().filter(c -> c.endsWith("/google/nano-banana")).count()).isEqualTo(4);
  }

  // ---- valid inputs are never refused ----

  @Test
  void everyInputRecordedForARealSchemaIsAccepted() throws Exception {
    JsonNode recorded = Transport.MAPPER.readTree(resource("recorded-schemas.json"));
    int schemas = 0;
    int inputs = 0;
    List<String> refused = new ArrayList<>();
    for (JsonNode entry : recorded) {
      InputSchema schema = parse(entry);
      schemas++;
      for (JsonNode input : entry.path("recorded_inputs")) {
        inputs++;
        List<String> problems = schema.problems(input);
        if (!problems.isEmpty()) {
          refused.add(entry.path("model").asText() + ": " + problems);
        }
      }
    }
    assertThat(refused).isEmpty();
    assertThat(schemas).isEqualTo(65);
    assertThat(inputs).isEqualTo(33);
  }

  @Test
  void aFullInputOfEveryFieldAtItsDefaultOrWithinItsBoundsIsAcceptedForEveryRealSchema()
      throws Exception {
    JsonNode recorded = Transport.MAPPER.readTree(resource("recorded-schemas.json"));
    List<InputSchema> all = new ArrayList<>();
    for (JsonNode entry : recorded) {
      all.add(parse(entry));
    }
    for (String model :
        List.of(
            "google/nano-banana",
            "black-forest-labs/flux-kontext-pro",
            "black-forest-labs/flux-fill-pro")) {
      all.add(client.models().inputSchema(model));
    }
    int fields = 0;
    int enums = 0;
    List<String> refused = new ArrayList<>();
    for (InputSchema schema : all) {
      for (boolean useDefaults : List.of(true, false)) {
        ObjectNode input = Transport.MAPPER.createObjectNode();
        for (InputField f : schema.fields()) {
          input.set(f.name(), valueFor(f, useDefaults));
          fields++;
          enums += f.isEnum() ? 1 : 0;
        }
        List<String> problems = schema.problems(input);
        if (!problems.isEmpty()) {
          refused.add(schema.model() + ": " + problems);
        }
      }
    }
    assertThat(refused).isEmpty();
    assertThat(fields).isEqualTo(2 * (701 + 4 + 7 + 10));
    assertThat(enums).isEqualTo(2 * (118 + 1 + 2 + 2 + 2));
  }

  static InputSchema parse(JsonNode entry) {
    return InputSchema.parse(
            entry.path("model").asText("unknown/model"),
            entry.path("version").asText(),
            entry.path("openapi_schema"))
        .orElseThrow();
  }

  /** Its default, or a value of its type within its bounds (the last allowed one for an enum). */
  static JsonNode valueFor(InputField f, boolean useDefault) {
    if (useDefault && f.defaultValue().isPresent()) {
      return Transport.MAPPER.valueToTree(f.defaultValue().get());
    }
    if (f.isEnum()) {
      String v = f.enumValues().get(f.enumValues().size() - 1);
      switch (f.type()) {
        case INTEGER:
          return Transport.MAPPER.valueToTree(Long.parseLong(v));
        case NUMBER:
          return Transport.MAPPER.valueToTree(Double.parseDouble(v));
        default:
          return Transport.MAPPER.valueToTree(v);
      }
    }
    switch (f.type()) {
      case STRING:
        return Transport.MAPPER.valueToTree(f.isUri() ? "https://cdn.example.com/u/a.png" : "x");
      case INTEGER:
        return Transport.MAPPER.valueToTree(
            (long)
                Math.ceil(f.minimum().orElse(f.maximum().map(m -> Math.min(m, 1.0)).orElse(1.0))));
      case NUMBER:
        return Transport.MAPPER.valueToTree(f.maximum().orElse(f.minimum().orElse(0.5)));
      case BOOLEAN:
        return Transport.MAPPER.valueToTree(true);
      case ARRAY:
        ArrayNode a = Transport.MAPPER.createArrayNode();
        if (f.isArrayOfUris()) {
          a.add("https://cdn.example.com/u/a.png");
        }
        return a;
      case OBJECT:
        return Transport.MAPPER.createObjectNode();
      default:
        return Transport.MAPPER.valueToTree("x");
    }
  }
}
