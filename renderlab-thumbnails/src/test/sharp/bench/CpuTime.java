import io.renderlab.thumbnails.*;
import java.nio.file.*;
import java.util.*;
/** Our side of the CPU-time comparison: java -cp renderlab-cli.jar CpuTime.java DIR RUNS WARM (process CPU, incl. JIT and GC). */
public class CpuTime {
  public static void main(String[] a) throws Exception {
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    Thumbnailer t = Thumbnailer.builder().build();
    int runs = Integer.parseInt(a[1]), warm = Integer.parseInt(a[2]);
    try (var files = Files.list(Path.of(a[0]))) {
      for (Path f : files.sorted().toList()) {
        byte[] img = Files.readAllBytes(f);
        for (int i = 0; i < warm; i++) t.render(img);
        double[] d = new double[runs];
        for (int i = 0; i < runs; i++) { long c = os.getProcessCpuTime(); t.render(img); d[i] = (os.getProcessCpuTime() - c) / 1e6; }
        Arrays.sort(d);
        System.out.printf("%s %.1f%n", f.getFileName(), d[(runs - 1) / 2]);
      }
    }
  }
}
