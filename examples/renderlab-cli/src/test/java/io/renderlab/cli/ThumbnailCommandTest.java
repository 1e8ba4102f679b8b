package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code thumbnail} and {@code bench thumbnails} as CLI.md describes them. */
class ThumbnailCommandTest {
  @TempDir Path home;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(home);
  }

  static byte[] jpeg(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(0, 0, w, h);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  @Test
  void writesA400SquareWebpAndReportsItInJson() throws Exception {
    Path src = Files.write(home.resolve("photo.jpg"), jpeg(800, 600));
    Path out = Files.createDirectories(home.resolve("thumbs")).resolve("photo.webp");

    CliRunner.Result r = cli.run("thumbnail", src.toString(), out.toString(), "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip())
        .isEqualTo("{\"width\":400,\"height\":400,\"bytes\":" + Files.size(out) + "}");
    assertThat(new String(Arrays.copyOfRange(Files.readAllBytes(out), 8, 12))).isEqualTo("WEBP");
  }

  @Test
  void exitsThreeForTruncatedInputAndPixelBombsAndWritesNothing() throws Exception {
    byte[] good = jpeg(800, 600);
    Path truncated =
        Files.write(home.resolve("truncated.jpg"), Arrays.copyOf(good, good.length / 3));
    byte[] bomb = good.clone();
    for (int i = 2; i + 9 < bomb.length; i++) {
      if ((bomb[i] & 0xff) == 0xff && (bomb[i + 1] & 0xff) == 0xc0) { // SOF0: claim 40000×40000
        bomb[i + 5] = (byte) (40_000 >> 8);
        bomb[i + 6] = (byte) 40_000;
        bomb[i + 7] = (byte) (40_000 >> 8);
        bomb[i + 8] = (byte) 40_000;
        break;
      }
    }
    Path bombFile = Files.write(home.resolve("bomb.jpg"), bomb);

    CliRunner.Result t =
        cli.run("thumbnail", truncated.toString(), home.resolve("t.webp").toString());
    CliRunner.Result b =
        cli.run("thumbnail", bombFile.toString(), home.resolve("b.webp").toString());

    assertThat(t.exitCode()).isEqualTo(3);
    assertThat(t.err())
        .startsWith("error: ")
        .contains("truncated or corrupt")
        .doesNotContain("\tat ");
    assertThat(b.exitCode()).isEqualTo(3);
    assertThat(b.err()).contains("1600000000 pixels").contains("--max-pixels");
    assertThat(home.resolve("t.webp")).doesNotExist();
    assertThat(home.resolve("b.webp")).doesNotExist();
  }

  @Test
  void printsOneJsonDocumentOnStdoutAlsoWhenItFails() throws Exception {
    Path truncated = Files.write(home.resolve("truncated.jpg"), Arrays.copyOf(jpeg(800, 600), 300));

    CliRunner.Result r =
        cli.run("thumbnail", truncated.toString(), home.resolve("t.webp").toString(), "--json");

    assertThat(r.exitCode()).isEqualTo(3);
    com.fasterxml.jackson.databind.JsonNode doc =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertThat(doc.get("exitCode").asInt()).isEqualTo(3);
    assertThat(doc.get("error").asText()).contains("truncated or corrupt");
    assertThat(r.out().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains("truncated or corrupt");
    assertThat(home.resolve("t.webp")).doesNotExist();

    CliRunner.Result missing =
        cli.run(
            "thumbnail",
            home.resolve("nope.png").toString(),
            home.resolve("n.webp").toString(),
            "--json");
    assertThat(missing.exitCode()).isEqualTo(3);
    assertThat(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(missing.out())
                .get("error")
                .asText())
        .contains("neither a file");
  }

  @Test
  void benchRunsRendersOnSeveralThreads() throws Exception {
    Path dir = Files.createDirectories(home.resolve("corpus"));
    Files.write(dir.resolve("one.jpg"), jpeg(640, 480));
    Files.write(dir.resolve("two.jpg"), jpeg(1600, 1200));

    CliRunner.Result r =
        cli.run("bench", "thumbnails", dir.toString(), "--runs", "3", "--threads", "2");

    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("one\\.jpg \\d+\\.\\d\\d");
    assertThat(lines.get(1)).matches("two\\.jpg \\d+\\.\\d\\d");
    assertThat(lines.get(2)).matches("throughput \\d+\\.\\d\\d");
  }

  @Test
  void benchTakesAWarmupCountAndRefusesANegativeOne() throws Exception {
    Path dir = Files.createDirectories(home.resolve("corpus"));
    Files.write(dir.resolve("one.jpg"), jpeg(320, 240));

    CliRunner.Result none =
        cli.run("bench", "thumbnails", dir.toString(), "--runs", "1", "--warmup", "0");
    CliRunner.Result negative =
        cli.run("bench", "thumbnails", dir.toString(), "--runs", "1", "--warmup", "-1");

    assertThat(none.exitCode()).as(none.err()).isZero();
    assertThat(none.out().lines().toList().get(0)).matches("one\\.jpg \\d+\\.\\d\\d");
    assertThat(negative.exitCode()).isNotZero();
    assertThat(negative.err()).contains("--warmup");
  }
}
