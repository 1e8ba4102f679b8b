package io.renderlab.core;

/** How an image came to be: the three flows of the RenderLab pipeline. */
public enum ImageKind {
  /**
   * Made by a prediction from a prompt, optionally with reference images (text- or image-to-image).
   */
  GENERATED,
  /** Made by an inpainting prediction from an image, a mask and a prompt. */
  EDITED,
  /** Stored directly from a user's file. */
  UPLOADED
}
