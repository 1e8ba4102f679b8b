package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.internal.Migrations;
import io.renderlab.core.testing.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * The SQL scripts as a host's migration tool applies them: read from {@link
 * JdbcImageCatalog#MIGRATION_SCRIPTS}, placeholders replaced the way Flyway replaces them, run with
 * plain JDBC; then the catalog works on the tables with the matching {@link TableNames}.
 */
class ShippedScriptsTest {
  /** The scripts, in the order their version numbers give. */
  static final List<String> SCRIPTS =
      List.of(
          "V1__images.sql",
          "V2__generations.sql",
          "V3__generation_recording.sql",
          "V4__one_lease.sql",
          "V5__composited_edits.sql");

  @Test
  void theScriptsAppliedByAToolMakeAWorkingPrefixedCatalogOnH2() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    execute(h2, "CREATE TABLE images (id BIGINT PRIMARY KEY)"); // the host's own

    usable(h2, TableNames.builder().prefix("rl_").build());
  }

  @Test
  void theScriptsAppliedByAToolMakeAWorkingCatalogInASchemaOnPostgres() throws Exception {
    DataSource pg = EmbeddedPostgres.freshDatabase();
    execute(pg, "CREATE SCHEMA renderlab");

    usable(pg, TableNames.builder().schema("renderlab").prefix("rl_").build());
  }

  @Test
  void theScriptsWithEmptyPlaceholdersAreWhatMigrateApplies() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

    usable(h2, TableNames.defaults());
  }

  private static void usable(DataSource database, TableNames names) throws Exception {
    assertThat(SCRIPTS).isEqualTo(Migrations.SCRIPTS);
    for (String script : SCRIPTS) {
      String sql = substitute(read(script), names.placeholders());
      assertThat(sql).as(script).doesNotContain("${");
      for (String statement : statements(sql)) {
        execute(database, statement);
      }
    }

    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(database).tableNames(names).build();
    ImageRecord saved =
        catalog.save(
            ImageRecord.builder()
                .userId("ada")
                .kind(ImageKind.UPLOADED)
                .name("photo.png")
                .url("https://cdn.example.com/photo.png")
                .storageKey("ada/photo.png")
                .build());
    assertThat(catalog.find(saved.id())).contains(saved);
    assertThat(catalog.thumbnailJobs().lease("w", 10, Duration.ofSeconds(30))).hasSize(1);
    Generation g =
        catalog
            .generations()
            .create(
                Generation.builder()
                    .userId("ada")
                    .kind(GenerationKind.GENERATE)
                    .model("google/nano-banana")
                    .prompt("a fox")
                    .inputJson("{}")
                    .deadline(java.time.Instant.now().plus(Duration.ofMinutes(10)))
                    .createdAt(java.time.Instant.now())
                    .build(),
                "w",
                Duration.ofMinutes(1));
    assertThat(catalog.generations().find(g.id())).isPresent();
    // The tool owns these tables: migrate() is not for them, and says so.
    assertThat(catalog.schemaVersion()).isZero();
    assertThatThrownBy(catalog::migrate)
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("Flyway or Liquibase");
  }

  private static String read(String script) throws IOException {
    String location = JdbcImageCatalog.MIGRATION_SCRIPTS.substring("classpath:".length());
    try (InputStream in =
        Thread.currentThread()
            .getContextClassLoader()
            .getResourceAsStream(location + "/" + script)) {
      assertThat(in).as(location + "/" + script).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** What Flyway does with {@code placeholders(map)}: {@code ${key}} becomes the value. */
  private static String substitute(String sql, Map<String, String> placeholders) {
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      sql = sql.replace("${" + p.getKey() + "}", p.getValue());
    }
    return sql;
  }

  /** Statements end with {@code ;}; {@code --} lines are comments. */
  private static List<String> statements(String sql) {
    StringBuilder body = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (!line.strip().startsWith("--")) {
        body.append(line).append('\n');
      }
    }
    List<String> out = new ArrayList<>();
    for (String statement : body.toString().split(";")) {
      if (!statement.isBlank()) {
        out.add(statement.strip());
      }
    }
    return out;
  }

  private static void execute(DataSource database, String sql) throws SQLException {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
