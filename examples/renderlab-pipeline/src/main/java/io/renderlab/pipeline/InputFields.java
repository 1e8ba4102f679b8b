package io.renderlab.pipeline;

/**
 * The input field names a model takes. The defaults follow the RenderLab web app and
 * google/nano-banana: {@code prompt}, reference images as the array {@code image_input}, and {@code
 * image} plus {@code mask} for inpainting.
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

  /** The RenderLab web app's names. */
  public static InputFields defaults() {
    return new InputFields("prompt", "image_input", "image", "mask");
  }
}
