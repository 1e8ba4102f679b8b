/**
 * Micrometer meters for RenderLab's {@code EventListener}: predictions, ingests, thumbnails, leases
 * and generations, and the thumbnail queue depth ({@code QueueDepthGauge}), usable with or without
 * Spring.
 */
module io.renderlab.micrometer {
  requires transitive io.renderlab.core;
  requires transitive micrometer.core;

  exports io.renderlab.micrometer;
}
