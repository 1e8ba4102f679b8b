package io.renderlab.generations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.InputRejectedException;
import io.renderlab.core.PutOptions;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs Replicate cannot reach become data: URIs (small) or Files API uploads (large). */
class ReplicateInputsTest {
  static final byte[] PNG =
      Base64.getDecoder()
          .decode(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

  @TempDir Path folder;
  MockWebServer replicate;
  ReplicateClient client;
  FolderImageStore store;

  @BeforeEach
  void start() throws Exception {
    replicate = new MockWebServer();
    replicate.start(InetAddress.getLoopbackAddress(), 0);
    client =
        ReplicateClient.builder()
            .token("r8_InputsTestToken0123456789")
            .baseUrl(replicate.url("/v1").toString())
            .createsPerMinute(0)
            .build();
    store = FolderImageStore.of(folder);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    replicate.close();
  }

  ReplicateInputs.Builder inputs() {
    // The fake API is on loopback; say explicitly that the real one cannot reach private hosts.
    return ReplicateInputs.builder().client(client).store(store).privateHostsReachable(false);
  }

  @Test
  void aPublicHttpsUrlAndADataUriGoAsTheyAre() {
    ReplicateInputs inputs = inputs().build();
    assertThat(inputs.makeReachable("https://cdn.example.com/u/a.png?v=1"))
        .isEqualTo("https://cdn.example.com/u/a.png?v=1");
    assertThat(inputs.makeReachable("data:image/png;base64,iVBO"))
        .isEqualTo("data:image/png;base64,iVBO");
    assertThat(inputs.makeReachable(List.of("https://a.example/x.png")))
        .containsExactly("https://a.example/x.png");
    assertThat(replicate.getRequestCount()).isZero();
  }

  @Test
  void aSmallFolderStoreObjectGoesAsADataUri() {
    String url =
        store
            .put("ada/mask one.png", new ByteArrayInputStream(PNG), PutOptions.of("image/png"))
            .url();
    assertThat(url).startsWith("file:");

    String sent = inputs().build().makeReachable(url);

    assertThat(sent).isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(PNG));
    assertThat(replicate.getRequestCount()).isZero();
  }

  @Test
  void aLargeObjectIsUploadedThroughTheFilesApiAndItsGetUrlSent() throws Exception {
    String url =
        store.put("ada/big.png", new ByteArrayInputStream(PNG), PutOptions.of("image/png")).url();
    String base = replicate.url("/v1").toString();
    replicate.enqueue(
        new MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"id\":\"ZmlsZS0x\",\"name\":\"big.png\",\"content_type\":\"image/png\",\"size\":"
                    + PNG.length
                    + ",\"etag\":\"e\","
                    + "\"checksums\":{},\"metadata\":{},\"created_at\":\"2025-11-14T10:00:00Z\",\"expires_at\":\"2025-11-15T10:00:00Z\","
                    + "\"urls\":{\"get\":\""
                    + base
                    + "/files/ZmlsZS0x\"}}")
            .build());

    String sent = inputs().inlineLimit(PNG.length - 1).build().makeReachable(url);

    assertThat(sent).isEqualTo(base + "/files/ZmlsZS0x");
    RecordedRequest upload = replicate.takeRequest();
    assertThat(upload.getUrl().encodedPath()).isEqualTo("/v1/files");
    assertThat(upload.getBody().string(StandardCharsets.ISO_8859_1))
        .contains(
            "name=\"content\"; filename=\"big.png\"",
            "Content-Type: image/png",
            new String(PNG, StandardCharsets.ISO_8859_1));
  }

  @Test
  void aLoopbackServedStoreIsReadFromTheStoreAndOtherPrivateUrlsAreRefused() throws Exception {
    FolderImageStore served = FolderImageStore.of(folder, "http://127.0.0.1:8080/files/");
    String url =
        served
            .put("bob/photo.png", new ByteArrayInputStream(PNG), PutOptions.of("image/png"))
            .url();
    ReplicateInputs inputs =
        ReplicateInputs.builder().client(client).store(served).privateHostsReachable(false).build();

    assertThat(inputs.makeReachable(url)).startsWith("data:image/png;base64,");
    assertThatThrownBy(() -> inputs.makeReachable("http://10.0.0.7/secret.png"))
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("Replicate cannot fetch");
    Path outside = Files.write(Files.createTempFile("outside", ".png"), PNG);
    assertThatThrownBy(() -> inputs.makeReachable(outside.toUri().toString()))
        .isInstanceOf(InputRejectedException.class);
    assertThat(
            ReplicateInputs.builder()
                .client(client)
                .store(served)
                .privateHostsReachable(true)
                .build()
                .makeReachable("http://10.0.0.7/x.png"))
        .isEqualTo("http://10.0.0.7/x.png");
    assertThat(
            ReplicateInputs.builder()
                .client(client)
                .build()
                .makeReachable("http://127.0.0.1:9/x.png"))
        .as("a loopback fake of the API can reach loopback URLs")
        .isEqualTo("http://127.0.0.1:9/x.png");
  }

  @Test
  void privateHostsAreRecognised() {
    for (String h :
        List.of(
            "localhost",
            "127.0.0.1",
            "[::1]",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "fd00::1",
            "printer.local",
            "db.internal",
            "intranet")) {
      assertThat(ReplicateInputs.isPrivateHost(h)).as(h).isTrue();
    }
    for (String h :
        List.of(
            "cdn.example.com",
            "8.8.8.8",
            "replicate.delivery",
            "[2606:4700::1111]",
            "100.128.0.1")) {
      assertThat(ReplicateInputs.isPrivateHost(h)).as(h).isFalse();
    }
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> ReplicateInputs.builder().inlineLimit(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReplicateInputs.builder().inlineLimit(1024 * 1024 + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReplicateInputs.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }
}
