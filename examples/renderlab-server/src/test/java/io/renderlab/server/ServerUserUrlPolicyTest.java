package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End users' URLs get the strict fetch policy even when the operator allows loopback for its
 * provider (Replicate faked on loopback, as {@code --allow-host 127.0.0.1} does): the allowed
 * host's other services are out of reach, refusals look alike whatever the port or address, and a
 * URL of the server's own storage is read from the store.
 */
class ServerUserUrlPolicyTest {
  static final byte[] PNG = ServerPipelineRoutesTest.PNG;
  @TempDir Path files;
  MockWebServer provider;
  MockWebServer internal;
  ReplicateClient replicate;
  ThumbnailService thumbnails;
  RenderLabServer server;
  FolderImageStore store;
  final AtomicInteger ids = new AtomicInteger();

  /** When set, the model's output: a text model printing what its user asked for. */
  volatile String textOutput;

  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    internal = new MockWebServer();
    internal.start(InetAddress.getLoopbackAddress(), 0);
    provider = new MockWebServer();
    provider.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            if (path.startsWith("/files/")) {
              return new MockResponse.Builder().body(new Buffer().write(PNG)).build();
            }
            if (path.startsWith("/redirect")) {
              return new MockResponse.Builder()
                  .code(302)
                  .addHeader("Location", internal.url("/admin/mask.png").toString())
                  .build();
            }
            String id = "p" + ids.incrementAndGet();
            String output = textOutput;
            return new MockResponse.Builder()
                .addHeader("Content-Type", "application/json")
                .body(
                    "{\"id\":\""
                        + id
                        + "\",\"model\":\"google/nano-banana\",\"status\":\"succeeded\",\"output\":\""
                        + (output != null ? output : provider.url("/files/" + id + ".png"))
                        + "\",\"error\":null,\"logs\":\"\",\"input\":{},\"urls\":{}}")
                .build();
          }
        });
    provider.start(InetAddress.getLoopbackAddress(), 0);
    internal.enqueue(new MockResponse.Builder().body(new Buffer().write(PNG)).build());
    replicate =
        ReplicateClient.builder()
            .token("r8_x")
            // Route and policy tests: model fields and the schema check are tested in the pipeline
            // and the Replicate client; here a model gets the fields it is told.
            .validateInputs(false)
            .baseUrl(provider.url("/v1").toString())
            .createsPerMinute(0)
            .retryPolicy(RetryPolicy.none())
            .build();
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    store = FolderImageStore.of(files, "http://127.0.0.1:1/files/");
    thumbnails =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(1)
            .build()
            .start();
    // the operator allows loopback for its provider, as --allow-host 127.0.0.1 does
    Ingestor ingestor =
        Ingestor.builder()
            .store(store)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .build();
    RenderLabPipeline pipeline =
        RenderLabPipeline.builder()
            .replicate(replicate)
            .inputFields(io.renderlab.pipeline.InputFields.defaults())
            .ingestor(ingestor)
            .catalog(catalog)
            .thumbnails(thumbnails)
            .build();
    server =
        RenderLabServer.builder()
            .pipeline(pipeline, thumbnails)
            .filesRoot(files)
            .devUser("ada")
            .port(0)
            .build()
            .start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    thumbnails.close();
    replicate.close();
    provider.close();
    internal.close();
  }

  HttpResponse<String> postJson(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> edit(String imageUrl, String maskUrl, String baseUrl) throws Exception {
    return postJson(
        "/api/generate/edit",
        "{\"imageUrl\":\""
            + imageUrl
            + "\",\"maskUrl\":\""
            + maskUrl
            + "\",\"prompt\":\"p\""
            + (baseUrl == null ? "" : ",\"baseImageUrl\":\"" + baseUrl + "\"")
            + "}");
  }

  static String error(HttpResponse<String> r) throws IOException {
    JsonNode n = RenderLabServer.JSON.readTree(r.body());
    return n.get("error").asText();
  }

  int replicateCalls() {
    return ids.get();
  }

  @Test
  void aMaskOnTheAllowedHostsInternalServiceIsRefusedAndNothingIsFetched() throws Exception {
    HttpResponse<String> direct =
        edit("https://cdn.example.com/a.png", internal.url("/admin/mask.png").toString(), null);
    HttpResponse<String> redirected =
        edit("https://cdn.example.com/a.png", provider.url("/redirect").toString(), null);

    assertThat(direct.statusCode()).as(direct.body()).isEqualTo(422);
    assertThat(redirected.statusCode()).as(redirected.body()).isEqualTo(422);
    assertThat(internal.getRequestCount()).isZero();
    assertThat(provider.getRequestCount()).isZero();
    assertThat(replicateCalls()).isZero();
    assertThat(store.root().resolve("inpaint-masks")).doesNotExist();
  }

  @Test
  void aClosedPortAnOpenPortAndAPrivateAddressGiveTheSameAnswer() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String open = internal.url("/m.png").toString();
    String shut = "http://127.0.0.1:" + closed + "/m.png";
    String lan = "http://10.1.2.3:8080/m.png";
    HttpResponse<String> a = edit("https://cdn.example.com/a.png", open, null);
    HttpResponse<String> b = edit("https://cdn.example.com/a.png", shut, null);
    HttpResponse<String> c = edit("https://cdn.example.com/a.png", lan, null);

    assertThat(b.statusCode()).isEqualTo(a.statusCode());
    assertThat(c.statusCode()).isEqualTo(a.statusCode());
    String expected = error(a).replace(open, "<url>");
    assertThat(error(b).replace(shut, "<url>")).isEqualTo(expected);
    assertThat(error(c).replace(lan, "<url>")).isEqualTo(expected);
    assertThat(expected)
        .doesNotContainIgnoringCase("loopback")
        .doesNotContainIgnoringCase("private")
        .doesNotContainIgnoringCase("refused");
    // and the image and base URLs are judged the same way
    HttpResponse<String> image = edit(open, "data:image/png;base64,AAAA", null);
    assertThat(image.statusCode()).isEqualTo(a.statusCode());
    assertThat(error(image).replace(open, "<url>")).isEqualTo(expected);
    assertThat(internal.getRequestCount()).isZero();
  }

  @Test
  void aModelOutputOffTheProvidersDeliveryHostsGetsTheStrictPolicyAndOneOpaqueRefusal()
      throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Files.createDirectories(files.resolve("ada"));
    Files.writeString(files.resolve("ada/notes.txt"), "not an image");
    List<String> outputs =
        List.of(
            internal.url("/admin/secret.png").toString(), // the allowed host's internal service
            "http://127.0.0.1:" + closed + "/x.png", // a closed port
            "http://10.1.2.3:8080/x.png", // a private address
            "http://no-such-host.invalid/x.png", // a name that does not resolve
            "http://127.0.0.1:1/files/ada/missing.png", // our own storage: not found
            "http://127.0.0.1:1/files/ada/notes.txt"); // our own storage: not an image
    List<Integer> statuses = new java.util.ArrayList<>();
    java.util.Set<String> messages = new java.util.HashSet<>();
    for (String output : outputs) {
      textOutput = output;
      HttpResponse<String> r = postJson("/api/generate", "{\"prompt\":\"print a URL\"}");
      statuses.add(r.statusCode());
      messages.add(error(r).replace(output, "<url>"));
    }

    assertThat(statuses).as("one status").containsOnly(statuses.get(0));
    assertThat(statuses.get(0)).isEqualTo(422);
    assertThat(messages).as("one message: %s", messages).hasSize(1);
    assertThat(messages.iterator().next())
        .doesNotContainIgnoringCase("loopback")
        .doesNotContainIgnoringCase("private")
        .doesNotContainIgnoringCase("404")
        .doesNotContainIgnoringCase("resolve")
        .doesNotContain(files.toString());
    assertThat(internal.getRequestCount()).as("the exemption did not apply").isZero();

    textOutput = null; // the provider's own delivery still gets the operator's exemption
    assertThat(postJson("/api/generate", "{\"prompt\":\"p\"}").statusCode()).isEqualTo(200);
  }

  @Test
  void urlFieldsAcceptHttpOnlyAndDataForTheMask() throws Exception {
    assertThat(
            edit(
                    "https://cdn.example.com/a.png",
                    "https://cdn.example.com/m.png",
                    "javascript:alert(1)")
                .statusCode())
        .isEqualTo(400);
    assertThat(edit("file:///etc/passwd", "https://cdn.example.com/m.png", null).statusCode())
        .isEqualTo(400);
    assertThat(
            edit("https://cdn.example.com/a.png", "ftp://cdn.example.com/m.png", null).statusCode())
        .isEqualTo(400);
    assertThat(
            postJson("/api/generate", "{\"prompt\":\"p\",\"imageUrl\":\"javascript:alert(1)\"}")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            postJson(
                    "/api/generate",
                    "{\"prompt\":\"p\",\"imageUrl\":\"http://169.254.169.254/latest\"}")
                .statusCode())
        .isEqualTo(422);
    assertThat(replicateCalls()).isZero();

    // the nearest good input: a data: mask, https image and base URLs
    HttpResponse<String> ok =
        edit(
            "https://cdn.example.com/a.png",
            "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(PNG),
            "https://cdn.example.com/original.png");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  @Test
  void aMaskUrlOfTheServersOwnStorageIsReadFromTheStore() throws Exception {
    store.put("ada/mask.png", new ByteArrayInputStream(PNG), PutOptions.of("image/png"));
    String own =
        store.publicUrl("ada/mask.png"); // http://127.0.0.1:1/files/…: nothing listens there

    HttpResponse<String> r = edit(store.publicUrl("ada/photo.png"), own, own);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(RenderLabServer.JSON.readTree(r.body()).get("image").get("mask_url").asText())
        .contains("inpaint-masks/ada/");
  }
}
