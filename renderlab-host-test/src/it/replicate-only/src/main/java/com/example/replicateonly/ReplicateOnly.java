package com.example.replicateonly;

import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RemoteResource;
import io.renderlab.replicate.JsonValue;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import java.util.List;

/**
 * Uses the Replicate client as a host that needs nothing else would, and checks that no OkHttp,
 * okio or Kotlin class is reachable; exits non-zero (failing the build) otherwise.
 *
 * <p>Argument: {@code class-path|module-path}.
 */
public final class ReplicateOnly {
  private ReplicateOnly() {}

  public static void main(String[] args) {
    String mode = args[0];
    boolean named = ReplicateOnly.class.getModule().isNamed();
    check(named == mode.equals("module-path"), "expected to run on the " + mode);

    for (String absent : List.of("okhttp3.OkHttpClient", "okio.Buffer", "kotlin.Unit")) {
      try {
        Class.forName(absent, false, ReplicateOnly.class.getClassLoader());
        fail(absent + " is on the " + mode + " of a Replicate-only host");
      } catch (ClassNotFoundException expected) {
        // what this project is for
      }
    }

    // The client, a request and a prediction: every type the host touches is the SDK's own.
    try (ReplicateClient client =
        ReplicateClient.builder().token("r8_host_test_token").baseUrl("http://127.0.0.1:9/v1").build()) {
      check(client.baseUrl().toString().equals("http://127.0.0.1:9/v1"), "base URL");
    }
    PredictionRequest request =
        PredictionRequest.model("google/nano-banana").put("prompt", "a lighthouse").build();
    check(request.input().get("prompt").flatMap(JsonValue::asString).orElse("").equals("a lighthouse"), "request input");
    Prediction p =
        Prediction.parse(
            "{\"id\":\"p1\",\"status\":\"succeeded\",\"output\":[\"https://replicate.delivery/a.png\"]}");
    check(p.outputUrls().equals(List.of("https://replicate.delivery/a.png")), "output URLs");
    check(p.output().asList().orElseThrow().size() == 1, "output as a list");

    // RemoteFetcher lives in core and needs no HTTP library: it builds and fetches here too.
    String png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    try (RemoteFetcher fetcher = RemoteFetcher.builder().build();
        RemoteResource image = fetcher.openImage(png)) {
      check(image.mediaType().map(Enum::name).orElse("").equals("PNG"), "fetched a PNG: " + image.mediaType());
    }
    try {
      RemoteFetcher.builder().build().open("http://169.254.169.254/latest/meta-data/");
      fail("RemoteFetcher fetched a link-local address");
    } catch (RemoteFetchRefusedException expected) {
      // the policy holds without any HTTP library
    }
    System.out.println("replicate-only host OK on the " + mode);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      fail(what);
    }
  }

  private static void fail(String what) {
    System.err.println("FAILED: " + what);
    System.exit(1);
  }
}
