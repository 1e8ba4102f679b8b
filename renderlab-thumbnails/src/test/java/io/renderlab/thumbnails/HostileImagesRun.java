package io.renderlab.thumbnails;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Renders every hostile file in this JVM (run by {@link HostileImagesChildJvmTest} at {@code
 * -Xmx512m}), on two threads at once as the red team's two uploads did, each with a budget for two
 * concurrent renders: prints one line per file, {@code name<TAB>outcome<TAB>milliseconds} (the
 * slower of the two), and exits 1 if any ended in an Error.
 */
public final class HostileImagesRun {
  private HostileImagesRun() {}

  /** The hostile files plus the largest valid images a small file can claim. */
  static Map<String, byte[]> files() {
    Map<String, byte[]> files = new LinkedHashMap<>(HostileImages.all());
    files.put("1-bit PNG, 16383² (not interlaced)", HostileImages.bilevelPng(16383, 16383));
    files.put("RGB PNG, 16383² of zeros", HostileImages.widePng(16383, 16383));
    files.put("1-bit interlaced PNG, 16383²", HostileImages.interlacedBilevelPng(16383, 16383));
    files.put("1-bit interlaced PNG, 7000²", HostileImages.interlacedBilevelPng(7000, 7000));
    files.put("animated WebP, 1×1 frame on a 5000² canvas", HostileImages.animatedWebp(5000, 5000));
    files.put("lossless JPEG, 12000² grey in 18 MB", HostileImages.losslessJpeg(12_000, 12_000));
    // Just inside the budget: 125 MB of coefficients, then scans until the pass limit.
    files.put(
        "arithmetic progressive JPEG, 16383×2600, 140 scans",
        HostileImages.emptyArithmeticScans(16383, 2600, 140));
    return files;
  }

  public static void main(String[] args) throws Exception {
    Thumbnailer thumbnailer = Thumbnailer.builder().concurrency(2).build();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    boolean error = false;
    for (Map.Entry<String, byte[]> file : files().entrySet()) {
      List<Future<String>> renders = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        renders.add(pool.submit(() -> render(thumbnailer, file.getValue())));
      }
      String outcome = null;
      long slowest = 0;
      for (Future<String> render : renders) {
        String[] result = render.get().split("\t");
        outcome = outcome == null || result[0].startsWith("ERROR") ? result[0] : outcome;
        slowest = Math.max(slowest, Long.parseLong(result[1]));
      }
      error |= outcome.startsWith("ERROR");
      System.out.println(file.getKey() + "\t" + outcome + "\t" + slowest);
    }
    pool.shutdown();
    System.exit(error ? 1 : 0);
  }

  private static String render(Thumbnailer thumbnailer, byte[] image) {
    long start = System.nanoTime();
    String outcome;
    try {
      thumbnailer.render(image);
      outcome = "rendered";
    } catch (RuntimeException e) {
      outcome = e.getClass().getSimpleName();
    } catch (Error e) {
      outcome = "ERROR " + e;
    }
    return outcome + "\t" + (System.nanoTime() - start) / 1_000_000;
  }
}
