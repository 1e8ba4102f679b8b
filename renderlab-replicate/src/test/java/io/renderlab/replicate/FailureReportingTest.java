package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.renderlab.core.RetryPolicy;
import io.renderlab.core.UpstreamException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a user sees when a call fails: the caller's frames, and the right diagnosis. */
class FailureReportingTest {
  MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  ReplicateClient client(String baseUrl) {
    return ReplicateClient.builder()
        .token("r8_failure_test")
        .baseUrl(baseUrl)
        .retryPolicy(RetryPolicy.none())
        .createsPerMinute(0)
        .validateInputs(false)
        .build();
  }

  static boolean hasFrameOf(Throwable t, String method) {
    return Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals(method))
        || Arrays.stream(t.getSuppressed()).anyMatch(s -> hasFrameOf(s, method));
  }

  @Test
  void aBlockingCallsFailureCarriesTheCallersFrames() {
    server.enqueue(FakeReplicate.notFound()); // the create
    server.enqueue(FakeReplicate.notFound()); // the model: it does not exist
    try (ReplicateClient client = client(server.url("/v1").toString())) {
      Throwable t =
          catchThrowable(() -> client.predictions().create(ReplicateClientTest.request()));

      assertThat(t).isInstanceOf(ReplicateApiException.NotFoundException.class);
      assertThat(hasFrameOf(t, "aBlockingCallsFailureCarriesTheCallersFrames"))
          .as("a frame of the calling test method in the trace of %s", t)
          .isTrue();
    }
  }

  @Test
  void aRefusedConnectionSaysNothingWasSentNotThatItMayHaveStarted() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (ReplicateClient client = client("http://127.0.0.1:" + closedPort + "/v1")) {
      Throwable t =
          catchThrowable(() -> client.predictions().create(ReplicateClientTest.request()));

      assertThat(t)
          .isInstanceOf(UpstreamException.class)
          .isNotInstanceOf(PredictionOutcomeUnknownException.class);
      assertThat(t.getMessage())
          .contains("connection refused")
          .contains("nothing was sent")
          .doesNotContain("may have started");
      assertThat(((UpstreamException) t).isRetryable()).isTrue();
    }
  }

  @Test
  void aBaseUrlWithoutV1IsReportedAsTheBaseUrlNotAsAMissingModel() {
    server.enqueue(FakeReplicate.notFound()); // wrong: the create
    server.enqueue(FakeReplicate.notFound()); // right: the create
    server.enqueue(FakeReplicate.notFound()); // right: the model, which does not exist
    try (ReplicateClient wrong = client(server.url("/").toString());
        ReplicateClient right = client(server.url("/v1").toString())) {
      Throwable t = catchThrowable(() -> wrong.predictions().create(ReplicateClientTest.request()));
      Throwable nearest =
          catchThrowable(() -> right.predictions().create(ReplicateClientTest.request()));

      assertThat(t).isInstanceOf(ReplicateApiException.NotFoundException.class);
      assertThat(t.getMessage())
          .contains("base URL looks wrong")
          .contains("/v1")
          .doesNotContain("has no model");
      assertThat(nearest.getMessage())
          .contains("has no model google/nano-banana")
          .doesNotContain("base URL");
      assertThat(server.getRequestCount()).as("no model lookup under a wrong base").isEqualTo(3);
    }
  }
}
