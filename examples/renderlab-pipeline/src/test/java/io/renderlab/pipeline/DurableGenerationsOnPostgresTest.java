package io.renderlab.pipeline;

import io.renderlab.core.testing.EmbeddedPostgres;
import javax.sql.DataSource;

/**
 * The same on one real PostgreSQL shared by the instances ({@code FOR UPDATE SKIP LOCKED} leasing).
 */
class DurableGenerationsOnPostgresTest extends DurableGenerationsTest {
  @Override
  DataSource newDatabase() {
    return EmbeddedPostgres.freshDatabase();
  }
}
