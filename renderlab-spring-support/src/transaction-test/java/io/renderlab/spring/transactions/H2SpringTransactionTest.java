package io.renderlab.spring.transactions;

import com.zaxxer.hikari.HikariConfig;
import java.util.UUID;

/** {@link SpringTransactionContract} on H2. */
class H2SpringTransactionTest extends SpringTransactionContract {
  @Override
  void database(HikariConfig config) {
    config.setJdbcUrl("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }
}
