package io.renderlab.replicate;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One input of a model, as its OpenAPI schema ({@code components.schemas.Input}) declares it, with
 * the enums Cog declares through {@code allOf: [{"$ref": ...}]} resolved. Read-only; obtained from
 * {@link InputSchema#fields()}.
 *
 * <p>Immutable; a class rather than a record so that it can gain what schemas declare next ({@code
 * pattern}, {@code maxLength}) without breaking callers. Equal when every field is equal.
 */
public final class InputField {
  private final String name;
  private final Type type;
  private final Type itemType;
  private final boolean required;
  private final List<String> enumValues;
  private final Optional<String> format;
  private final Optional<String> description;
  private final Optional<Object> defaultValue;
  private final Optional<Double> minimum;
  private final Optional<Double> maximum;
  private final int order;

  /** The full state, validated. */
  InputField(
      String name,
      Type type,
      Type itemType,
      boolean required,
      List<String> enumValues,
      Optional<String> format,
      Optional<String> description,
      Optional<Object> defaultValue,
      Optional<Double> minimum,
      Optional<Double> maximum,
      int order) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(itemType, "itemType");
    enumValues = List.copyOf(enumValues);
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(minimum, "minimum");
    Objects.requireNonNull(maximum, "maximum");
    this.name = name;
    this.type = type;
    this.itemType = itemType;
    this.required = required;
    this.enumValues = enumValues;
    this.format = format;
    this.description = description;
    this.defaultValue = defaultValue;
    this.minimum = minimum;
    this.maximum = maximum;
    this.order = order;
  }

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

  /** The field's name, as the model spells it ({@code image_input}, {@code mask}). */
  public String name() {
    return name;
  }

  /** Its JSON type ({@link Type#ANY} when the schema does not say one). */
  public Type type() {
    return type;
  }

  /** For an array, its items' type; {@link Type#ANY} otherwise or when unknown. */
  public Type itemType() {
    return itemType;
  }

  /** Whether the model requires it. */
  public boolean required() {
    return required;
  }

  /** The values it allows, as text (empty when any value of its type goes). */
  public List<String> enumValues() {
    return enumValues;
  }

  /** Its {@code format} ({@code uri} for files and images), or for an array its items'. */
  public Optional<String> format() {
    return format;
  }

  /** Its description, if any. */
  public Optional<String> description() {
    return description;
  }

  /**
   * Its default as plain Java ({@code String}, {@code Long}, {@code Double}, {@code Boolean},
   * {@code List}, {@code Map}), if any.
   */
  public Optional<Object> defaultValue() {
    return defaultValue;
  }

  /** Its {@code minimum}, if any. */
  public Optional<Double> minimum() {
    return minimum;
  }

  /** Its {@code maximum}, if any. */
  public Optional<Double> maximum() {
    return maximum;
  }

  /**
   * Its {@code x-order}, the position the model's author gave it ({@link Integer#MAX_VALUE} when
   * absent).
   */
  public int order() {
    return order;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof InputField)) {
      return false;
    }
    InputField other = (InputField) o;
    return name.equals(other.name)
        && type == other.type
        && itemType == other.itemType
        && required == other.required
        && enumValues.equals(other.enumValues)
        && format.equals(other.format)
        && description.equals(other.description)
        && defaultValue.equals(other.defaultValue)
        && minimum.equals(other.minimum)
        && maximum.equals(other.maximum)
        && order == other.order;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        type,
        itemType,
        required,
        enumValues,
        format,
        description,
        defaultValue,
        minimum,
        maximum,
        order);
  }

  @Override
  public String toString() {
    return "InputField[name="
        + name
        + ", type="
        + type
        + ", itemType="
        + itemType
        + ", required="
        + required
        + ", enumValues="
        + enumValues
        + ", format="
        + format
        + ", description="
        + description
        + ", defaultValue="
        + defaultValue
        + ", minimum="
        + minimum
        + ", maximum="
        + maximum
        + ", order="
        + order
        + ']';
  }
}
