package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/**
 * The catalog contract on a real PostgreSQL with the tables in their own schema, prefixed ({@code
 * renderlab.rl_images}, …).
 */
class PostgresSchemaCatalogTest extends ImageCatalogContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }

  @Override
  TableNames tableNames() {
    return TableNames.builder().schema("renderlab").prefix("rl_").build();
  }
}
