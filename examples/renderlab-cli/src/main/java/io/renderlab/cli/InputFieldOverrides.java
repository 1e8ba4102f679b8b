package io.renderlab.cli;

import io.renderlab.core.ConfigurationException;
import io.renderlab.pipeline.InputFields;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code RENDERLAB_INPUT_FIELDS}: the operator's per-model input names, for a model whose schema
 * does not say which field takes the image or the mask. Entries are separated by {@code ;}, each
 * {@code MODEL=ROLE:FIELD,...} with roles {@code prompt}, {@code references}, {@code image} and
 * {@code mask}; a role not named keeps its default ({@code prompt}, {@code image_input}, {@code
 * image}, {@code mask}) and {@code -} means the model takes no such input (for the mask: the SDK
 * composites the edit).
 *
 * <pre>
 * RENDERLAB_INPUT_FIELDS='acme/painter=image:init_image,mask:-;acme/filler=mask:mask_image'
 * </pre>
 */
final class InputFieldOverrides {
  static final String VARIABLE = "RENDERLAB_INPUT_FIELDS";

  private InputFieldOverrides() {}

  /**
   * The overrides, by model.
   *
   * @throws ConfigurationException naming the entry that cannot be read
   */
  static Map<String, InputFields> parse(String value) {
    Map<String, InputFields> out = new LinkedHashMap<>();
    if (value == null || value.isBlank()) {
      return out;
    }
    for (String entry : value.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw bad(entry, "expected MODEL=ROLE:FIELD,...");
      }
      String model = entry.substring(0, eq).strip();
      InputFields d = InputFields.defaults();
      String prompt = d.prompt();
      String references = d.referenceImages();
      String image = d.image();
      String mask = d.mask();
      for (String pair : entry.substring(eq + 1).split(",")) {
        int colon = pair.indexOf(':');
        if (colon <= 0 || colon == pair.length() - 1) {
          throw bad(entry, "'" + pair.strip() + "' is not ROLE:FIELD");
        }
        String field = pair.substring(colon + 1).strip();
        if (!field.matches("-|[A-Za-z_][A-Za-z0-9_]{0,63}")) {
          throw bad(entry, "'" + field + "' is not a field name (or - for none)");
        }
        switch (pair.substring(0, colon).strip().toLowerCase(Locale.ROOT)) {
          case "prompt":
            prompt = field;
            break;
          case "references":
            references = field;
            break;
          case "image":
            image = field;
            break;
          case "mask":
            mask = field;
            break;
          default:
            throw bad(entry, "roles are prompt, references, image and mask");
        }
      }
      if (prompt.equals("-")) {
        throw bad(entry, "every model takes a prompt");
      }
      try {
        out.put(model, new InputFields(prompt, references, image, mask));
      } catch (IllegalArgumentException e) {
        throw bad(entry, e.getMessage());
      }
    }
    return out;
  }

  private static ConfigurationException bad(String entry, String why) {
    return new ConfigurationException(
        VARIABLE + ": cannot read '" + entry.strip() + "': " + why + ".");
  }
}
