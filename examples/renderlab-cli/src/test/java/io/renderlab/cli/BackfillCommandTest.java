package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code thumbnails backfill}: batches through the queue, output {@code {"rendered","failed"}}. */
class BackfillCommandTest {
  @TempDir Path home;

  JsonNode json(CliRunner.Result r) throws Exception {
    return Json.MAPPER.readTree(r.out());
  }

  void sql(String... statements) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + home.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.executeUpdate(statement);
      }
    }
  }

  int count(String query) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + home.resolve("catalog") + ";DB_CLOSE_DELAY=-1");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void rendersMissingAndFailedThumbnailsOnceAndHonoursTheLimit() throws Exception {
    CliRunner cli = new CliRunner(home);
    Path photo = home.resolve("photo.png");
    Files.write(photo, PipelineCommandsTest.PNG);
    for (int i = 0; i < 5; i++) {
      CliRunner.Result up = cli.run("upload", photo.toString(), "--user", "bob", "--json");
      assertThat(up.exitCode()).as(up.err()).isZero();
    }
    // As if saved before thumbnails existed (no job), and one whose job failed for good.
    sql(
        "UPDATE images SET thumb_url = NULL",
        "DELETE FROM thumbnail_jobs WHERE image_id IN (SELECT id FROM images ORDER BY id LIMIT 4)",
        "UPDATE thumbnail_jobs SET state = 'FAILED', last_error = 'boom'");

    CliRunner.Result some = cli.run("thumbnails", "backfill", "--limit", "2", "--json");
    assertThat(some.exitCode()).as(some.err()).isZero();
    assertThat(json(some).get("rendered").asInt()).isEqualTo(2);
    assertThat(json(some).get("failed").asInt()).isZero();
    assertThat(count("SELECT COUNT(*) FROM images WHERE thumb_url IS NULL")).isEqualTo(3);

    CliRunner.Result rest = cli.run("thumbnails", "backfill", "--json");
    assertThat(rest.exitCode()).as(rest.err()).isZero();
    assertThat(json(rest).get("rendered").asInt()).isEqualTo(3);
    assertThat(count("SELECT COUNT(*) FROM images WHERE thumb_url IS NULL")).isZero();
    assertThat(count("SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'DONE'")).isEqualTo(5);

    CliRunner.Result none = cli.run("thumbnails", "backfill", "--json");
    assertThat(json(none).get("rendered").asInt()).isZero();
    assertThat(json(none).get("failed").asInt()).isZero();
  }

  void uploadFive(CliRunner cli) throws Exception {
    Path photo = home.resolve("photo.png");
    Files.write(photo, PipelineCommandsTest.PNG);
    for (int i = 0; i < 5; i++) {
      CliRunner.Result up = cli.run("upload", photo.toString(), "--user", "bob", "--json");
      assertThat(up.exitCode()).as(up.err()).isZero();
    }
  }

  @Test
  void aRestartWaitsForWhatTheStoppedRunHadQueuedAndEnqueuesNothingTwice() throws Exception {
    CliRunner cli = new CliRunner(home);
    uploadFive(cli);
    // A stopped backfill: two jobs it had enqueued are still pending (one leased by its dead
    // worker, lapsed), three images were never reached.
    sql(
        "UPDATE images SET thumb_url = NULL",
        "DELETE FROM thumbnail_jobs WHERE image_id IN (SELECT id FROM images ORDER BY id LIMIT 3)",
        "UPDATE thumbnail_jobs SET state = 'PENDING', attempts = 1, lease_owner = 'dead',"
            + " lease_until = TIMESTAMP WITH TIME ZONE '2020-01-01 00:00:00+00',"
            + " run_after = TIMESTAMP WITH TIME ZONE '2020-01-01 00:00:00+00'");

    CliRunner.Result rest =
        cli.run("thumbnails", "backfill", "--lookahead", "1", "--threads", "1", "--json");
    assertThat(rest.exitCode()).as(rest.err()).isZero();
    JsonNode out = json(rest);
    assertThat(out.get("resumed").asInt()).isEqualTo(2);
    assertThat(out.get("enqueued").asInt()).isEqualTo(3);
    assertThat(out.get("rendered").asInt()).isEqualTo(5);
    assertThat(out.get("failed").asInt()).isZero();
    assertThat(count("SELECT COUNT(*) FROM images WHERE thumb_url IS NULL")).isZero();
    assertThat(count("SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'DONE'")).isEqualTo(5);
  }

  @Test
  void untilEmptyKeepsRenderingWhatOthersQueuedAfterItsOwnImages() throws Exception {
    CliRunner cli = new CliRunner(home);
    uploadFive(cli);
    // Five jobs queued by someone else; this backfill may wait for one only.
    sql(
        "UPDATE images SET thumb_url = NULL",
        "UPDATE thumbnail_jobs SET state = 'PENDING',"
            + " run_after = TIMESTAMP WITH TIME ZONE '2020-01-01 00:00:00+00'");

    CliRunner.Result run =
        cli.run("thumbnails", "backfill", "--limit", "1", "--until-empty", "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(json(run).get("rendered").asInt()).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM images WHERE thumb_url IS NULL")).isZero();
    assertThat(count("SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'PENDING'")).isZero();
  }

  @Test
  void aMalformedRowFailsAloneAndTheBackfillGoesOn() throws Exception {
    CliRunner cli = new CliRunner(home);
    uploadFive(cli);
    sql(
        "UPDATE images SET thumb_url = NULL",
        "DELETE FROM thumbnail_jobs",
        "UPDATE images SET kind = 'SCULPTURE' WHERE id = (SELECT MIN(id) FROM images)");

    CliRunner.Result run = cli.run("thumbnails", "backfill", "--json");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(4); // one job failed: not an outage (3)
    assertThat(json(run).get("rendered").asInt()).isEqualTo(4);
    assertThat(json(run).get("failed").asInt()).isEqualTo(1);
    assertThat(run.err()).doesNotContain("outage");
    assertThat(count("SELECT COUNT(*) FROM images WHERE thumb_url IS NULL")).isEqualTo(1);
    assertThat(
            count(
                "SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'FAILED'"
                    + " AND last_error LIKE 'MalformedRow%SCULPTURE%'"))
        .isEqualTo(1);
  }

  @Test
  void aLookaheadOrThreadCountOutsideItsRangeIsRejected() {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result zero = cli.run("thumbnails", "backfill", "--lookahead", "0");
    assertThat(zero.exitCode()).isEqualTo(3);
    assertThat(zero.err()).contains("--lookahead must be between 1 and 100000");
    assertThat(cli.run("thumbnails", "backfill", "--threads", "-1").exitCode()).isEqualTo(3);
    assertThat(cli.run("thumbnails", "backfill", "--lookahead", "100000", "--json").exitCode())
        .isZero();
  }

  @Test
  void aLimitOutsideItsRangeIsRejected() {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result zero = cli.run("thumbnails", "backfill", "--limit", "0");
    assertThat(zero.exitCode()).isEqualTo(3); // input rejected, as for every other --limit
    assertThat(zero.err()).contains("--limit must be between 1 and 10000000");
    assertThat(cli.run("thumbnails", "backfill", "--limit", "10000001").exitCode()).isEqualTo(3);
    assertThat(cli.run("thumbnails", "backfill", "--limit", "10000000", "--json").exitCode())
        .isZero();
  }
}
