package io.renderlab.thumbnails.jmh;

import io.renderlab.thumbnails.Fit;
import io.renderlab.thumbnails.Thumbnail;
import io.renderlab.thumbnails.Thumbnailer;
import io.renderlab.thumbnails.internal.Geometry;
import io.renderlab.thumbnails.internal.Interleaved;
import io.renderlab.thumbnails.internal.PngDecoder;
import io.renderlab.thumbnails.internal.Resampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The thumbnail hot paths, on demand only ({@code -Pjmh}, see the module README): a whole render
 * per committed test image, and the stages alone (PNG decode, resize of a decoded 12-megapixel
 * photo, WebP encode of a 400×400 thumbnail).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ThumbnailBenchmarks {

  /** A whole render, bytes in, WebP out, per test image. */
  @State(Scope.Benchmark)
  public static class Render {
    @Param({
      "square.png",
      "wide.png",
      "alpha.png",
      "photo.jpg",
      "portrait.jpg",
      "exif6.jpg",
      "large.webp"
    })
    public String image;

    Thumbnailer thumbnailer;
    byte[] bytes;

    @Setup
    public void setUp() {
      thumbnailer = Thumbnailer.builder().build();
      bytes = resource(image);
    }
  }

  /** A decoded 4000×3000 photograph-like image, and its plan for a 400×400 cover thumbnail. */
  @State(Scope.Benchmark)
  public static class Decoded {
    @Param({"3", "4"})
    public int channels;

    Interleaved pixels;
    Resampler.Axis ax;
    Resampler.Axis ay;
    byte[] png;
    PngDecoder.Header pngHeader;
    Thumbnailer thumbnailer;
    byte[] smallPng;

    @Setup
    public void setUp() {
      int w = 4000;
      int h = 3000;
      byte[] data = new byte[w * h * channels];
      Random random = new Random(7);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int p = (y * w + x) * channels;
          data[p] = (byte) (x * 255 / w + random.nextInt(8));
          data[p + 1] = (byte) (y * 255 / h + random.nextInt(8));
          data[p + 2] = (byte) ((x ^ y) >> 4);
          if (channels == 4) {
            data[p + 3] = (byte) (x < w / 2 ? 255 : 128);
          }
        }
      }
      pixels = new Interleaved(data, w, h, channels, false);
      Geometry g = Geometry.of(w, h, 1, 400, 400, Fit.COVER);
      ax = Resampler.Axis.of(w, g.shrink(), g.resizedWidth(), g.cropX(), g.outWidth());
      ay = Resampler.Axis.of(h, g.shrink(), g.resizedHeight(), g.cropY(), g.outHeight());
      png = resource(channels == 4 ? "alpha.png" : "wide.png");
      pngHeader = PngDecoder.header(png).orElseThrow();
      thumbnailer = Thumbnailer.builder().build();
      smallPng = resource("square.png");
    }
  }

  /**
   * A 12-megapixel photograph-like JPEG (grain and gradients, q92, 4:2:0) made in setup, or a file
   * named by {@code -Djpeg.file=...}; decoded alone at sharp's shrink-on-load (1/2 for a 400×400
   * cover) and rendered whole. Run with {@code -prof gc} to see allocation per operation, and with
   * {@code -t 2} to see two threads.
   */
  @State(Scope.Benchmark)
  public static class LargeJpeg {
    @Param({"baseline", "progressive"})
    public String coding;

    byte[] jpeg;
    Thumbnailer thumbnailer;

    @Setup
    public void setUp() throws IOException {
      String file = System.getProperty("jpeg.file");
      if (file != null) {
        jpeg = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(file));
      } else {
        int w = 4000;
        int h = 3000;
        java.awt.image.BufferedImage img =
            new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        Random random = new Random(11);
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int p = (y * w + x) * 3;
            double v =
                0.5
                    + 0.25 * Math.sin(x / 300.0) * Math.cos(y / 210.0)
                    + 0.1 * Math.sin((x + y) / 37.0);
            data[p] = (byte) Math.max(0, Math.min(255, 255 * v * 0.7 + random.nextInt(14)));
            data[p + 1] = (byte) Math.max(0, Math.min(255, 255 * v + random.nextInt(14)));
            data[p + 2] = (byte) Math.max(0, Math.min(255, 255 * (1 - v) + random.nextInt(14)));
          }
        }
        javax.imageio.ImageWriter writer =
            javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.92f);
        if (coding.equals("progressive")) {
          param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream out =
            javax.imageio.ImageIO.createImageOutputStream(bytes)) {
          writer.setOutput(out);
          writer.write(null, new javax.imageio.IIOImage(img, null, null), param);
        }
        writer.dispose();
        jpeg = bytes.toByteArray();
      }
      thumbnailer = Thumbnailer.builder().build();
    }
  }

  @Benchmark
  public Interleaved decodeLargeJpegAtHalfSize(LargeJpeg state) {
    io.renderlab.thumbnails.internal.jpeg.JpegFrame frame =
        io.renderlab.thumbnails.internal.jpeg.JpegFrame.parse(state.jpeg);
    int scale = 2;
    return io.renderlab.thumbnails.internal.jpeg.JpegDecoder.decode(
            frame,
            scale,
            0,
            0,
            io.renderlab.thumbnails.internal.jpeg.JpegDecoder.scaled(frame.width(), scale),
            io.renderlab.thumbnails.internal.jpeg.JpegDecoder.scaled(frame.height(), scale))
        .pixels();
  }

  @Benchmark
  public Thumbnail renderLargeJpeg(LargeJpeg state) {
    return state.thumbnailer.render(state.jpeg);
  }

  @Benchmark
  public Thumbnail render(Render state) {
    return state.thumbnailer.render(state.bytes);
  }

  @Benchmark
  public float[] resize4000x3000(Decoded state) {
    return Resampler.resize(state.pixels, state.ax, state.ay);
  }

  @Benchmark
  public Interleaved decodePng(Decoded state) {
    return PngDecoder.decode(state.png, state.pngHeader);
  }

  static byte[] resource(String name) {
    try (InputStream in =
        ThumbnailBenchmarks.class.getResourceAsStream("/io/renderlab/thumbnails/images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test image " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
