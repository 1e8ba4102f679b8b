package io.renderlab.spring.transactions;

import com.zaxxer.hikari.HikariConfig;
import io.renderlab.core.testing.EmbeddedPostgres;

/** {@link SpringTransactionContract} on the embedded PostgreSQL. */
class PostgresSpringTransactionTest extends SpringTransactionContract {
  @Override
  void database(HikariConfig config) {
    config.setDataSource(EmbeddedPostgres.freshDatabase());
  }
}
