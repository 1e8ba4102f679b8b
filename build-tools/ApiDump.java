import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public-API baseline of a library module: a text dump of every public and protected
 * signature of its exported (non-{@code internal}) classes, made by {@code javap} from the
 * compiled classes, in the spirit of OkHttp's {@code .api} files.
 *
 * <p>Run by the build with the JDK's single-file launcher (no compilation step, JDK only):
 * {@code java ApiDump.java check|update CLASSES_DIR API_FILE MODULE}. {@code check} exits 1 and
 * prints the difference and the accepting command when the dump differs from API_FILE;
 * {@code update} rewrites API_FILE.
 */
public final class ApiDump {
  private ApiDump() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4 || !(args[0].equals("check") || args[0].equals("update"))) {
      System.err.println("usage: java ApiDump.java check|update CLASSES_DIR API_FILE MODULE");
      System.exit(2);
    }
    Path classes = Path.of(args[1]);
    Path apiFile = Path.of(args[2]);
    String module = args[3];
    String dump = dump(classes);
    if (args[0].equals("update")) {
      Files.createDirectories(apiFile.getParent());
      Files.writeString(apiFile, dump, StandardCharsets.UTF_8);
      System.out.println("[api] wrote " + apiFile);
      return;
    }
    String baseline = Files.exists(apiFile) ? Files.readString(apiFile, StandardCharsets.UTF_8) : "";
    if (baseline.equals(dump)) {
      System.out.println("[api] " + module + ": public API matches " + apiFile.getFileName());
      return;
    }
    Set<String> before = new LinkedHashSet<>(baseline.lines().collect(Collectors.toList()));
    Set<String> after = new LinkedHashSet<>(dump.lines().collect(Collectors.toList()));
    StringBuilder report = new StringBuilder();
    report.append("\n[api] The public API of ").append(module).append(" differs from its baseline ")
        .append(Files.exists(apiFile) ? apiFile : apiFile + " (missing)").append(":\n");
    int shown = 0;
    for (String line : before) {
      if (!after.contains(line) && shown++ < 60) {
        report.append("  - ").append(line.strip()).append('\n');
      }
    }
    for (String line : after) {
      if (!before.contains(line) && shown++ < 60) {
        report.append("  + ").append(line.strip()).append('\n');
      }
    }
    if (shown == 0) {
      report.append("  (the same signatures in another order)\n");
    }
    report.append("[api] If this change is intended, accept it (then review and commit the .api file):\n")
        .append("        mvn -B -Papi-update -pl ").append(module).append(" -am process-test-classes\n")
        .append("      or, for every library module: mvn -B -Papi-update process-test-classes\n");
    System.err.print(report);
    System.exit(1);
  }

  /** The dump: one block per public class, sorted by class name, members in class-file order. */
  static String dump(Path classes) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class"))
          .filter(p -> !p.getFileName().toString().equals("module-info.class"))
          .filter(p -> !classes.relativize(p).toString().replace('\\', '/').matches("(.*/)?internal/.*"))
          .collect(Collectors.toList());
    }
    ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow(() -> new IllegalStateException("no javap in this JDK"));
    // Class names, outer before nested: "Foo" < "Foo$Bar" because the key of a nested class has
    // its outer's name as a prefix ('$' becomes '\u0000', so "Foo$Bar" also sorts before "FooBar").
    // Sorting the file names instead would put "Foo$Bar.class" before "Foo.class" ('$' < '.').
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      names.add(classes.relativize(file).toString().replace('\\', '/').replaceAll("\\.class$", "").replace('/', '.'));
    }
    names.sort((a, b) -> a.replace("$", "\u0000").compareTo(b.replace("$", "\u0000")));
    Set<String> publicClasses = new HashSet<>();
    List<String> blocks = new ArrayList<>();
    for (String name : names) {
      int nested = name.lastIndexOf('$');
      if (nested >= 0 && !publicClasses.contains(name.substring(0, nested))) {
        continue; // inside a non-public class (or anonymous/local)
      }
      Path file = classes.resolve(name.replace('.', '/') + ".class");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = javap.run(new PrintWriter(out), new PrintWriter(err), "-protected", file.toString());
      if (code != 0) {
        throw new IllegalStateException("javap failed on " + file + ": " + err);
      }
      List<String> lines = out.toString().lines()
          .filter(l -> !l.startsWith("Compiled from"))
          .collect(Collectors.toList());
      if (lines.isEmpty()) {
        continue;
      }
      String header = lines.get(0);
      if (!(header.startsWith("public ") || header.startsWith("protected "))) {
        continue;
      }
      publicClasses.add(name);
      blocks.add(String.join("\n", lines));
    }
    return blocks.stream().collect(Collectors.joining("\n\n", "", "\n"));
  }
}
