package io.renderlab.core;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/** Joining the application's transaction on a real PostgreSQL server. */
class PostgresHostTransactionTest extends HostTransactionContract {
  @Override
  DataSource freshDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }
}
