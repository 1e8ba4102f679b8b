package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --table-prefix} and {@code --table-schema} (docs/CLI.md, "Settings"). */
class TableNamesOptionTest {
  @TempDir Path home;

  private void hostTable() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + home.resolve("catalog"));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE images (id BIGINT PRIMARY KEY, title VARCHAR(100))");
      s.execute("INSERT INTO images VALUES (1, 'the host''s')");
    }
  }

  @Test
  void aDatabaseWithItsOwnImagesTableExitsTwoNamingItUntilGivenAPrefix() throws Exception {
    hostTable();
    CliRunner cli = new CliRunner(home);

    CliRunner.Result refused = cli.run("history", "--user", "ada", "--json");
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err()).contains("PUBLIC.IMAGES already exists").contains("prefix");

    CliRunner.Result prefixed =
        cli.run("history", "--user", "ada", "--json", "--table-prefix", "rl_");
    assertThat(prefixed.exitCode()).isZero();
    assertThat(prefixed.out().strip()).isEqualTo("{\"images\":[]}");

    cli.env.put("RENDERLAB_TABLE_SCHEMA", "renderlab");
    assertThat(cli.run("history", "--user", "ada", "--json").exitCode()).isZero();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + home.resolve("catalog") + ";DB_CLOSE_DELAY=-1;WRITE_DELAY=0");
        ResultSet rs = c.getMetaData().getTables(null, "RENDERLAB", "IMAGES", null)) {
      assertThat(rs.next()).as("renderlab.images").isTrue();
    }
  }

  @Test
  void aPrefixThatIsNotAnIdentifierExitsTwoNamingTheFlag() {
    CliRunner.Result r =
        new CliRunner(home).run("history", "--user", "ada", "--table-prefix", "rl; DROP TABLE x");

    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--table-prefix or --table-schema is not usable");
  }
}
