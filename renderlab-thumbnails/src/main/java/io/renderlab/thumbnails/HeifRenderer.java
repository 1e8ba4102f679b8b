package io.renderlab.thumbnails;

import io.renderlab.core.MediaType;
import io.renderlab.core.UnsupportedImageException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * AVIF and HEIC through libheif (the library libvips, so sharp, uses) without native code in the
 * jar: the host's {@code heif-dec} (or the older {@code heif-convert}) from libheif's examples runs
 * as a child process that decodes the image to a PNG, within the render's deadline (killed past it)
 * and an output size cap, and the PNG is rendered as any PNG is. libheif applies the image's {@code
 * irot}/{@code imir} transforms and alpha, and writes its ICC profile, so orientation, alpha and
 * colour follow. Without the binary, one refusal that says what to install. The binary can be named
 * with the system property {@value #BINARY_PROPERTY}; otherwise it is looked up on the PATH.
 */
final class HeifRenderer {
  /** A system property naming the heif-dec binary to use instead of the one on the PATH. */
  static final String BINARY_PROPERTY = "renderlab.thumbnails.heifDec";

  private HeifRenderer() {}

  static Thumbnail render(byte[] image, RenderJob job) {
    Path binary = binary().orElseThrow(() -> notInstalled(job.type));
    // The pixel limit from the header, before libheif allocates anything: the largest image
    // spatial extent (ispe) the file declares, which covers a grid's whole size.
    long[] extent = largestExtent(image);
    if (extent != null) {
      job.checkPixels(extent[0], extent[1]);
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("renderlab-heif");
      Path in = dir.resolve(job.type == MediaType.AVIF ? "in.avif" : "in.heic");
      // An opaque image comes back as a JPEG at quality 100: libheif writes it in a fifth of the
      // CPU time of a PNG (0.25 s against 1.46 s for a 12 MP photo), and libpng refuses to write
      // some ICC profiles ("known incorrect sRGB profile") that libjpeg carries as they are. An
      // image with alpha needs the PNG.
      boolean alpha = hasAlpha(image);
      String ext = alpha ? ".png" : ".jpg";
      Path out = dir.resolve("out" + ext);
      Files.write(in, image);
      Process process =
          new ProcessBuilder(List.of(binary.toString(), "-q", "100", in.toString(), out.toString()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        long wait = Math.min(job.budget.remainingNanos(), TimeUnit.MINUTES.toNanos(10));
        if (!process.waitFor(wait, TimeUnit.NANOSECONDS)) {
          process.destroyForcibly();
          job.budget.checkDeadline(); // past the render's deadline: refused as any render is
          throw new UnsupportedImageException(
              "Cannot decode the " + job.type.mimeType() + " image: libheif ran for 10 minutes.");
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new UnsupportedImageException("Interrupted while libheif decoded the image.", e);
      }
      if (!Files.isRegularFile(out)) {
        // A file of several top-level images: heif-convert writes each as out-N; libvips (so
        // sharp) reads the first one.
        out = dir.resolve("out-1" + ext);
      }
      if (process.exitValue() != 0 || !Files.isRegularFile(out) || Files.size(out) == 0) {
        throw new UnsupportedImageException(
            "Cannot decode the "
                + job.type.mimeType()
                + " image: libheif's "
                + binary.getFileName()
                + " refused it (exit "
                + process.exitValue()
                + "; truncated, corrupt or a kind libheif does not read).");
      }
      // The file is as large as the picture: held to the render's memory budget before it is read.
      job.budget.reserve(Files.size(out), "libheif's decoded image");
      byte[] decoded = Files.readAllBytes(out);
      // libheif has applied irot/imir already; an EXIF orientation it copied would turn it twice.
      return alpha ? PngRenderer.render(decoded, job, 1) : JpegRenderer.render(decoded, job, 1);
    } catch (IOException e) {
      throw new UnsupportedImageException(
          "Cannot decode the " + job.type.mimeType() + " image through libheif: " + e.getMessage(),
          e);
    } finally {
      delete(dir);
    }
  }

  /**
   * True when the file declares an alpha plane: an auxiliary image of type AVIF's {@code
   * urn:mpeg:mpegB:cicp:systems:auxiliary:alpha} or HEIF's {@code urn:mpeg:hevc:2015:auxid:1}.
   */
  static boolean hasAlpha(byte[] b) {
    return contains(b, "auxiliary:alpha") || contains(b, "hevc:2015:auxid:1");
  }

  private static boolean contains(byte[] b, String ascii) {
    byte[] needle = ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + needle.length <= b.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (b[i + k] != needle[k]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** The largest width × height among the file's {@code ispe} properties, or null if none. */
  static long[] largestExtent(byte[] b) {
    long[] best = null;
    for (int i = 4; i + 16 <= b.length; i++) {
      if (b[i] == 'i' && b[i + 1] == 's' && b[i + 2] == 'p' && b[i + 3] == 'e') {
        long w = u32(b, i + 8);
        long h = u32(b, i + 12);
        if (best == null || w * h > best[0] * best[1]) {
          best = new long[] {w, h};
        }
      }
    }
    return best;
  }

  private static long u32(byte[] b, int p) {
    return ((b[p] & 0xffL) << 24)
        | ((b[p + 1] & 0xffL) << 16)
        | ((b[p + 2] & 0xffL) << 8)
        | (b[p + 3] & 0xffL);
  }

  private static UnsupportedImageException notInstalled(MediaType type) {
    return new UnsupportedImageException(
        "Cannot read this "
            + (type == MediaType.AVIF ? "AVIF" : "HEIC")
            + " image: AVIF and HEIC are read through libheif's heif-dec, which is not installed"
            + " on this host. Install it (Debian and Ubuntu: apt-get install libheif-examples;"
            + " macOS: brew install libheif) or convert the image to JPEG, PNG or WebP. "
            + Formats.READ);
  }

  /** The heif-dec (or heif-convert) to run: the system property's, else the PATH's. */
  static Optional<Path> binary() {
    String named = System.getProperty(BINARY_PROPERTY);
    if (named != null) {
      Path path = Path.of(named);
      return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    for (String name : List.of("heif-dec", "heif-convert")) {
      Optional<Path> found = onPath(name);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /** The executable {@code name} in the first folder of the PATH that holds one. */
  static Optional<Path> onPath(String name) {
    String pathVariable = System.getenv("PATH");
    if (pathVariable == null) {
      return Optional.empty();
    }
    for (String dir : pathVariable.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      dir.toFile().deleteOnExit();
    }
  }
}
