package io.renderlab.core;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The generations contract on H2 with the tables in their own schema, prefixed. */
class H2SchemaGenerationStoreTest extends GenerationStoreContract {
  @Override
  DataSource freshDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Override
  TableNames tableNames() {
    return TableNames.builder().schema("renderlab").prefix("rl_").build();
  }
}
