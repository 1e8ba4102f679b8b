package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host database that already has tables of its own: {@code migrate()} refuses a foreign table
 * with one of the catalog's names and names it; a prefix or a schema puts the catalog beside it.
 */
abstract class TableOwnershipContract {
  DataSource database;

  abstract DataSource freshDatabase();

  @BeforeEach
  void setUp() throws SQLException {
    database = freshDatabase();
    execute("CREATE TABLE images (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(100) NOT NULL)");
    execute("INSERT INTO images (id, title) VALUES (1, 'the host''s own')");
  }

  private JdbcImageCatalog catalog(TableNames names) {
    return JdbcImageCatalog.builder().dataSource(database).tableNames(names).build();
  }

  private static ImageRecord record(String user) {
    return ImageRecord.builder()
        .userId(user)
        .kind(ImageKind.UPLOADED)
        .name("photo.png")
        .url("https://cdn.example.com/" + UUID.randomUUID() + ".png")
        .storageKey(user + "/photo.png")
        .build();
  }

  @Test
  void refusesAHostsOwnImagesTableNamingItAndChangesNothing() throws SQLException {
    JdbcImageCatalog catalog = catalog(TableNames.defaults());

    assertThatThrownBy(catalog::migrate)
        .isInstanceOf(ConfigurationException.class)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .containsIgnoringCase("the table public.images already exists")
                    .contains("TableNames.builder().prefix(")
                    .contains("renderlab.catalog.table-prefix"));
    assertThat(catalog.schemaVersion()).isZero();
    assertThat(tableExists("thumbnail_jobs")).isFalse();
    assertThat(tableExists("renderlab_schema_history")).isFalse();
    assertThat(hostRows()).isEqualTo(1);
  }

  @Test
  void refusesAHostsOwnGenerationsTableToo() throws SQLException {
    execute("CREATE TABLE generations (id BIGINT NOT NULL PRIMARY KEY)");

    assertThat(catalog(TableNames.builder().prefix("rl_").build()).migrate())
        .hasSize(5); // rl_generations is free
    assertThat(catalog(TableNames.builder().schema("renderlab").build()).migrate()).hasSize(5);
    execute("DROP TABLE images");
    assertThatThrownBy(() -> catalog(TableNames.defaults()).migrate())
        .isInstanceOf(ConfigurationException.class)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .containsIgnoringCase("the table public.generations already exists"));
  }

  @Test
  void aPrefixPutsTheCatalogBesideTheHostsTable() throws SQLException {
    JdbcImageCatalog catalog = catalog(TableNames.builder().prefix("rl_").build());

    assertThat(catalog.migrate()).containsExactly(1, 2, 3, 4, 5);
    ImageRecord saved = catalog.save(record("ada"));

    assertThat(catalog.find(saved.id())).contains(saved);
    assertThat(catalog.thumbnailJobs().pending()).isEqualTo(1);
    assertThat(tableExists("rl_images")).isTrue();
    assertThat(hostRows()).isEqualTo(1);
    assertThat(catalog.migrate()).isEmpty();
    assertThat(catalog.schemaVersion()).isEqualTo(5);
  }

  @Test
  void aSchemaPutsTheCatalogBesideTheHostsTable() throws SQLException {
    JdbcImageCatalog catalog = catalog(TableNames.builder().schema("renderlab").build());

    assertThat(catalog.migrate()).containsExactly(1, 2, 3, 4, 5);
    ImageRecord saved = catalog.save(record("ada"));

    assertThat(catalog.find(saved.id())).contains(saved);
    assertThat(catalog.history(HistoryQuery.of("ada")).images()).containsExactly(saved);
    assertThat(hostRows()).isEqualTo(1);
    assertThat(catalog(TableNames.builder().schema("RenderLab").build()).migrate()).isEmpty();
  }

  @Test
  void twoPrefixesInOneDatabaseAreTwoCatalogs() {
    JdbcImageCatalog a = catalog(TableNames.builder().prefix("a_").build());
    JdbcImageCatalog b = catalog(TableNames.builder().prefix("b_").build());
    assertThat(a.migrate()).containsExactly(1, 2, 3, 4, 5);
    assertThat(b.migrate()).containsExactly(1, 2, 3, 4, 5);

    ImageRecord inA = a.save(record("ada"));

    assertThat(a.find(inA.id())).isPresent();
    assertThat(b.find(inA.id())).isEmpty();
    assertThat(b.thumbnailJobs().pending()).isZero();
  }

  void execute(String sql) throws SQLException {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private int hostRows() throws SQLException {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT COUNT(*) FROM images WHERE title = 'the host''s own'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private boolean tableExists(String name) throws SQLException {
    try (Connection c = database.getConnection()) {
      for (String n : new String[] {name, name.toUpperCase(java.util.Locale.ROOT)}) {
        try (ResultSet rs = c.getMetaData().getTables(null, null, n, null)) {
          if (rs.next()) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
