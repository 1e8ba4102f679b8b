package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/** Foreign tables on a real PostgreSQL. */
class PostgresTableOwnershipTest extends TableOwnershipContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }
}
