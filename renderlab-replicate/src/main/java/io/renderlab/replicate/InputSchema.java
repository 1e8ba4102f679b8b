package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.renderlab.replicate.internal.Transport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The inputs a model version takes, read from its OpenAPI schema ({@code
 * openapi_schema.components.schemas.Input}): field names, JSON types, which are required, allowed
 * values, which are URIs or arrays of URIs. Read-only and immutable; obtained from {@link
 * ReplicateModels#inputSchema(String)}, for example to map the roles of a request (prompt,
 * reference images, the image to edit, the mask) onto a model's own field names.
 *
 * <pre>{@code
 * InputSchema schema = replicate.models().inputSchema("google/nano-banana");
 * boolean takesReferences = schema.field("image_input").map(InputField::isArrayOfUris).orElse(false);
 * }</pre>
 *
 * <p>Reads real Cog schemas as Replicate serves them: enums through {@code allOf: [{"$ref":
 * "#/components/schemas/<name>"}]} or an inline {@code enum}, integer bounds written as floats
 * ({@code 1.0}), {@code default}, {@code minimum}, {@code maximum}, {@code format: uri}, {@code
 * x-order}, and {@code anyOf} with {@code null} for optional fields.
 */
public final class InputSchema {
  private final String model;
  private final String version;
  private final List<InputField> fields;
  private final Map<String, InputField> byName;

  private InputSchema(String model, String version, List<InputField> fields) {
    this.model = model;
    this.version = version;
    this.fields = List.copyOf(fields);
    Map<String, InputField> map = new LinkedHashMap<>();
    this.fields.forEach(f -> map.put(f.name(), f));
    this.byName = map;
  }

