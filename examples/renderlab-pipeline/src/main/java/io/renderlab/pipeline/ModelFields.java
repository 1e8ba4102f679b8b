package io.renderlab.pipeline;

import io.renderlab.replicate.InputField;
import io.renderlab.replicate.InputSchema;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where one model takes each of the pipeline's roles (the prompt, reference images, the image to
 * edit, the mask), and whether a role's field is an array: read from the model's input schema, so
 * {@code google/nano-banana} gets {@code image_input: [url]}, {@code
 * black-forest-labs/flux-kontext-pro} {@code input_image: url} and {@code
 * black-forest-labs/flux-fill-pro} {@code image} and {@code mask}. An empty role means the model
 * has no such input.
 *
 * @param prompt the prompt's field
 * @param referenceImages where reference images go (text-to-image with references)
 * @param image where the image to edit goes
 * @param mask where the mask goes; empty when the model takes none (the SDK then composites)
 */
record ModelFields(
    Field prompt, Optional<Field> referenceImages, Optional<Field> image, Optional<Field> mask) {

  /** One input field and whether it holds an array. */
  record Field(String name, boolean array) {}

  /** Image fields in the order they are preferred for the image to edit. */
  private static final List<String> EDIT_IMAGE_NAMES =
      List.of("image", "input_image", "image_url", "init_image", "image_input", "input_images");

  /** Image fields in the order they are preferred for reference images (arrays first). */
  private static final List<String> REFERENCE_NAMES =
      List.of(
          "image_input",
          "input_images",
          "reference_images",
          "images",
          "input_image",
          "image",
          "image_url");

  /**
   * Models whose fields are known without their schema (used when the schema cannot be read), as
   * their schemas declare them.
   */
  private static final Map<String, ModelFields> KNOWN =
      Map.of(
          "google/nano-banana",
          new ModelFields(
              new Field("prompt", false),
              Optional.of(new Field("image_input", true)),
              Optional.of(new Field("image_input", true)),
              Optional.empty()),
          "black-forest-labs/flux-fill-pro",
          new ModelFields(
              new Field("prompt", false),
              Optional.of(new Field("image", false)),
              Optional.of(new Field("image", false)),
              Optional.of(new Field("mask", false))),
          "black-forest-labs/flux-kontext-pro",
          new ModelFields(
              new Field("prompt", false),
              Optional.of(new Field("input_image", false)),
              Optional.of(new Field("input_image", false)),
              Optional.empty()));

  /** From a model's input schema. */
  static ModelFields of(InputSchema schema) {
    Field prompt =
        schema
            .field("prompt")
            .map(f -> new Field(f.name(), false))
            .or(
                () ->
                    schema.fields().stream()
                        .filter(f -> f.type() == InputField.Type.STRING)
                        .filter(f -> lower(f.name()).contains("prompt"))
                        .filter(f -> !lower(f.name()).contains("negative"))
                        .findFirst()
                        .map(f -> new Field(f.name(), false)))
            .orElse(new Field("prompt", false));
    return new ModelFields(
        prompt,
        image(schema, REFERENCE_NAMES),
        image(schema, EDIT_IMAGE_NAMES),
        schema.fields().stream()
            .filter(f -> lower(f.name()).contains("mask"))
            .filter(f -> f.type() == InputField.Type.STRING || f.isUri())
            .findFirst()
            .map(f -> new Field(f.name(), false)));
  }

  /** When the schema cannot be read: the model's known fields, else the given names. */
  static ModelFields fallback(String model, InputFields names) {
    ModelFields known = KNOWN.get(model);
    return known != null ? known : of(names);
  }

  /**
   * Exactly the given names (an explicit override): references an array, the rest single; a name of
   * {@code -} means the model takes no such input.
   */
  static ModelFields of(InputFields names) {
    return new ModelFields(
        new Field(names.prompt(), false),
        named(names.referenceImages(), true),
        named(names.image(), false),
        named(names.mask(), false));
  }

  private static Optional<Field> named(String name, boolean array) {
    return name.equals(InputFields.NONE) ? Optional.empty() : Optional.of(new Field(name, array));
  }

  private static Optional<Field> image(InputSchema schema, List<String> preferred) {
    for (String name : preferred) {
      Optional<InputField> f = schema.field(name);
      if (f.isPresent() && takesUrls(f.get())) {
        return Optional.of(new Field(name, f.get().isArray()));
      }
    }
    return schema.fields().stream()
        .filter(f -> lower(f.name()).contains("image") && !lower(f.name()).contains("mask"))
        .filter(ModelFields::takesUrls)
        .findFirst()
        .map(f -> new Field(f.name(), f.isArray()));
  }

  private static boolean takesUrls(InputField f) {
    return f.isUri()
        || f.isArrayOfUris()
        || f.type() == InputField.Type.STRING
        || (f.isArray() && f.itemType() == InputField.Type.STRING);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
