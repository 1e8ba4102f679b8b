package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.storage.FolderImageStore;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gallery page in a real browser: headless Chromium (Debian's {@code chromium}, installed by
 * {@code .ci/run}) loads {@code GET /} from a running dev-user server, uploads two images through
 * the page's own file input and button, and sees them come back as thumbnails. Screenshots are kept
 * in {@code target/browser/}.
 */
class GalleryBrowserTest {
  static final Path ARTIFACTS = Path.of("target", "browser");
  @TempDir Path files;
  @TempDir Path pictures;
  JdbcImageCatalog catalog;
  ThumbnailService thumbnails;
  RenderLabServer server;
  String base;

  @BeforeEach
  void start() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // the store's public URLs must name the server's port
    }
    base = "http://127.0.0.1:" + port;
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    FolderImageStore store = FolderImageStore.of(files, base + "/files/");
    thumbnails =
        ThumbnailService.builder()
            .catalog(catalog)
            .jobs(catalog.thumbnailJobs())
            .store(store)
            .workers(2)
            .build()
            .start();
    Ingestor ingestor =
        Ingestor.builder().store(store).fetcher(RemoteFetcher.builder().build()).build();
    RenderLabPipeline pipeline =
        RenderLabPipeline.builder()
            .ingestor(ingestor)
            .catalog(catalog)
            .thumbnails(thumbnails)
            .build();
    server =
        RenderLabServer.builder()
            .pipeline(pipeline, thumbnails)
            .filesRoot(files)
            .devUser("gallery-tester")
            .port(port)
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
    thumbnails.close();
  }

  @Test
  void uploadedImagesAppearAsThumbnailsInTheGallery() throws Exception {
    Optional<Path> chromium = DevToolsBrowser.findChromium();
    Assumptions.assumeTrue(
        chromium.isPresent(),
        "chromium is not installed (no $CHROMIUM, no chromium on the PATH); .ci/run installs it with apt-get install chromium");
    Path sunset = picture("sunset.png", 960, 640, new Color(0xff7e5f), new Color(0x2b1055));
    Path lagoon = picture("lagoon.jpg", 640, 900, new Color(0x43cea2), new Color(0x185a9d));
    Files.createDirectories(ARTIFACTS);

    try (DevToolsBrowser browser = DevToolsBrowser.launch(chromium.get(), 1100, 720)) {
      browser.navigate(base + "/");
      browser.waitFor(
          "document.getElementById('status').textContent.includes('0 image')",
          Duration.ofSeconds(20));

      for (Path picture : List.of(sunset, lagoon)) {
        int before = browser.evaluate("document.querySelectorAll('.card').length").asInt();
        browser.setFile("#file", picture);
        browser.evaluate("document.getElementById('upload').click(), true");
        browser.waitFor(
            "document.querySelectorAll('.card').length === "
                + (before + 1)
                + " && [...document.querySelectorAll('.card img')].every(i => i.dataset.thumb === 'true' && i.complete && i.naturalWidth > 0)"
                + " && document.getElementById('status').textContent.startsWith('Uploaded ')",
            Duration.ofSeconds(45));
      }

      JsonNode sources =
          browser.evaluate(
              "[...document.querySelectorAll('.card img')].map(i => [i.src, i.naturalWidth, i.naturalHeight])");
      Files.write(ARTIFACTS.resolve("gallery.png"), browser.screenshot());

      assertThat(sources).hasSize(2);
      for (JsonNode s : sources) {
        assertThat(s.get(0).asText())
            .startsWith(base + "/files/thumbs/gallery-tester/")
            .endsWith(".webp");
        assertThat(s.get(1).asInt()).isEqualTo(400);
        assertThat(s.get(2).asInt()).isEqualTo(400);
      }
      List<ImageRecord> history = catalog.history(HistoryQuery.of("gallery-tester")).images();
      assertThat(history).extracting(ImageRecord::name).containsExactly("lagoon.jpg", "sunset.png");
      assertThat(history).allSatisfy(r -> assertThat(r.thumbUrl()).isPresent());

      // Opening an image shows it full size with its lineage.
      browser.evaluate("document.querySelector('.card').click(), true");
      browser.waitFor(
          "document.getElementById('detail').open && document.getElementById('detail-img').complete"
              + " && document.getElementById('detail-img').naturalWidth > 0 && document.querySelectorAll('#detail-lineage img').length === 1",
          Duration.ofSeconds(20));
      Files.write(ARTIFACTS.resolve("gallery-detail.png"), browser.screenshot());
    }
    assertThat(ImageIO.read(ARTIFACTS.resolve("gallery.png").toFile()).getWidth()).isEqualTo(1100);
  }

  private Path picture(String name, int width, int height, Color from, Color to)
      throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setPaint(new GradientPaint(0, 0, from, 0, height, to));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(255, 255, 255, 200));
    g.fillOval(width / 3, height / 3, width / 3, width / 3);
    g.setStroke(new BasicStroke(12));
    g.setColor(new Color(0, 0, 0, 120));
    g.drawLine(0, height * 3 / 4, width, height * 3 / 4 - 40);
    g.dispose();
    Path file = pictures.resolve(name);
    ImageIO.write(img, name.endsWith(".png") ? "png" : "jpeg", file.toFile());
    return file;
  }
}
