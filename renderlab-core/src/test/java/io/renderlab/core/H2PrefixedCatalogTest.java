package io.renderlab.core;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The catalog contract on H2 with prefixed table names ({@code rl_images}, …). */
class H2PrefixedCatalogTest extends ImageCatalogContract {
  @Override
  DataSource freshDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Override
  TableNames tableNames() {
    return TableNames.builder().prefix("rl_").build();
  }
}
