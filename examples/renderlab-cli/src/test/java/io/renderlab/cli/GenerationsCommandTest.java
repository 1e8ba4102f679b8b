package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.Generation;
import io.renderlab.core.GenerationKind;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.pipeline.StatefulReplicate;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generations} lists a user's generations; {@code generations resume} finishes the ones a
 * stopped process left.
 */
class GenerationsCommandTest {
  @TempDir Path home;
  StatefulReplicate fake;
  CliRunner cli;

  @BeforeEach
  void start() throws IOException {
    fake = new StatefulReplicate(PipelineCommandsTest.PNG, true);
    cli = new CliRunner(home);
    cli.env.put("REPLICATE_API_TOKEN", "r8_CliTestTokenNeverPrinted");
    cli.env.put("REPLICATE_BASE_URL", fake.baseUrl());
    cli.env.put("RENDERLAB_ALLOW_HOSTS", "127.0.0.1");
  }

  @AfterEach
  void stop() throws IOException {
    fake.close();
  }

  @Test
  void generationsListsTheUsersGenerationsNewestFirstWithStatusErrorAndImages() throws Exception {
    assertThat(cli.run("generate", "--user", "ada", "--prompt", "a lighthouse").exitCode())
        .isZero();
    assertThat(cli.run("generate", "--user", "ada", "--prompt", "please fail").exitCode())
        .isEqualTo(ExitCodes.UPSTREAM);
    assertThat(cli.run("generate", "--user", "bob", "--prompt", "a tower").exitCode()).isZero();

    CliRunner.Result r = cli.run("generations", "--user", "ada", "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode list = Json.MAPPER.readTree(r.out()).path("generations");
    assertThat(list).hasSize(2);
    assertThat(list.get(0).path("status").asText()).isEqualTo("failed");
    assertThat(list.get(0).path("error").asText()).contains("NSFW");
    assertThat(list.get(0).path("images")).isEmpty();
    assertThat(list.get(1).path("status").asText()).isEqualTo("succeeded");
    assertThat(list.get(1).path("predictionId").asText()).isNotBlank();
    assertThat(list.get(1).path("images")).hasSize(1);
    assertThat(list.get(1).path("images").get(0).path("prompt").asText()).isEqualTo("a lighthouse");

    JsonNode failed =
        Json.MAPPER.readTree(
            cli.run("generations", "--user", "ada", "--status", "FAILED", "--json").out());
    assertThat(failed.path("generations")).hasSize(1);
    assertThat(cli.run("generations", "--user", "ada").out())
        .contains("succeeded")
        .contains("a lighthouse");
  }

  @Test
  void badArgumentsAreRejectedWithOneLine() {
    CliRunner.Result noUser = cli.run("generations");
    CliRunner.Result badStatus = cli.run("generations", "--user", "ada", "--status", "done");

    assertThat(noUser.exitCode()).isEqualTo(ExitCodes.REJECTED);
    assertThat(noUser.err()).contains("--user is required");
    assertThat(badStatus.exitCode()).isEqualTo(ExitCodes.REJECTED);
    assertThat(badStatus.err()).contains("pending, running").doesNotContain("Exception");
  }

  @Test
  void resumeFinishesAGenerationLeftByAStoppedProcessWithoutCreatingItAgain() throws Exception {
    var input = Json.MAPPER.createObjectNode().put("prompt", "a harbour");
    String predictionId = fake.startedElsewhere(input);
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + home.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(ds).build();
    catalog.migrate();
    Generation left =
        catalog
            .generations()
            .create(
                Generation.builder()
                    .userId("ada")
                    .kind(GenerationKind.GENERATE)
                    .model("google/nano-banana")
                    .prompt("a harbour")
                    .inputJson(input.toString())
                    .deadline(Instant.now().plus(Duration.ofMinutes(10)))
                    .build(),
                "a-stopped-process",
                Duration.ofMillis(1));
    catalog.generations().started(left.id(), predictionId);
    try (var c = ds.getConnection();
        var s = c.createStatement()) {
      s.execute("SHUTDOWN"); // as the stopped process would have left the file
    }

    CliRunner.Result r = cli.run("generations", "resume", "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode pass = Json.MAPPER.readTree(r.out());
    assertThat(pass.path("resumed").asInt()).isEqualTo(1);
    assertThat(pass.path("succeeded").asInt()).isEqualTo(1);
    assertThat(pass.path("failed").asInt()).isZero();
    JsonNode history = Json.MAPPER.readTree(cli.run("history", "--user", "ada", "--json").out());
    assertThat(history.path("images")).hasSize(1);
    assertThat(history.path("images").get(0).path("predictionId").asText()).isEqualTo(predictionId);
    assertThat(fake.creates.get()).as("only the stopped process's create").isEqualTo(1);
    JsonNode again = Json.MAPPER.readTree(cli.run("generations", "resume", "--json").out());
    assertThat(again.path("resumed").asInt()).isZero();
  }
}
