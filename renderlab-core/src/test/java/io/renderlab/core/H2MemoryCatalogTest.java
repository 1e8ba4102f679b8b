package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The catalog contract on an in-memory H2 database. */
class H2MemoryCatalogTest extends ImageCatalogContract {
  @Override
  DataSource freshDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Test
  void anUnmigratedDatabaseSaysToRunMigrate() {
    JdbcImageCatalog bare = JdbcImageCatalog.builder().dataSource(freshDatabase()).build();

    assertThatThrownBy(() -> bare.find(UUID.randomUUID()))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("migrate()");
  }
}
