package io.renderlab.core;

/** What a {@link Generation} makes: the three prediction flows of the RenderLab pipeline. */
public enum GenerationKind {
  /** Text-to-image or image-to-image from a prompt. */
  GENERATE,
  /** Inpainting: an image, a mask and a prompt. */
  EDIT,
  /** One prompt of a collection (batch); its records share the collection id. */
  COLLECTION_ITEM
}
