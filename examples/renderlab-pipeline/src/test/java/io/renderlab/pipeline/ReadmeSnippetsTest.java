package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImagePage;
import io.renderlab.core.GenerationStatus;
import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationHandle;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.StoredObject;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.ImageStores;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.Thumbnail;
import io.renderlab.thumbnails.ThumbnailService;
import io.renderlab.thumbnails.Thumbnailer;
import java.awt.Color;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The README's code, compiled and run here so it cannot rot. Each {@code tag::name[]} region below
 * must appear verbatim (de-indented) in the repository's README.md.
 */
class ReadmeSnippetsTest {
  static final byte[] PNG = PipelineContract.png(Color.ORANGE);
  @TempDir Path temp;
  MockWebServer fake;
  String outputUrl;

  @BeforeEach
  void start() throws IOException {
    fake = new MockWebServer();
    fake.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        if (r.getUrl().encodedPath().startsWith("/files/")) {
          return new MockResponse.Builder().body(new Buffer().write(PNG)).build();
        }
        String base = fake.url("/v1").toString();
        String output = "[\"" + fake.url("/files/out-0.png") + "\"]";
        return new MockResponse.Builder().addHeader("Content-Type", "application/json")
            .body(FakeJson.prediction(base, "xyz123", "succeeded", output, null, "done")).build();
      }
    });
    fake.start(InetAddress.getLoopbackAddress(), 0);
    outputUrl = fake.url("/files/expiring.png").toString();
  }

  @AfterEach
  void stop() throws IOException {
    fake.close();
  }

  JdbcImageCatalog catalog() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:readme-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    return JdbcImageCatalog.builder().dataSource(h2).build();
  }

  @Test
  void coreSnippetSavesAndPagesHistory() {
    JdbcImageCatalog catalog = catalog();
    // tag::core[]
    catalog.migrate();                                   // explicit: never applied behind your back
    ImageRecord saved = catalog.save(ImageRecord.builder()
        .userId("user-123").kind(ImageKind.UPLOADED).name("photo.png")
        .url("https://cdn.example.com/user-123/photo.png").storageKey("user-123/photo.png")
        .build());                                       // its thumbnail job is queued in the same transaction
    ImagePage page = catalog.history(HistoryQuery.of("user-123").withLimit(20));
    String shown = page.images().get(0).displayUrl();    // thumb_url, else url
    // end::core[]
    assertThat(page.images()).extracting(ImageRecord::id).containsExactly(saved.id());
    assertThat(shown).isEqualTo("https://cdn.example.com/user-123/photo.png");
  }

  @Test
  void storageSnippetReuploadsAnExpiringUrl() throws Exception {
    Path folder = temp.resolve("objects");
    RemoteFetcher fetcher = RemoteFetcher.builder().allowHost("127.0.0.1").build(); // the fake is on loopback
    // tag::storage[]
    FolderImageStore store = FolderImageStore.of(folder, "https://cdn.example.com/images");
    Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();

    // Replicate's output URL expires in about an hour: stream it into permanent storage.
    StoredObject stored = ingestor.ingest(outputUrl, "user-123", "generated");
    stored.url();          // https://cdn.example.com/images/user-123/generated_<time>_<random>.png
    stored.contentType();  // sniffed from the bytes: image/png
    stored.sha256();       // computed on the way
    // end::storage[]
    assertThat(stored.url()).startsWith("https://cdn.example.com/images/user-123/generated_").endsWith(".png");
    assertThat(Files.readAllBytes(folder.resolve(stored.key()))).isEqualTo(PNG);
  }

  @Test
  void storageUrlSnippetCompilesAndNamesTheStore() {
    // tag::storageUrl[]
    ImageStore s3 = ImageStores.fromUrl("s3://renderlab-images?endpoint=http://localhost:9000&region=us-east-1&pathStyle=true");
    String url = s3.publicUrl("user-123/photo.png");   // http://localhost:9000/renderlab-images/user-123/photo.png
    // end::storageUrl[]
    s3.close();
    assertThat(url).isEqualTo("http://localhost:9000/renderlab-images/user-123/photo.png");
  }

  @Test
  void thumbnailsSnippetRendersA400SquareWebp() throws Exception {
    Path photo = temp.resolve("photo.png");
    Files.write(photo, PipelineContract.png(Color.BLUE));
    // tag::thumbnails[]
    Thumbnailer thumbnailer = Thumbnailer.builder().build();   // 400×400 cover, centre, Lanczos3, WebP q75 effort 4
    Thumbnail thumb = thumbnailer.render(photo);               // PNG, JPEG, WebP, GIF, BMP, TIFF; AVIF/HEIC with libheif;
                                                               // orientation applied; pixel bombs refused
    Files.write(temp.resolve("thumb.webp"), thumb.webp());
    // end::thumbnails[]
    assertThat(thumb.width()).isEqualTo(400);
    assertThat(thumb.height()).isEqualTo(400);
    assertThat(new String(Files.readAllBytes(temp.resolve("thumb.webp")), 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
  }

  @Test
  void replicateSnippetRunsAPrediction() {
    try (ReplicateClient replicate =
        ReplicateClient.builder().token("r8_readme").baseUrl(fake.url("/v1").toString()).build()) {
      // tag::replicate[]
      Prediction prediction = replicate.predictions().run(
          PredictionRequest.model("google/nano-banana").put("prompt", "modern architecture").build(),
          Duration.ofMinutes(5));                        // Prefer: wait, then polling with backoff; canceled on timeout
      List<String> files = prediction.outputUrls();      // every file URL, whatever the output's shape
      // end::replicate[]
      assertThat(files).containsExactly(fake.url("/files/out-0.png").toString());
    }
  }

  @Test
  void generationsSnippetRunsADurableGeneration() throws Exception {
    JdbcImageCatalog catalog = catalog();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(temp.resolve("objects"));
    Ingestor ingestor =
        Ingestor.builder().store(store).fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build()).build();
    ReplicateClient replicate = ReplicateClient.builder().token("r8_readme").baseUrl(fake.url("/v1").toString()).build();
    // tag::generations[]
    Generations generations = Generations.builder()
        .replicate(replicate).ingestor(ingestor).store(catalog.generations()).build();
    GenerationHandle handle = generations.submit(GenerationRequest.builder()
        .userId("user-123").prompt("modern architecture")
        .prediction(PredictionRequest.model("google/nano-banana").put("prompt", "modern architecture").build())
        .build());                                   // the row is written before the create is sent
    List<ImageRecord> images = handle.records().get(60, TimeUnit.SECONDS);
    RecoveryWorker recovery = RecoveryWorker.builder().generations(generations).build().start();
    // the worker finishes what a dead instance left; a verified webhook calls generations.complete(prediction)
    // end::generations[]
    recovery.close();
    generations.close();
    replicate.close();
    assertThat(images).singleElement().satisfies(r -> assertThat(r.predictionId()).contains("xyz123"));
    assertThat(generations.find(handle.id()).orElseThrow().status()).isEqualTo(GenerationStatus.SUCCEEDED);
  }

  @Test
  void pipelineSnippetComposesTheModules() throws Exception {
    JdbcImageCatalog catalog = catalog();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(temp.resolve("objects"));
    Ingestor ingestor =
        Ingestor.builder().store(store).fetcher(RemoteFetcher.builder().allowHost("127.0.0.1").build()).build();
    ReplicateClient replicate = ReplicateClient.builder().token("r8_readme").baseUrl(fake.url("/v1").toString()).build();
    // tag::pipeline[]
    ThumbnailService thumbnails = ThumbnailService.builder()
        .catalog(catalog).jobs(catalog.thumbnailJobs()).store(store).build().start();
    RenderLabPipeline pipeline = RenderLabPipeline.builder()
        .replicate(replicate).ingestor(ingestor).catalog(catalog).thumbnails(thumbnails).build();

    List<ImageRecord> images = pipeline.generate(GenerateRequest.of("user-123", "modern architecture"));
    ImageRecord withThumb = thumbnails.awaitThumbnail(images.get(0).id()).get(30, TimeUnit.SECONDS);
    // end::pipeline[]
    thumbnails.close();
    replicate.close();
    assertThat(withThumb.thumbUrl()).hasValueSatisfying(u -> assertThat(u).contains("thumbs/user-123/" + withThumb.id() + ".webp"));
    assertThat(withThumb.predictionId()).contains("xyz123");
  }

  @Test
  void everySnippetAppearsVerbatimInTheReadme() throws IOException {
    String readme = Files.readString(readme(), StandardCharsets.UTF_8);
    String source = Files.readString(Path.of("src/test/java/io/renderlab/pipeline/ReadmeSnippetsTest.java"), StandardCharsets.UTF_8);
    List<String> snippets = snippets(source);

    assertThat(snippets).hasSize(7);
    assertThat(snippets).allSatisfy(snippet -> assertThat(readme).contains(snippet));
  }

  static Path readme() {
    return Path.of("../../README.md");
  }

  /** The tagged regions of {@code source}, each with its common indentation removed. */
  static List<String> snippets(String source) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("// tag::(\\w+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL).matcher(source);
    while (m.find()) {
      String[] lines = m.group(2).split("\n");
      int indent = Integer.MAX_VALUE;
      for (String line : lines) {
        if (!line.isBlank()) {
          indent = Math.min(indent, line.length() - line.stripLeading().length());
        }
      }
      StringBuilder sb = new StringBuilder();
      for (String line : lines) {
        sb.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
      }
      out.add(sb.toString());
    }
    return out;
  }
}
