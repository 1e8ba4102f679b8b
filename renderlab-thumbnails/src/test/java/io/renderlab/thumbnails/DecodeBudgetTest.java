package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.renderlab.core.UnsupportedImageException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decode and work budgets (issue 22): every hostile file ends in a thumbnail or a typed
 * refusal, in time, before its memory is allocated; the nearest good input still renders.
 */
class DecodeBudgetTest {
  /** What one of two renders gets from a 512 MB heap: the red team's setting. */
  private static final long BUDGET = 128L << 20;

  private final Thumbnailer thumbnailer = Thumbnailer.builder().maxDecodeMemory(BUDGET).build();

  static Stream<Arguments> memoryBombs() {
    return HostileImages.all().entrySet().stream()
        .filter(e -> !e.getKey().contains("scans"))
        .map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("memoryBombs")
  void refusesAMemoryBombBeforeAllocatingOrRendersItSmall(String name, byte[] bomb) {
    assertThat(bomb.length).as("a small file").isLessThan(20_000_000);
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          try {
            Thumbnail thumb = thumbnailer.render(bomb);
            // Only the animation renders: its canvas is composited at the resize's size.
            assertThat(name).startsWith("animated WebP");
            assertThat(thumb.width()).isEqualTo(400);
          } catch (ImageTooLargeException refused) {
            assertThat(refused.memoryNeeded().orElseThrow()).isGreaterThan(BUDGET);
            assertThat(refused.memoryBudget()).hasValue(BUDGET);
            assertThat(refused.isRetryable()).isFalse();
            assertThat(refused.getMessage())
                .contains("memory budget")
                .contains("Thumbnailer.builder().concurrency(...)");
          }
        });
  }

  @Test
  void theRedTeamsPayloadsNowEndInARefusalOrAThumbnail() {
    Map<String, byte[]> bombs = HostileImages.all();
    assertThatThrownBy(() -> thumbnailer.render(bombs.get("8-bit grey interlaced PNG, 16383²")))
        .isInstanceOf(ImageTooLargeException.class)
        .hasMessageContaining("interlaced PNG's full-size image");
    // An interlaced image is held as stored: the red team's 6 KB 1-bit one at 7000² is 6 MB so.
    assertThat(thumbnailer.render(HostileImages.interlacedBilevelPng(7000, 7000)).width())
        .isEqualTo(400);
    assertThatThrownBy(() -> thumbnailer.render(bombs.get("BMP claiming 16383²")))
        .isInstanceOf(ImageTooLargeException.class)
        .hasMessageContaining("16383×16383 image/bmp");
    assertThatThrownBy(() -> thumbnailer.render(bombs.get("GIF claiming 16383²")))
        .isInstanceOf(ImageTooLargeException.class);
    assertThatThrownBy(() -> thumbnailer.render(bombs.get("TIFF claiming 16383²")))
        .isInstanceOf(ImageTooLargeException.class);
    assertThatThrownBy(
            () -> thumbnailer.render(bombs.get("arithmetic progressive JPEG claiming 16383²")))
        .isInstanceOf(ImageTooLargeException.class)
        .hasMessageContaining("coefficients");
    assertThatThrownBy(
            () ->
                thumbnailer.render(
                    bombs.get("lossless JPEG, 6000² RGB a scan per component, 13.5 MB")))
        .isInstanceOf(ImageTooLargeException.class)
        .hasMessageContaining("lossless JPEG's full-size samples");
    // Coded in one scan, a lossless JPEG streams into the resize: the 18 MB one at 12000² is
    // HostileImagesRun's (it takes a second or two), a 3000² one here.
    assertThat(thumbnailer.render(HostileImages.losslessJpeg(3000, 3000)).width()).isEqualTo(400);
    assertThat(
            Thumbnailer.builder()
                .maxDecodeMemory(64 << 10)
                .build()
                .render(HostileImages.losslessJpeg(3000, 3000, 1))
                .width())
        .isEqualTo(400);
    Thumbnail animated =
        thumbnailer.render(bombs.get("animated WebP, 1×1 frame on a 16383² canvas"));
    assertThat(animated.width()).isEqualTo(400);
    assertThat(animated.height()).isEqualTo(400);
  }

  @Test
  void theSameImageRendersOnceTheBudgetHoldsIt() {
    // 3000² 8-bit grey interlaced: a 9 MB full-size buffer.
    byte[] png = HostileImages.interlacedGreyPng(3000, 3000);
    assertThatThrownBy(() -> Thumbnailer.builder().maxDecodeMemory(4L << 20).build().render(png))
        .isInstanceOf(ImageTooLargeException.class);
    Thumbnail thumb = Thumbnailer.builder().maxDecodeMemory(64L << 20).build().render(png);
    assertThat(thumb.width()).isEqualTo(400);
    // And the BMP bomb's nearest good input: the same file at a size the budget holds.
    assertThat(thumbnailer.render(HostileImages.bmp(2000, 2000)).width()).isEqualTo(400);
  }

  @Test
  void animatedWebpIsCompositedAtTheResizeSizeWithTheFrameInPlace() {
    BufferedImage red = new BufferedImage(200, 200, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 200; x++) {
        red.setRGB(x, y, 0xffff0000);
      }
    }
    // A 200² red frame at (0, 0) of a 1600² canvas: the top-left eighth of the 400² thumbnail.
    byte[] webp = HostileImages.animatedWebp(1600, 1600, red, 0, 0);
    BufferedImage thumb = TestImages.decode(thumbnailer.render(webp).webp());
    assertThat(thumb.getWidth()).isEqualTo(400);
    Color inside = new Color(thumb.getRGB(20, 20), true);
    assertThat(inside.getAlpha()).isGreaterThan(250);
    assertThat(inside.getRed()).isGreaterThan(230);
    assertThat(inside.getGreen()).isLessThan(30);
    assertThat(new Color(thumb.getRGB(80, 80), true).getAlpha()).isLessThan(5);
    assertThat(new Color(thumb.getRGB(300, 300), true).getAlpha()).isLessThan(5);
  }

  @Test
  void theBudgetIsAShareOfTheHeapPerConcurrentRender() {
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(Thumbnailer.builder().concurrency(1).build().decodeMemoryBudget())
        .isEqualTo(heap / 2);
    assertThat(Thumbnailer.builder().concurrency(4).build().decodeMemoryBudget())
        .isEqualTo(heap / 8);
    assertThat(
            Thumbnailer.builder().concurrency(4).maxDecodeMemory(1000).build().decodeMemoryBudget())
        .isEqualTo(1000);
    Thumbnailer copy = Thumbnailer.builder().concurrency(3).build().toBuilder().build();
    assertThat(copy.decodeMemoryBudget()).isEqualTo(heap / 6);
    assertThatThrownBy(() -> Thumbnailer.builder().concurrency(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Thumbnailer.builder().renderDeadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aThousandScanJpegIsRefusedWithinTwoSeconds() {
    for (byte[] jpeg :
        List.of(
            HostileImages.manyScans(1000), HostileImages.emptyArithmeticScans(4000, 4000, 1000))) {
      assertThat(jpeg.length).isLessThan(1 << 20);
      long start = System.nanoTime();
      assertThatThrownBy(() -> thumbnailer.render(jpeg))
          .isInstanceOfSatisfying(
              ImageTooComplexException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(ImageTooComplexException.Reason.JPEG_SCANS);
                assertThat(e.isRetryable()).isFalse();
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void aJpegWithinTheScanLimitsStillRenders() {
    // The committed progressive file's ten scans, and the arithmetic flat image's single scan.
    assertThat(thumbnailer.render(TestImages.resource("jpeg/p420.jpg")).width()).isEqualTo(400);
    assertThat(HostileImages.manyScans(ImageTooComplexException.MAX_JPEG_SCANS).length)
        .isGreaterThan(0);
    assertThat(
            thumbnailer
                .render(HostileImages.manyScans(ImageTooComplexException.MAX_JPEG_SCANS))
                .width())
        .isEqualTo(400);
    assertThatThrownBy(
            () ->
                thumbnailer.render(
                    HostileImages.manyScans(ImageTooComplexException.MAX_JPEG_SCANS + 1)))
        .isInstanceOf(ImageTooComplexException.class)
        .hasMessageContaining("more than " + ImageTooComplexException.MAX_JPEG_SCANS + " scans");
  }

  @Test
  void aRenderPastItsDeadlineIsRefusedAtTheNextCheck() {
    Thumbnailer hurried = Thumbnailer.builder().renderDeadline(Duration.ofNanos(1)).build();
    Thumbnailer patient = Thumbnailer.builder().build();
    for (String name :
        List.of(
            "images/progressive.jpg",
            "images/photo.jpg",
            "images/square.png",
            "jpeg/lossless/ll-grey.jpg")) {
      byte[] image = TestImages.resource(name);
      assertThatThrownBy(() -> hurried.render(image))
          .as(name)
          .isInstanceOfSatisfying(
              ImageTooComplexException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(ImageTooComplexException.Reason.RENDER_DEADLINE);
                assertThat(e.getMessage()).contains("renderDeadline");
              });
      assertThat(patient.render(image).width()).as(name).isEqualTo(400);
    }
    // ImageIO's readers report progress: the deadline is checked there.
    byte[] gif = TestImages.encode(TestImages.bands(600, 400), "gif");
    assertThatThrownBy(() -> hurried.render(gif)).isInstanceOf(ImageTooComplexException.class);
    assertThat(patient.render(gif).width()).isEqualTo(400);
  }

  @Test
  void anArithmeticJpegWithoutImageDataIsRefused() {
    for (String name : List.of("jpeg/arithmetic/a420.jpg", "jpeg/arithmetic/ap420.jpg")) {
      List<HostileImages.Segment> segments =
          HostileImages.segments(TestImages.resource("" + name)).stream()
              .map(
                  s -> {
                    if (s.marker() != 0xda) {
                      return s;
                    }
                    int header = 2 + (((s.bytes()[2] & 0xff) << 8) | (s.bytes()[3] & 0xff));
                    return new HostileImages.Segment(
                        0xda, java.util.Arrays.copyOf(s.bytes(), header));
                  })
              .toList();
      byte[] empty = HostileImages.jpeg(segments);
      assertThatThrownBy(() -> thumbnailer.render(empty))
          .as(name)
          .isInstanceOf(UnsupportedImageException.class)
          .isNotInstanceOf(ImageTooLargeException.class)
          .hasMessageContaining("no image data");
      assertThat(thumbnailer.render(TestImages.resource(name)).width()).isEqualTo(400);
    }
    // A flat image is a few bytes of data, not none: it still renders.
    assertThat(thumbnailer.render(TestImages.resource("jpeg/arithmetic/flat.jpg")).width())
        .isEqualTo(400);
  }
}
