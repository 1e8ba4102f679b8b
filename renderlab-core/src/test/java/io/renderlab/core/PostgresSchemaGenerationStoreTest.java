package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/** The generations contract on a real PostgreSQL with the tables in their own schema. */
class PostgresSchemaGenerationStoreTest extends GenerationStoreContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }

  @Override
  TableNames tableNames() {
    return TableNames.builder().schema("renderlab").build();
  }
}
