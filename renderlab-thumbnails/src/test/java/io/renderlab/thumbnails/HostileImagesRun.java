package io.renderlab.thumbnails;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders every hostile file in this JVM (run by {@link HostileImagesChildJvmTest} at {@code
 * -Xmx512m}, two renders' worth of budget each, as the red team ran {@code serve}): prints one line
 * per file, {@code name<TAB>outcome<TAB>milliseconds}, and exits 1 if any ended in an Error.
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
    return files;
  }

  public static void main(String[] args) {
    Thumbnailer thumbnailer = Thumbnailer.builder().concurrency(2).build();
    boolean error = false;
    for (Map.Entry<String, byte[]> file : files().entrySet()) {
      long start = System.nanoTime();
      String outcome;
      try {
        thumbnailer.render(file.getValue());
        outcome = "rendered";
      } catch (RuntimeException e) {
        outcome = e.getClass().getSimpleName();
      } catch (Error e) {
        outcome = "ERROR " + e;
        error = true;
      }
      System.out.println(
          file.getKey() + "\t" + outcome + "\t" + (System.nanoTime() - start) / 1_000_000);
    }
    System.exit(error ? 1 : 0);
  }
}
