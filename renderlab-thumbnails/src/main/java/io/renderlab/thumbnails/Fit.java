package io.renderlab.thumbnails;

/** How the image is fitted into the target box, as sharp's {@code fit}. */
public enum Fit {
  /** Fill the box, cropping the overflow around the centre (the default). */
  COVER,
  /** Fit inside the box and pad the rest with transparency, so the output is exactly the box. */
  CONTAIN,
  /** Fit inside the box; the output may be smaller than the box in one dimension. */
  INSIDE
}
