package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.RemoteFetchRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The CLI behaviours of docs/CLI.md that scripts rely on: usage errors, paging, files, hints. */
class CliUsageAndOutputTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path home;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(home);
  }

  @Test
  void noArgumentsHelpAndAnUnknownCommandExitTwoWithTheUsage() {
    for (String[] argv :
        List.of(new String[0], new String[] {"help"}, new String[] {"paint", "--json"})) {
      CliRunner.Result r = cli.run(argv);

      assertThat(r.exitCode()).as(String.join(" ", argv)).isEqualTo(2);
      assertThat(r.out()).as("nothing on stdout for %s", String.join(" ", argv)).isEmpty();
      assertThat(r.err())
          .startsWith("error: ")
          .contains("Usage: renderlab")
          .contains("history", "thumbnail");
    }
    // The nearest good input: --help is a request, answered on stdout with 0.
    CliRunner.Result help = cli.run("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: renderlab");
  }

  @Test
  void historyPrintsANextCursorThatCursorAccepts() throws Exception {
    CliContext setup =
        new CliContext(java.util.Map.of("RENDERLAB_HOME", home.toString()), System.out, System.err);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      setup
          .catalog()
          .save(
              ImageRecord.builder()
                  .userId("ada")
                  .kind(ImageKind.UPLOADED)
                  .name("img" + i)
                  .url("https://cdn.test/" + i + ".png")
                  .storageKey("ada/" + i + ".png")
                  .createdAt(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i))
                  .build());
      names.add(0, "img" + i); // newest first
    }
    setup.close();

    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int page = 0; page < 5; page++) {
      List<String> argv =
          new ArrayList<>(List.of("history", "--user", "ada", "--limit", "2", "--json"));
      if (cursor != null) {
        argv.add("--cursor");
        argv.add(cursor);
      }
      CliRunner.Result r = cli.run(argv.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.err()).isZero();
      JsonNode body = MAPPER.readTree(r.out());
      body.get("images").forEach(i -> seen.add(i.get("name").asText()));
      cursor = body.hasNonNull("nextCursor") ? body.get("nextCursor").asText() : null;
      if (cursor == null) {
        break;
      }
    }
    assertThat(seen).containsExactlyElementsOf(names);

    CliRunner.Result text = cli.run("history", "--user", "ada", "--limit", "2");
    assertThat(text.out()).contains("nextCursor ").contains("--cursor ");
    CliRunner.Result bad = cli.run("history", "--user", "ada", "--cursor", "not-a-cursor");
    assertThat(bad.exitCode()).isEqualTo(3);
  }

  @Test
  void thumbnailRefusesAMissingOutputFolderAndWritesWithTheUmasksPermissions() throws Exception {
    Path src = Files.write(home.resolve("photo.jpg"), ThumbnailCommandTest.jpeg(320, 240));
    Path missing = home.resolve("no/such/folder/t.webp");

    CliRunner.Result refused = cli.run("thumbnail", src.toString(), missing.toString());

    assertThat(refused.exitCode()).isEqualTo(3);
    assertThat(refused.err()).contains("does not exist").contains("create it first");
    assertThat(home.resolve("no")).doesNotExist();

    Path out = home.resolve("t.webp");
    CliRunner.Result ok = cli.run("thumbnail", src.toString(), out.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    // Compared with a file made the ordinary way in the same folder, so the test holds for any
    // umask.
    Path reference = Files.write(home.resolve("reference.bin"), new byte[] {1});
    Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
    assertThat(Files.getPosixFilePermissions(out)).isEqualTo(expected);
    try (var listing = Files.list(home)) {
      assertThat(listing.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(".thumbnail-"));
    }
  }

  @Test
  void libraryRefusalsGetTheClisOwnHint() {
    String privateHint =
        ExitCodes.hint(
            new RemoteFetchRefusedException(
                RemoteFetchRefusedException.Reason.PRIVATE_ADDRESS, "http://10.0.0.1/", "refused"));
    String sizeHint =
        ExitCodes.hint(
            new RemoteFetchRefusedException(
                RemoteFetchRefusedException.Reason.TOO_LARGE, "http://x/", "too large"));

    assertThat(privateHint).contains("--allow-host").contains("RENDERLAB_ALLOW_HOSTS");
    assertThat(sizeHint).contains("--max-bytes");
    assertThat(ExitCodes.hint(new IllegalArgumentException("x"))).isEmpty();

    CliRunner.Result r = cli.run("ingest", "http://169.254.169.254/latest/meta-data/");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("RemoteFetcher.builder().allowHost(...)").contains("--allow-host");
  }

  @Test
  void theCliHasAnSlf4jBindingThatIsNotTheNoOpFallback() {
    assertThat(LoggerFactory.getILoggerFactory().getClass().getName())
        .isEqualTo("org.slf4j.simple.SimpleLoggerFactory");
  }
}
