package io.renderlab.pipeline;

/**
 * The input field names a model takes, when they are given rather than read from the model's schema
 * ({@link RenderLabPipeline.Builder#inputFields(String, InputFields)}). {@link #NONE} for a role
 * means the model takes no such input. The defaults are the RenderLab web app's: {@code prompt},
 * reference images as the array {@code image_input}, and {@code image} plus {@code mask} for
 * inpainting.
 *
 * @param prompt the prompt field
 * @param referenceImages the field of reference image URLs (sent as an array)
 * @param image the field of the image to edit
 * @param mask the field of the mask
 */
public record InputFields(String prompt, String referenceImages, String image, String mask) {
  /** Validates the names. */
  public InputFields {
    Pipelines.requireText(prompt, "prompt", 64, true);
    Pipelines.requireText(referenceImages, "referenceImages", 64, true);
    Pipelines.requireText(image, "image", 64, true);
    Pipelines.requireText(mask, "mask", 64, true);
  }

  /** A field name meaning "the model takes no such input" (for the mask: the SDK composites). */
  public static final String NONE = "-";

  /** The RenderLab web app's names. */
  public static InputFields defaults() {
    return new InputFields("prompt", "image_input", "image", "mask");
  }
}
