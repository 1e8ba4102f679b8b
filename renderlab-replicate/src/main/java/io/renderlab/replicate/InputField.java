package io.renderlab.replicate;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One input of a model, as its OpenAPI schema ({@code components.schemas.Input}) declares it, with
 * the enums Cog declares through {@code allOf: [{"$ref": ...}]} resolved. Read-only; obtained from
 * {@link InputSchema#fields()}.
 *
 * @param name the field's name, as the model spells it ({@code image_input}, {@code mask})
 * @param type its JSON type ({@link Type#ANY} when the schema does not say one)
 * @param itemType for an array, its items' type; {@link Type#ANY} otherwise or when unknown
 * @param required whether the model requires it
 * @param enumValues the values it allows, as text (empty when any value of its type goes)
 * @param format its {@code format} ({@code uri} for files and images), or for an array its items'
 * @param description its description, if any
 * @param defaultValue its default as plain Java ({@code String}, {@code Long}, {@code Double},
 *     {@code Boolean}, {@code List}, {@code Map}), if any
 * @param minimum its {@code minimum}, if any
 * @param maximum its {@code maximum}, if any
 * @param order its {@code x-order}, the position the model's author gave it ({@link
 *     Integer#MAX_VALUE} when absent)
 */
public record InputField(
    String name,
    InputField.Type type,
    InputField.Type itemType,
    boolean required,
    List<String> enumValues,
    Optional<String> format,
    Optional<String> description,
    Optional<Object> defaultValue,
    Optional<Double> minimum,
    Optional<Double> maximum,
    int order) {

  /** A JSON type. */
  public enum Type {
    /** A JSON string (also files and images, with {@code format: uri}). */
    STRING,
    /** A whole number. */
    INTEGER,
    /** Any number. */
    NUMBER,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A JSON array. */
    ARRAY,
    /** A JSON object. */
    OBJECT,
    /** The schema does not say (any value is accepted). */
    ANY
  }

  /** Checks for nulls and copies the list. */
  public InputField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(itemType, "itemType");
    enumValues = List.copyOf(enumValues);
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(minimum, "minimum");
    Objects.requireNonNull(maximum, "maximum");
  }

  /** Whether it is an array ({@code image_input} of nano-banana, say). */
  public boolean isArray() {
    return type == Type.ARRAY;
  }

  /** Whether it is one URI: a file or image input ({@code image}, {@code mask}). */
  public boolean isUri() {
    return type == Type.STRING && format.filter("uri"::equals).isPresent();
  }

  /** Whether it is an array of URIs (reference images: {@code image_input}). */
  public boolean isArrayOfUris() {
    return type == Type.ARRAY
        && itemType == Type.STRING
        && format.filter("uri"::equals).isPresent();
  }

  /** Whether it allows only the values of {@link #enumValues()}. */
  public boolean isEnum() {
    return !enumValues.isEmpty();
  }

  /** How the field reads in a message: {@code aspect_ratio (string, one of 1:1, 16:9)}. */
  String describe() {
    StringBuilder b = new StringBuilder(name).append(" (");
    if (isArrayOfUris()) {
      b.append("array of URIs");
    } else if (isArray() && itemType != Type.ANY) {
      b.append("array of ").append(itemType.name().toLowerCase(java.util.Locale.ROOT));
    } else if (isUri()) {
      b.append("URI");
    } else {
      b.append(type.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (required) {
      b.append(", required");
    }
    if (isEnum()) {
      b.append(", one of ").append(String.join(", ", enumValues));
    }
    return b.append(')').toString();
  }
}
