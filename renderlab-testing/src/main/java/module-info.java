/**
 * Test support for hosts: {@link io.renderlab.testing.FakeReplicate}, Replicate's HTTP API on
 * loopback with the real API's JSON and signed webhooks. For test scope only. It runs on the JDK's
 * own HTTP server ({@code jdk.httpserver}): no OkHttp, okio or Kotlin.
 */
module io.renderlab.testing {
  requires transitive io.renderlab.replicate;
  requires com.fasterxml.jackson.databind;
  requires jdk.httpserver;
  requires java.desktop;

  exports io.renderlab.testing;
}
