/**
 * A complete client of Replicate's HTTP API: create, wait, cancel and list predictions, verify
 * webhooks, with retries and rate limiting.
 */
module io.renderlab.replicate {
  requires transitive io.renderlab.core;
  // Jackson parses and writes the JSON; no Jackson type is in this module's API.
  requires com.fasterxml.jackson.databind;
  requires transitive java.net.http;
  requires org.slf4j;

  exports io.renderlab.replicate;
}
