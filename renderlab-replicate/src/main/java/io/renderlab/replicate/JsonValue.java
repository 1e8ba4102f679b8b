package io.renderlab.replicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.renderlab.core.Redaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable JSON value: what Replicate sent or will be sent (a prediction's input, output,
 * metrics), without tying this API to a JSON library.
 *
 * <p>The SDK parses JSON with Jackson, but that is an implementation detail: no Jackson type
 * appears in this module's API, so a host may use Jackson 2, Jackson 3, Gson or none. Read a value
 * with the typed accessors ({@link #asString()}, {@link #get(String)}, {@link #asList()}…), as
 * plain Java with {@link #toJava()}, or take {@link #rawJson()}, the JSON text, and parse it with
 * any library: that is the escape hatch for whatever these accessors do not cover.
 *
 * <pre>{@code
 * JsonValue output = prediction.output();
 * String first = output.asList().orElse(List.of(output)).get(0).asString().orElseThrow();
 * MyType mine = myMapper.readValue(output.rawJson(), MyType.class);
 * }</pre>
 *
 * <p>Thread-safe. Equal when the JSON is equal (numbers compare by type and value: {@code 1} and
 * {@code 1.0} differ). A Jackson {@code ObjectMapper} serialises it as the JSON it holds. {@link
 * #toString()} shortens it and redacts URLs' query strings and secret-shaped text; use {@link
 * #rawJson()} for the data.
 */
public final class JsonValue {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_PRINTED = 1000;

  /** JSON {@code null}. */
  public static final JsonValue NULL = new JsonValue(NullNode.getInstance());

  /** The JSON types. */
  public enum Kind {
    /** {@code null}. */
    NULL,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A number. */
    NUMBER,
    /** A string. */
    STRING,
    /** An array. */
    ARRAY,
    /** An object. */
    OBJECT
  }

  private final JsonNode node;

  private JsonValue(JsonNode node) {
    this.node = node;
  }

  /** Wraps a node this class then owns (the caller neither keeps nor changes it). */
  static JsonValue own(JsonNode node) {
    return node == null || node.isMissingNode() || node.isNull() ? NULL : new JsonValue(node);
  }

  /** Wraps a copy of {@code node}. */
  static JsonValue copyOf(JsonNode node) {
    return node == null ? NULL : own(node.deepCopy());
  }

  /** The node, for this package's own use; never to be changed. */
  JsonNode node() {
    return node;
  }

  /**
   * Parses JSON text.
   *
   * @throws IllegalArgumentException if {@code json} is not one JSON value
   */
  public static JsonValue parse(String json) {
    Objects.requireNonNull(json, "json");
    try {
      JsonNode parsed = MAPPER.readTree(json);
      if (parsed == null || parsed.isMissingNode()) {
        throw new IllegalArgumentException("json is empty");
      }
      return own(parsed);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "json is not valid JSON: " + Redaction.text(e.getOriginalMessage()), e);
    }
  }

  /**
   * The JSON of a plain Java value: {@code null}, a {@code String}, a {@code Number}, a {@code
   * Boolean}, a {@code JsonValue}, or a {@code Map} with string keys, a {@code List} or an array of
   * those, nested to any depth.
   *
   * @throws IllegalArgumentException if {@code value} holds anything else
   */
  public static JsonValue of(Object value) {
    if (value instanceof JsonValue) {
      return (JsonValue) value;
    }
    return own(toNode(value, "value"));
  }

  /** A JSON node of a plain Java value (see {@link #of(Object)}), for this package. */
  static JsonNode toNode(Object value, String name) {
    if (value == null) {
      return NullNode.getInstance();
    }
    if (value instanceof JsonValue) {
      return ((JsonValue) value).node.deepCopy();
    }
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return MAPPER.valueToTree(value);
    }
    if (value instanceof Map) {
      ObjectNode object = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException(name + " has a map key that is not a String");
        }
        object.set((String) e.getKey(), toNode(e.getValue(), name + "." + e.getKey()));
      }
      return object;
    }
    if (value instanceof Iterable) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      for (Object item : (Iterable<?>) value) {
        array.add(toNode(item, name + "[]"));
      }
      return array;
    }
    if (value instanceof Object[]) {
      return toNode(List.of((Object[]) value), name);
    }
    throw new IllegalArgumentException(
        name
            + " must be a String, Number, Boolean, Map, List, JsonValue or null; was a "
            + value.getClass().getName());
  }

  /** Its JSON type. */
  public Kind kind() {
    switch (node.getNodeType()) {
      case BOOLEAN:
        return Kind.BOOLEAN;
      case NUMBER:
        return Kind.NUMBER;
      case STRING:
        return Kind.STRING;
      case ARRAY:
        return Kind.ARRAY;
      case OBJECT:
        return Kind.OBJECT;
      default:
        return Kind.NULL;
    }
  }

  /** Whether it is JSON {@code null}. */
  public boolean isNull() {
    return kind() == Kind.NULL;
  }

  /** The string, when it is a string. */
  public Optional<String> asString() {
    return node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
  }

  /**
   * The number, when it is a number: whole numbers as {@code Integer}, {@code Long} or {@code
   * BigInteger}, others as {@code Double}.
   */
  public Optional<Number> asNumber() {
    return node.isNumber() ? Optional.of(node.numberValue()) : Optional.empty();
  }

  /** The boolean, when it is one. */
  public Optional<Boolean> asBoolean() {
    return node.isBoolean() ? Optional.of(node.booleanValue()) : Optional.empty();
  }

  /** The items, when it is an array (immutable). */
  public Optional<List<JsonValue>> asList() {
    if (!node.isArray()) {
      return Optional.empty();
    }
    List<JsonValue> items = new ArrayList<>(node.size());
    node.forEach(n -> items.add(own(n)));
    return Optional.of(Collections.unmodifiableList(items));
  }

  /** The fields in their order, when it is an object (immutable). */
  public Optional<Map<String, JsonValue>> asMap() {
    if (!node.isObject()) {
      return Optional.empty();
    }
    Map<String, JsonValue> fields = new LinkedHashMap<>();
    node.properties().forEach(e -> fields.put(e.getKey(), own(e.getValue())));
    return Optional.of(Collections.unmodifiableMap(fields));
  }

  /**
   * A field of an object; empty when it is not an object or has no such field ({@link #NULL} when
   * the field is there and {@code null}).
   */
  public Optional<JsonValue> get(String field) {
    Objects.requireNonNull(field, "field");
    JsonNode value = node.isObject() ? node.get(field) : null;
    return value == null ? Optional.empty() : Optional.of(own(value));
  }

  /** The number of items of an array or fields of an object; 0 otherwise. */
  public int size() {
    return node.size();
  }

  /**
   * The value as plain Java: {@code null}, {@code String}, {@code Number} (as {@link #asNumber()}),
   * {@code Boolean}, an unmodifiable {@code List<Object>} or an unmodifiable {@code Map<String,
   * Object>} in field order (either may hold {@code null}s), nested as the JSON is.
   */
  @com.fasterxml.jackson.annotation.JsonValue
  public Object toJava() {
    return toJava(node);
  }

  private static Object toJava(JsonNode n) {
    switch (n.getNodeType()) {
      case BOOLEAN:
        return n.booleanValue();
      case NUMBER:
        return n.numberValue();
      case STRING:
        return n.textValue();
      case ARRAY:
        List<Object> items = new ArrayList<>(n.size());
        n.forEach(item -> items.add(toJava(item)));
        return Collections.unmodifiableList(items);
      case OBJECT:
        Map<String, Object> fields = new LinkedHashMap<>();
        n.properties().forEach(e -> fields.put(e.getKey(), toJava(e.getValue())));
        return Collections.unmodifiableMap(fields);
      default:
        return null;
    }
  }

  /**
   * The JSON text, compact: the escape hatch to parse it with any JSON library. For a prediction,
   * the fields as Replicate sent them, in its order.
   */
  public String rawJson() {
    return node.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonValue && ((JsonValue) o).node.equals(node);
  }

  @Override
  public int hashCode() {
    return node.hashCode();
  }

  /**
   * The JSON with URLs redacted ({@link Redaction#url(String)}), other strings passed through
   * {@link Redaction#text(String)}, cut at {@value #MAX_PRINTED} characters: for logs, not data.
   */
  @Override
  public String toString() {
    String printed = redacted(node).toString();
    return printed.length() > MAX_PRINTED ? printed.substring(0, MAX_PRINTED) + "…" : printed;
  }

  private static JsonNode redacted(JsonNode n) {
    if (n.isTextual()) {
      String s = n.textValue();
      String lower = s.strip().toLowerCase(Locale.ROOT);
      boolean url = lower.startsWith("data:") || lower.matches("[a-z][a-z0-9+.-]*://.*");
      return TextNode.valueOf(url ? Redaction.url(s) : Redaction.text(s));
    }
    if (n.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      n.forEach(item -> out.add(redacted(item)));
      return out;
    }
    if (n.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      n.properties().forEach(e -> out.set(e.getKey(), redacted(e.getValue())));
      return out;
    }
    return n;
  }
}
