package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HistoryCommandTest {
  @TempDir Path home;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(home);
  }

  @Test
  void printsAnEmptyJsonHistoryOnAFreshFolder() {
    CliRunner.Result r = cli.run("history", "--user", "nobody", "--json");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("{\"images\":[]}");
  }

  @Test
  void listsImagesNewestFirstWithDisplayUrlsAndFiltersByKind() throws Exception {
    CliContext setup =
        new CliContext(java.util.Map.of("RENDERLAB_HOME", home.toString()), System.out, System.err);
    var catalog = setup.catalog();
    ImageRecord old =
        catalog.save(
            ImageRecord.builder()
                .userId("ada")
                .kind(ImageKind.UPLOADED)
                .name("old")
                .url("https://cdn.test/old.png")
                .storageKey("ada/old.png")
                .thumbUrl("https://cdn.test/thumbs/ada/old.webp")
                .createdAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build());
    ImageRecord edit =
        catalog.save(
            ImageRecord.builder()
                .userId("ada")
                .kind(ImageKind.EDITED)
                .name("new")
                .url("https://cdn.test/new.png")
                .storageKey("ada/new.png")
                .referenceUrl(old.url())
                .createdAt(Instant.parse("2026-01-02T00:00:00Z"))
                .build());
    setup.close();

    CliRunner.Result all = cli.run("history", "--user", "ada", "--json");
    JsonNode images = Json.MAPPER.readTree(all.out()).get("images");
    assertThat(images).hasSize(2);
    assertThat(images.get(0).get("id").asText()).isEqualTo(edit.id().toString());
    assertThat(images.get(0).get("displayUrl").asText()).isEqualTo(edit.url());
    assertThat(images.get(0).get("thumbUrl").isNull()).isTrue();
    assertThat(images.get(1).get("displayUrl").asText())
        .isEqualTo("https://cdn.test/thumbs/ada/old.webp");
    assertThat(images.get(1).get("createdAt").asText()).isEqualTo("2026-01-01T00:00:00Z");

    CliRunner.Result edited = cli.run("history", "--user", "ada", "--kind", "edited", "--json");
    assertThat(Json.MAPPER.readTree(edited.out()).get("images")).hasSize(1);

    CliRunner.Result lineage = cli.run("lineage", edit.id().toString(), "--json");
    assertThat(lineage.exitCode()).isZero();
    JsonNode chain = Json.MAPPER.readTree(lineage.out()).get("chain");
    assertThat(chain).extracting(n -> n.get("name").asText()).containsExactly("old", "new");

    CliRunner.Result table = cli.run("history", "--user", "ada");
    assertThat(table.out()).contains("edited", "uploaded", "https://cdn.test/thumbs/ada/old.webp");
  }

  @Test
  void aMissingUserIsAUsageError() {
    CliRunner.Result r = cli.run("history", "--json");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: ").contains("--user");
  }

  @Test
  void anUnknownKindIsRejectedInput() {
    CliRunner.Result r = cli.run("history", "--user", "ada", "--kind", "painted");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("generated, edited or uploaded").doesNotContain("Exception");
  }

  @Test
  void lineageOfAnUnknownIdIsRejected() {
    assertThat(cli.run("lineage", "not-a-uuid").exitCode()).isEqualTo(3);
    assertThat(cli.run("lineage", java.util.UUID.randomUUID().toString()).exitCode()).isEqualTo(3);
  }

  @Test
  void anUnsupportedDatabaseIsAConfigurationError() {
    CliRunner.Result r =
        cli.run("history", "--user", "ada", "--database", "jdbc:mysql://db/x?password=secret");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--database").doesNotContain("secret");
  }

  @Test
  void printsVersionAndHelp() {
    assertThat(cli.run("--version").out()).startsWith("renderlab ");
    CliRunner.Result help = cli.run("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("history", "lineage");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "thumbnail",
        "bench thumbnails",
        "ingest",
        "upload",
        "predict",
        "generate",
        "edit",
        "collection",
        "history",
        "lineage",
        "thumbnails backfill",
        "serve",
        "demo"
      })
  void everyCommandOfTheContractHasHelp(String command) {
    List<String> argv = new java.util.ArrayList<>(List.of(command.split(" ")));
    argv.add("--help");

    CliRunner.Result help = cli.run(argv.toArray(String[]::new));

    assertThat(help.exitCode()).as(help.err()).isZero();
    assertThat(help.out()).startsWith("Usage: renderlab " + command);
  }
}
