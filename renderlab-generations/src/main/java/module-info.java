/**
 * Durable generations: every paid prediction ends as records, across crashes, restarts and
 * instances. A row is written before the prediction is created, the prediction id saved the moment
 * Replicate answers, and whichever instance sees the prediction end (the waiting one, a webhook in
 * any instance, a recovery worker) stores each output once and records it.
 */
module io.renderlab.generations {
  requires transitive io.renderlab.core;
  requires transitive io.renderlab.replicate;
  requires transitive io.renderlab.storage;
  requires com.fasterxml.jackson.databind;
  requires java.desktop;
  requires org.slf4j;

  exports io.renderlab.generations;
}
