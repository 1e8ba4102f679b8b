package io.renderlab.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench images DIR [--count 300] [--seed 23]}: writes the benchmark's test images, the same
 * bytes for the same seed on every machine: JPEGs of 1024-2048 px a side with photograph-like
 * content (a sky-to-ground gradient, soft multi-scale value noise as texture and light, a few
 * blurred objects, sensor grain), so the decoder and resampler work as on real photographs, not on
 * flat colours that compress to nothing.
 */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description =
        "Writes --count seeded, photograph-like JPEGs (1024-2048 px a side) into DIR, the same for the same --seed.")
final class BenchImagesCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Option(
      names = "--count",
      defaultValue = "300",
      description = "How many (default ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = "--seed",
      defaultValue = "23",
      description = "The seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  protected int execute() throws Exception {
    if (count < 1 || count > 100_000) {
      throw new IllegalArgumentException("--count must be between 1 and 100000, was " + count);
    }
    Files.createDirectories(dir);
    SplittableRandom random = new SplittableRandom(seed);
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      SplittableRandom one = random.split();
      int w = 1024 + one.nextInt(1025);
      int h = 1024 + one.nextInt(1025);
      Path file = dir.resolve(String.format(Locale.ROOT, "img-%05d.jpg", i));
      writeJpeg(photo(w, h, one), 0.80f + one.nextInt(16) / 100f, file);
      bytes += Files.size(file);
    }
    if (context.json()) {
      context.out().println(Json.write(Json.object().put("images", count).put("bytes", bytes)));
    } else {
      context.out().println("wrote " + count + " images, " + bytes + " bytes, into " + dir);
    }
    return ExitCodes.OK;
  }

  /** A photograph-like scene; see the class comment. */
  static BufferedImage photo(int w, int h, SplittableRandom random) {
    float[] sky = hsv(random.nextDouble(), 0.2 + 0.5 * random.nextDouble(), 0.9);
    float[] ground = hsv(random.nextDouble(), 0.3 + 0.5 * random.nextDouble(), 0.5);
    double horizon = 0.3 + 0.4 * random.nextDouble();
    ValueNoise noise = new ValueNoise(random.nextLong());
    int blobs = 3 + random.nextInt(6);
    double[][] blob = new double[blobs][];
    for (int b = 0; b < blobs; b++) {
      float[] c = hsv(random.nextDouble(), random.nextDouble(), 0.2 + 0.8 * random.nextDouble());
      blob[b] =
          new double[] {
            random.nextDouble() * w,
            random.nextDouble() * h,
            (0.05 + 0.2 * random.nextDouble()) * Math.min(w, h),
            c[0],
            c[1],
            c[2],
            random.nextDouble()
          };
    }
    double scale = 1.0 / Math.max(w, h);
    int[] rgb = new int[w];
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      double v = (double) y / h;
      double t = Math.min(1, Math.max(0, (v - horizon) * 8 + 0.5));
      for (int x = 0; x < w; x++) {
        double nx = x * scale;
        double ny = y * scale;
        double texture = noise.fractal(nx * 16, ny * 16, 7); // 0..1, detail down to a few pixels
        double light = 0.75 + 0.5 * noise.fractal(nx * 1.5 + 7, ny * 1.5 + 3, 2);
        double detail = 0.55 + (0.25 + 0.75 * t) * 0.9 * texture; // the ground has more texture
        double r = (sky[0] * (1 - t) + ground[0] * t) * light * detail;
        double g = (sky[1] * (1 - t) + ground[1] * t) * light * detail;
        double b = (sky[2] * (1 - t) + ground[2] * t) * light * detail;
        for (double[] o : blob) {
          double dx = x - o[0];
          double dy = y - o[1];
          double d = Math.sqrt(dx * dx + dy * dy) / o[2];
          if (d < 1.2) {
            // Half the objects in focus (a hard edge), half out of focus (a soft one).
            double a = d < 1 ? 0.95 : o[6] > 0.5 ? 0 : 0.95 * (1.2 - d) / 0.2;
            double shade = (0.5 + 0.8 * texture) * (1.1 - 0.3 * d);
            r = r * (1 - a) + o[3] * shade * a;
            g = g * (1 - a) + o[4] * shade * a;
            b = b * (1 - a) + o[5] * shade * a;
          }
        }
        double grain = (random.nextDouble() - 0.5) * 0.06;
        rgb[x] = (clamp(r + grain) << 16) | (clamp(g + grain) << 8) | clamp(b + grain);
      }
      image.setRGB(0, y, w, 1, rgb, 0, w);
    }
    return image;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v * 255)));
  }

  private static float[] hsv(double hue, double saturation, double value) {
    int c = java.awt.Color.HSBtoRGB((float) hue, (float) saturation, (float) value);
    return new float[] {((c >> 16) & 255) / 255f, ((c >> 8) & 255) / 255f, (c & 255) / 255f};
  }

  private static void writeJpeg(BufferedImage image, float quality, Path file) throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
  }

  /** Smooth value noise on a hashed lattice, summed over octaves. */
  private static final class ValueNoise {
    private final long seed;

    ValueNoise(long seed) {
      this.seed = seed;
    }

    double fractal(double x, double y, int octaves) {
      double sum = 0;
      double amplitude = 0.5;
      double norm = 0;
      for (int o = 0; o < octaves; o++) {
        sum += amplitude * at(x, y, o);
        norm += amplitude;
        x *= 2.1;
        y *= 2.1;
        amplitude *= 0.55;
      }
      return sum / norm;
    }

    private double at(double x, double y, int octave) {
      int xi = (int) Math.floor(x);
      int yi = (int) Math.floor(y);
      double fx = smooth(x - xi);
      double fy = smooth(y - yi);
      double a = lattice(xi, yi, octave);
      double b = lattice(xi + 1, yi, octave);
      double c = lattice(xi, yi + 1, octave);
      double d = lattice(xi + 1, yi + 1, octave);
      return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }

    private static double smooth(double t) {
      return t * t * (3 - 2 * t);
    }

    private double lattice(int x, int y, int octave) {
      long h =
          seed ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL) ^ (octave * 0x165667B1L);
      h ^= h >>> 33;
      h *= 0xFF51AFD7ED558CCDL;
      h ^= h >>> 33;
      return (h >>> 11) * 0x1.0p-53;
    }
  }
}
