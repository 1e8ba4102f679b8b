package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.UnsupportedImageException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AVIF and HEIC through libheif's heif-dec as a child process. The binary here is a stand-in script
 * with heif-dec's command line ({@code heif-dec -q 100 in out.jpg}, or {@code out.png} for an image
 * with alpha) that writes a prepared file, or fails: what is tested is our side of the binding
 * (arguments, exit status, output, clean-up).
 */
class HeifRendererTest {
  @TempDir Path dir;

  @AfterEach
  void clear() {
    System.clearProperty(HeifRenderer.BINARY_PROPERTY);
  }

  /**
   * A stand-in that writes the prepared JPEG or PNG, as the output's name asks, to {@code name}.
   */
  private void useStandIn(String name) throws IOException {
    Path jpg = dir.resolve("decoded.jpg");
    Files.write(jpg, TestImages.encode(OrientationTest.quadrants(), "jpg"));
    Path png = dir.resolve("decoded.png");
    Files.write(png, TestImages.encode(OrientationTest.quadrants(), "png"));
    useBinary(
        "#!/bin/sh\n[ \"$1 $2\" = '-q 100' ] || exit 9\nout=\"$4\"\ncase \"$out\" in *.jpg) src='"
            + jpg
            + "';; *) src='"
            + png
            + "';; esac\ncp \"$src\" \""
            + name
            + "\"\n");
  }

  @Test
  void rendersTheJpegLibheifWritesForAnOpaqueImage() throws IOException {
    useStandIn("$out");

    Thumbnail thumb = Thumbnailer.builder().size(40, 20).quality(100).build().render(avif());

    assertQuadrants(thumb);
  }

  @Test
  void asksForAPngWhenTheImageHasAnAlphaPlane() throws IOException {
    // Only a PNG can carry the alpha: the stand-in would write nothing for a .jpg it is not asked.
    useBinary(
        "#!/bin/sh\ncase \"$4\" in *.png) cp '" + writePng() + "' \"$4\";; *) exit 3;; esac\n");
    byte[] avif = avif();
    byte[] alpha = "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha".getBytes();
    System.arraycopy(alpha, 0, avif, 16, alpha.length);

    assertQuadrants(Thumbnailer.builder().size(40, 20).quality(100).build().render(avif));
  }

  @Test
  void readsTheFirstImageOfAFileWithSeveral() throws IOException {
    // heif-convert writes each top-level image as out-1.jpg, out-2.jpg...; sharp reads the first.
    useStandIn("${out%.jpg}-1.jpg");

    assertQuadrants(Thumbnailer.builder().size(40, 20).quality(100).build().render(avif()));
  }

  private Path writePng() throws IOException {
    Path png = dir.resolve("decoded.png");
    Files.write(png, TestImages.encode(OrientationTest.quadrants(), "png"));
    return png;
  }

  private static void assertQuadrants(Thumbnail thumb) throws IOException {
    assertThat(thumb.width()).isEqualTo(40);
    assertThat(thumb.height()).isEqualTo(20);
    BufferedImage out = GifFirstFrameTest.decode(thumb);
    assertThat((out.getRGB(10, 5) >> 16) & 0xff).isGreaterThan(200); // red top-left quadrant
    assertThat(out.getRGB(10, 5) & 0xff).isLessThan(60);
    try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("renderlab-heif")))
          .as("no temporary folder outlives the render")
          .isEmpty();
    }
  }

  @Test
  void refusesWhatLibheifRefuses() throws IOException {
    useBinary("#!/bin/sh\necho 'Could not read HEIF/AVIF file' >&2\nexit 1\n");

    assertThatThrownBy(() -> Thumbnailer.builder().build().render(avif()))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("libheif's")
        .hasMessageContaining("exit 1");
  }

  @Test
  void refusesAHeaderOverThePixelLimitBeforeRunningLibheif() throws IOException {
    Path ran = dir.resolve("ran");
    useBinary("#!/bin/sh\ntouch '" + ran + "'\nexit 1\n");
    byte[] avif = avif();
    // An ispe property claiming 100000 × 100000 pixels.
    System.arraycopy(
        new byte[] {
          0,
          0,
          0,
          20,
          'i',
          's',
          'p',
          'e',
          0,
          0,
          0,
          0,
          0,
          1,
          (byte) 0x86,
          (byte) 0xa0,
          0,
          1,
          (byte) 0x86,
          (byte) 0xa0
        },
        0,
        avif,
        24,
        20);

    assertThatThrownBy(() -> Thumbnailer.builder().build().render(avif))
        .isInstanceOf(ImageTooLargeException.class);
    assertThat(ran).as("libheif never ran").doesNotExist();
  }

  @Test
  void saysWhatToInstallWithoutLibheif() {
    System.setProperty(HeifRenderer.BINARY_PROPERTY, dir.resolve("missing").toString());

    assertThatThrownBy(() -> Thumbnailer.builder().build().render(avif()))
        .isInstanceOf(UnsupportedImageException.class)
        .hasMessageContaining("heif-dec, which is not installed")
        .hasMessageContaining("apt-get install libheif-examples");
  }

  private void useBinary(String script) throws IOException {
    Path binary = dir.resolve("heif-dec");
    Files.writeString(binary, script);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
    System.setProperty(HeifRenderer.BINARY_PROPERTY, binary.toString());
  }

  /** An ISO-BMFF header of brand avif (the stand-in binary ignores the rest). */
  static byte[] avif() {
    byte[] iso = new byte[64];
    System.arraycopy(
        new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f'}, 0, iso, 0, 12);
    return iso;
  }
}
