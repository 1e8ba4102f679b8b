package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetchFailedException;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.PredictionFailedException;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import javax.sql.DataSource;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline end to end: a mockwebserver standing in for Replicate (serving the API's JSON
 * and the output files on loopback), a real store and a real database from the subclass.
 */
abstract class PipelineContract {
  static final byte[] OUTPUT_PNG = png(Color.ORANGE);
  static final byte[] MASK_PNG = png(Color.WHITE);

  /** A model that takes an image and a mask (its fields are known without its schema). */
  static final String INPAINT_MODEL = "black-forest-labs/flux-fill-pro";

  @TempDir Path temp;
  MockWebServer replicateFake;
  ReplicateClient replicate;
  JdbcImageCatalog catalog;
  ImageStore store;
  ThumbnailService thumbnails;
  RenderLabPipeline pipeline;
  final AtomicInteger predictions = new AtomicInteger();

  abstract DataSource database();

  abstract ImageStore newStore(Path temp);

  abstract long objectCount();

  static byte[] png(Color color) {
    BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, 640, 480);
    g.dispose();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void start() throws IOException {
    replicateFake = new MockWebServer();
    replicateFake.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath();
            if (path.startsWith("/files/gone")) {
              return new MockResponse.Builder().code(404).build();
            }
            if (path.startsWith("/files/")) {
              return new MockResponse.Builder().body(new Buffer().write(OUTPUT_PNG)).build();
            }
            if (r.getMethod().equals("GET") && path.startsWith("/v1/models/")) {
              // The model's schema: this fake has none, so inputs go unchecked (as the API's 404).
              return new MockResponse.Builder()
                  .code(404)
                  .addHeader("Content-Type", "application/json")
                  .body("{\"detail\":\"Not found.\",\"status\":404}")
                  .build();
            }
            String body = r.getBody() == null ? "" : r.getBody().utf8();
            String id = "pred" + predictions.incrementAndGet();
            String base = replicateFake.url("/v1").toString();
            if (body.contains("fail")) {
              return json(
                  FakeJson.prediction(
                      base, id, "failed", "null", "NSFW content detected", "Running\nBlocked"));
            }
            String file = body.contains("expired") ? "gone-" + id : id;
            return json(
                FakeJson.prediction(
                    base,
                    id,
                    "succeeded",
                    "\"" + replicateFake.url("/files/" + file + ".png") + "\"",
                    null,
                    "done"));
          }
        });
    replicateFake.start(InetAddress.getLoopbackAddress(), 0);
    replicate =
        ReplicateClient.builder()
            .token("r8_test")
            .baseUrl(replicateFake.url("/v1").toString())
            .createsPerMinute(0)
            .retryPolicy(
                RetryPolicy.builder()
                    .initialBackoff(Duration.ZERO)
                    .maxBackoff(Duration.ZERO)
                    .build())
            .build();
    catalog = JdbcImageCatalog.builder().dataSource(database()).build();
    catalog.migrate();
    store = newStore(temp);
    thumbnails =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .build()
            .start();
    Ingestor ingestor =
        Ingestor.builder()
            .store(store)
            .fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build())
            .retryPolicy(
                RetryPolicy.builder()
                    .maxAttempts(2)
                    .initialBackoff(Duration.ZERO)
                    .maxBackoff(Duration.ZERO)
                    .build())
            .build();
    pipeline =
        RenderLabPipeline.builder()
            .replicate(replicate)
            .ingestor(ingestor)
            .catalog(catalog)
            .thumbnails(thumbnails)
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    thumbnails.close();
    replicate.close();
    replicateFake.close();
  }

  /** The next create sent to the fake (schema reads skipped). */
  RecordedRequest takeCreate() throws InterruptedException {
    while (true) {
      RecordedRequest r = replicateFake.takeRequest();
      if (r.getMethod().equals("POST")) {
        return r;
      }
    }
  }

  static MockResponse json(String body) {
    return new MockResponse.Builder()
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  @Test
  void generateReuploadsRecordsAndThumbnails() throws Exception {
    List<ImageRecord> images =
        pipeline.generate(
            GenerateRequest.of("ada", "modern architecture")
                .withReferenceUrls(List.of("https://cdn.example.com/ref.png")));

    assertThat(images).hasSize(1);
    ImageRecord image = images.get(0);
    assertThat(image.kind()).isEqualTo(ImageKind.GENERATED);
    assertThat(image.storageKey()).startsWith("ada/generated_").endsWith(".png");
    assertThat(image.referenceUrl()).contains("https://cdn.example.com/ref.png");
    assertThat(image.model()).contains("google/nano-banana");
    assertThat(image.predictionId()).contains("pred1");
    try (InputStream in = store.open(image.storageKey())) {
      assertThat(in.readAllBytes()).isEqualTo(OUTPUT_PNG);
    }
    ImageRecord withThumb = pipeline.awaitThumbnails(images, Duration.ofSeconds(30)).get(0);
    assertThat(withThumb.thumbUrl())
        .hasValueSatisfying(u -> assertThat(u).contains("thumbs/ada/" + image.id() + ".webp"));
    assertThat(pipeline.history(HistoryQuery.of("ada")).images())
        .extracting(ImageRecord::id)
        .containsExactly(image.id());
    String sent = takeCreate().getBody().utf8();
    assertThat(sent)
        .contains("\"prompt\":\"modern architecture\"")
        .contains("\"image_input\":[\"https://cdn.example.com/ref.png\"]");
  }

  @Test
  void editStoresTheMaskOnceAndExtendsTheLineage() throws Exception {
    ImageRecord original =
        pipeline.upload(new ByteArrayInputStream(OUTPUT_PNG), UploadRequest.of("ada", "house.png"));
    Path mask = temp.resolve("mask.png");
    Files.write(mask, MASK_PNG);
    long before = objectCount();

    ImageRecord v2 =
        pipeline.edit(
            EditRequest.of(
                    "ada",
                    "https://cdn.example.com/v1.png",
                    EditRequest.Mask.parse(mask.toString()),
                    "add a door")
                .withBaseUrl(original.url())
                .withModel(INPAINT_MODEL));
    ImageRecord v3 =
        pipeline.edit(
            EditRequest.of(
                    "ada",
                    "https://cdn.example.com/v2.png",
                    EditRequest.Mask.parse(mask.toString()),
                    "paint it red")
                .withBaseUrl(v2.url())
                .withModel(INPAINT_MODEL));

    assertThat(v2.kind()).isEqualTo(ImageKind.EDITED);
    assertThat(v2.maskUrl()).isPresent().isEqualTo(v3.maskUrl());
    assertThat(v2.referenceUrl()).contains(original.url());
    assertThat(objectCount() - before).as("one mask + two results").isEqualTo(3);
    assertThat(pipeline.lineage(v3.id()))
        .extracting(ImageRecord::id)
        .containsExactly(original.id(), v2.id(), v3.id());
    assertThat(pipeline.history(HistoryQuery.of("ada").withKind(ImageKind.EDITED)).images())
        .hasSize(2);
    String sent = takeCreate().getBody().utf8();
    // A folder store's file: URL is one Replicate cannot fetch: the mask goes inline
    // (ReplicateInputs).
    String maskSent =
        v2.maskUrl().get().startsWith("file:")
            ? "data:image/png;base64,iVBOR"
            : v2.maskUrl().get() + "\"";
    assertThat(sent)
        .contains("\"image\":\"https://cdn.example.com/v1.png\"")
        .contains("\"mask\":\"" + maskSent);
  }

  @Test
  void anEditByAModelWithoutAMaskInputChangesNothingOutsideTheMask() throws Exception {
    BufferedImage photo = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 240; y++) {
      for (int x = 0; x < 320; x++) {
        photo.setRGB(x, y, (x * 255 / 320) << 16 | (y * 255 / 240) << 8 | 0x40);
      }
    }
    ImageRecord original =
        pipeline.upload(new ByteArrayInputStream(encode(photo)), UploadRequest.of("ada", "p.png"));
    // An edit's image is an http(s) URL: a folder store without a public base URL has file: ones.
    org.junit.jupiter.api.Assumptions.assumeTrue(original.url().startsWith("http"));
    // The mask: white (edit) in the middle third, black (keep) elsewhere; a different size.
    BufferedImage maskImage = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
    for (int y = 40; y < 80; y++) {
      for (int x = 53; x < 107; x++) {
        maskImage.setRGB(x, y, 0xffffff);
      }
    }
    Path mask = temp.resolve("middle.png");
    Files.write(mask, encode(maskImage));

    ImageRecord edited =
        pipeline.edit(
            EditRequest.of("ada", original.url(), EditRequest.Mask.parse(mask.toString()), "a door")
                .withModel("google/nano-banana"));

    String sent = takeCreate().getBody().utf8();
    assertThat(sent)
        .contains("\"image_input\":[")
        .doesNotContain("\"mask\"")
        .doesNotContain("\"image\":");
    assertThat(edited.rawUrl()).as("the model's own output is kept").isPresent();
    assertThat(edited.storageKey()).endsWith(".png");
    BufferedImage result;
    try (InputStream in = store.open(edited.storageKey())) {
      result = ImageIO.read(in);
    }
    assertThat(result.getWidth()).isEqualTo(320);
    assertThat(result.getHeight()).isEqualTo(240);
    int changedInside = 0;
    for (int y = 0; y < 240; y++) {
      for (int x = 0; x < 320; x++) {
        boolean inside = x >= 106 && x < 214 && y >= 80 && y < 160;
        boolean edge = x >= 100 && x < 220 && y >= 74 && y < 166;
        if (!edge) {
          assertThat(result.getRGB(x, y) & 0xffffff)
              .as("pixel %d,%d outside the mask", x, y)
              .isEqualTo(photo.getRGB(x, y) & 0xffffff);
        } else if (inside && result.getRGB(x, y) != photo.getRGB(x, y)) {
          changedInside++;
        }
      }
    }
    assertThat(changedInside).as("the edit shows inside the mask").isGreaterThan(108 * 80 / 2);
    try (InputStream raw =
        store.open(edited.rawUrl().get().substring(edited.rawUrl().get().indexOf("ada/")))) {
      assertThat(raw.readAllBytes()).isEqualTo(OUTPUT_PNG);
    }
  }

  static byte[] encode(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  @Test
  void aCollectionReportsEachItemAndOneFailureLosesNoneOfTheOthers() {
    CollectionResult result =
        pipeline.collection(
            "ada", List.of("a castle", "please fail", "a lighthouse"), Optional.empty(), 2, null);

    assertThat(result.items())
        .extracting(CollectionItem::succeeded)
        .containsExactly(true, false, true);
    assertThat(result.items().get(1).error())
        .hasValueSatisfying(e -> assertThat(e).isInstanceOf(PredictionFailedException.class));
    assertThat(result.anyFailed()).isTrue();
    List<ImageRecord> history = pipeline.history(HistoryQuery.of("ada")).images();
    assertThat(history)
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.collectionId()).contains(result.collectionId()));
  }

  @Test
  void aFailedPredictionLeavesNoRecordAndNoObject() {
    long before = objectCount();

    assertThatThrownBy(() -> pipeline.generate(GenerateRequest.of("ada", "please fail")))
        .isInstanceOf(PredictionFailedException.class)
        .hasMessageContaining("NSFW");
    assertThat(pipeline.history(HistoryQuery.of("ada")).images()).isEmpty();
    assertThat(objectCount()).isEqualTo(before);
  }

  @Test
  void anOutputThatCannotBeStoredLeavesNoRecord() {
    assertThatThrownBy(() -> pipeline.generate(GenerateRequest.of("ada", "expired output")))
        .isInstanceOf(RemoteFetchFailedException.class)
        .hasMessageContaining("expired");
    assertThat(pipeline.history(HistoryQuery.of("ada")).images()).isEmpty();
  }

  @Test
  void uploadsAreRecordedAndThumbnailed() {
    ImageRecord up =
        pipeline.upload(new ByteArrayInputStream(OUTPUT_PNG), UploadRequest.of("bob", "photo.png"));

    assertThat(up.kind()).isEqualTo(ImageKind.UPLOADED);
    assertThat(pipeline.awaitThumbnails(List.of(up), Duration.ofSeconds(30)).get(0).thumbUrl())
        .isPresent();
    assertThatThrownBy(
            () ->
                pipeline.upload(
                    new ByteArrayInputStream("not an image".getBytes()),
                    UploadRequest.of("bob", "x.txt")))
        .isInstanceOf(io.renderlab.core.UnsupportedImageException.class);
    assertThat(pipeline.history(HistoryQuery.of("bob")).images()).hasSize(1);
  }
}
