package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/** The generations table on a real PostgreSQL ({@code FOR UPDATE SKIP LOCKED} leasing). */
class PostgresGenerationStoreTest extends GenerationStoreContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }
}
