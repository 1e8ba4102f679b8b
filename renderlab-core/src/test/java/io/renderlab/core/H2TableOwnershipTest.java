package io.renderlab.core;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Foreign tables on H2. */
class H2TableOwnershipTest extends TableOwnershipContract {
  @Override
  DataSource freshDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }
}
