/**
 * Test support for hosts: {@link io.renderlab.testing.FakeReplicate}, Replicate's HTTP API on
 * loopback with the real API's JSON and signed webhooks. For test scope only.
 */
module io.renderlab.testing {
  requires transitive io.renderlab.replicate;
  requires com.fasterxml.jackson.databind;
  requires mockwebserver3;
  requires okhttp3;
  requires okio;
  requires java.desktop;

  exports io.renderlab.testing;
}