  /**
   * Reads a version's {@code openapi_schema}.
   *
   * @return the schema, or empty when it declares no {@code Input}
   */
  static Optional<InputSchema> parse(String model, String version, JsonNode openapiSchema) {
    JsonNode schemas = openapiSchema.path("components").path("schemas");
    JsonNode input = schemas.path("Input");
    if (!input.isObject()) {
      return Optional.empty();
    }
    Set<String> required = new HashSet<>();
    input.path("required").forEach(n -> required.add(n.asText()));
    List<InputField> fields = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : input.path("properties").properties()) {
      fields.add(field(e.getKey(), e.getValue(), required.contains(e.getKey()), schemas));
    }
    fields.sort(Comparator.comparingInt(InputField::order).thenComparing(InputField::name));
    return Optional.of(new InputSchema(model, version, fields));
  }

  private static InputField field(String name, JsonNode p, boolean required, JsonNode schemas) {
    JsonNode resolved = resolve(p, schemas);
    InputField.Type type = type(resolved);
    InputField.Type itemType = InputField.Type.ANY;
    JsonNode formatOf = resolved;
    if (type == InputField.Type.ARRAY) {
      JsonNode items = resolve(resolved.path("items"), schemas);
      itemType = type(items);
      formatOf = items;
    }
    List<String> enums = new ArrayList<>();
    resolved.path("enum").forEach(n -> enums.add(n.asText()));
    Optional<Object> defaultValue =
        p.has("default") && !p.get("default").isNull()
            ? Optional.of(frozen(Transport.MAPPER.convertValue(p.get("default"), Object.class)))
            : Optional.empty();
    return new InputField(
        name,
        type,
        itemType,
        required,
        enums,
        text(formatOf, "format"),
        text(p, "description"),
        defaultValue,
        number(resolved, "minimum"),
        number(resolved, "maximum"),
        p.path("x-order").isNumber() ? p.path("x-order").asInt() : Integer.MAX_VALUE);
  }

  /** A default as an immutable value: lists and maps copied unmodifiable, all the way down. */
  private static Object frozen(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(InputSchema::frozen).toList();
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, frozen(v)));
      return java.util.Collections.unmodifiableMap(copy);
    }
    return value;
  }

  /**
   * The property with its {@code $ref}, {@code allOf} and {@code anyOf} folded in: the property's
   * own keys win over those of the schemas it refers to.
   */
  private static JsonNode resolve(JsonNode p, JsonNode schemas) {
    if (!p.isObject()) {
      return Transport.MAPPER.createObjectNode();
    }
    ObjectNode out = Transport.MAPPER.createObjectNode();
    List<JsonNode> parts = new ArrayList<>();
    if (p.has("$ref")) {
      parts.add(p);
    }
    p.path("allOf").forEach(parts::add);
    List<JsonNode> anyOf = new ArrayList<>();
    for (JsonNode alt : p.path("anyOf")) {
      if (!"null".equals(alt.path("type").asText())) {
        anyOf.add(alt);
      }
    }
    if (anyOf.size() == 1) {
      parts.add(anyOf.get(0));
    }
    for (JsonNode part : parts) {
      JsonNode target = part;
      String ref = part.path("$ref").asText("");
      if (ref.startsWith("#/components/schemas/")) {
        target = schemas.path(ref.substring("#/components/schemas/".length()));
      }
      if (target.isObject()) {
        JsonNode inner = target == part ? target : resolve(target, schemas);
        inner.properties().forEach(e -> out.set(e.getKey(), e.getValue()));
      }
    }
    p.properties()
        .forEach(
            e -> {
              if (!List.of("$ref", "allOf", "anyOf").contains(e.getKey())) {
                out.set(e.getKey(), e.getValue());
              }
            });
    if (anyOf.size() > 1) {
      out.remove("type"); // several types allowed: any
    }
    return out;
  }

  private static InputField.Type type(JsonNode resolved) {
    String t = resolved.path("type").asText("");
    switch (t) {
      case "string":
        return InputField.Type.STRING;
      case "integer":
        return InputField.Type.INTEGER;
      case "number":
        return InputField.Type.NUMBER;
      case "boolean":
        return InputField.Type.BOOLEAN;
      case "array":
        return InputField.Type.ARRAY;
      case "object":
        return InputField.Type.OBJECT;
      default:
        return InputField.Type.ANY;
    }
  }

  private static Optional<String> text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  private static Optional<Double> number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isNumber() ? Optional.of(v.asDouble()) : Optional.empty();
  }

  /** The model, {@code owner/name}. */
  public String model() {
    return model;
  }

  /** The version this schema belongs to, when Replicate said. */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /** Every input, in the model's own order ({@code x-order}). */
  public List<InputField> fields() {
    return fields;
  }

  /** The input named {@code name}, if the model has one. */
  public Optional<InputField> field(String name) {
    return Optional.ofNullable(byName.get(Objects.requireNonNull(name, "name")));
  }

  /** The names of every input, in the model's order. */
  public List<String> fieldNames() {
    return List.copyOf(byName.keySet());
  }

  /** The names of the required inputs, in the model's order. */
  public List<String> requiredFields() {
    return fields.stream().filter(InputField::required).map(InputField::name).toList();
  }

  /**
   * Checks a request's input against this schema, as the client does before every create.
   *
   * @throws ModelInputRejectedException if the input holds a field the model does not declare,
   *     misses a required one, has a value of the wrong JSON type or one the field does not allow
   */
  public void check(PredictionRequest request) {
    check(Objects.requireNonNull(request, "request").inputNode());
  }

  void check(JsonNode input) {
    List<String> problems = problems(input);
    if (!problems.isEmpty()) {
      throw new ModelInputRejectedException(
          model + (version == null ? "" : ":" + version),
          problems,
          fieldNames(),
          String.join(", ", fields.stream().map(InputField::describe).toList()));
    }
  }

  /** What is wrong with {@code input}, one line per field; empty when it fits. */
  List<String> problems(JsonNode input) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : input.properties()) {
      InputField f = byName.get(e.getKey());
      if (f == null) {
        problems.add(quote(e.getKey()) + " is not an input of this model");
        continue;
      }
      JsonNode v = e.getValue();
      if (v.isNull()) {
        if (f.required()) {
          problems.add(quote(f.name()) + " is required and was null");
        }
        continue;
      }
      if (!fits(f.type(), v) && !isDefault(f, v)) {
        problems.add(
            quote(f.name()) + " must be " + article(f.type()) + ", was " + article(jsonType(v)));
        continue;
      }
      if (f.isArray() && f.itemType() != InputField.Type.ANY) {
        for (JsonNode item : v) {
          if (!fits(f.itemType(), item)) {
            problems.add(
                quote(f.name())
                    + " must be an array of "
                    + f.itemType().name().toLowerCase(Locale.ROOT)
                    + ", holds "
                    + article(jsonType(item)));
            break;
          }
        }
      }
      if (f.isEnum() && v.isValueNode() && !allowed(f, v)) {
        problems.add(
            quote(f.name())
                + " is "
                + quote(shorten(v.asText()))
                + ", not one of "
                + String.join(", ", f.enumValues()));
      }
    }
    for (InputField f : fields) {
      if (f.required() && !input.has(f.name())) {
        problems.add(quote(f.name()) + " is required and missing");
      }
    }
    return problems;
  }

  private static boolean allowed(InputField f, JsonNode v) {
    for (String allowed : f.enumValues()) {
      if (allowed.equals(v.asText())) {
        return true;
      }
      if (v.isNumber()) {
        try {
          if (new java.math.BigDecimal(allowed).compareTo(v.decimalValue()) == 0) {
            return true;
          }
        } catch (NumberFormatException notANumber) {
          // compared as text above
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code v} is a value of {@code type}, as leniently as Cog coerces it: real recorded
   * inputs send whole numbers as floats ({@code 50.0}) and numbers and booleans as strings ({@code
   * "3"}, {@code "true"}), and those predictions ran. A string is never taken for an array or an
   * object, nor a number for a string.
   */
  private static boolean fits(InputField.Type type, JsonNode v) {
    switch (type) {
      case STRING:
        return v.isTextual();
      case INTEGER:
        if (v.isNumber()) {
          return v.isIntegralNumber() || v.decimalValue().stripTrailingZeros().scale() <= 0;
        }
        return v.isTextual() && v.asText().strip().matches("[+-]?\\d+");
      case NUMBER:
        return v.isNumber()
            || (v.isTextual()
                && v.asText().strip().matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?"));
      case BOOLEAN:
        return v.isBoolean()
            || (v.isTextual() && v.asText().strip().toLowerCase(Locale.ROOT).matches("true|false"));
      case ARRAY:
        return v.isArray();
      case OBJECT:
        return v.isObject();
      default:
        return true;
    }
  }

  /**
   * Whether {@code v} is the field's own default: a few real schemas declare a default outside
   * their type ({@code latent_scale}: integer, default 13.5), and sending it back must not be
   * refused.
   */
  private static boolean isDefault(InputField f, JsonNode v) {
    return f.defaultValue()
        .map(d -> Transport.MAPPER.valueToTree(d))
        .map(
            d ->
                ((JsonNode) d).equals(v)
                    || (v.isNumber()
                        && ((JsonNode) d).isNumber()
                        && ((JsonNode) d).decimalValue().compareTo(v.decimalValue()) == 0))
        .orElse(false);
  }

  private static InputField.Type jsonType(JsonNode v) {
    if (v.isTextual()) {
      return InputField.Type.STRING;
    }
    if (v.isIntegralNumber()) {
      return InputField.Type.INTEGER;
    }
    if (v.isNumber()) {
      return InputField.Type.NUMBER;
    }
    if (v.isBoolean()) {
      return InputField.Type.BOOLEAN;
    }
    if (v.isArray()) {
      return InputField.Type.ARRAY;
    }
    if (v.isObject()) {
      return InputField.Type.OBJECT;
    }
    return InputField.Type.ANY;
  }

  private static String article(InputField.Type t) {
    String name = t.name().toLowerCase(Locale.ROOT);
    return (t == InputField.Type.ARRAY
                || t == InputField.Type.INTEGER
                || t == InputField.Type.OBJECT
            ? "an "
            : "a ")
        + name;
  }

  private static String quote(String s) {
    return "'" + s + "'";
  }

  /** A value for a message: short, and a data: URI only by its head. */
  private static String shorten(String s) {
    String head =
        s.toLowerCase(Locale.ROOT).startsWith("data:")
            ? s.substring(0, Math.min(s.length(), 30))
            : s;
    return head.length() > 60 ? head.substring(0, 60) + "…" : head;
  }

  @Override
  public String toString() {
    return "InputSchema{"
        + model
        + (version == null ? "" : ":" + version)
        + ", fields="
        + fieldNames()
        + '}';
  }
}
