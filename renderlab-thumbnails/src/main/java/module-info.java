/**
 * Thumbnails rendered the way sharp renders them (cover crop, Lanczos3, EXIF orientation, WebP),
 * and the background worker that runs the catalog's durable thumbnail jobs.
 */
module io.renderlab.thumbnails {
  requires transitive io.renderlab.core;
  requires java.desktop;
  requires java.management;
  requires org.slf4j;
  // webp-imageio names no module: its automatic name comes from its jar's file name.
  requires webp.imageio;
  // webp-imageio is written in Kotlin, and an automatic module brings none of its dependencies
  // into the module graph: without this, kotlin.stdlib is missing on the module path.
  requires kotlin.stdlib;

  exports io.renderlab.thumbnails;
}
