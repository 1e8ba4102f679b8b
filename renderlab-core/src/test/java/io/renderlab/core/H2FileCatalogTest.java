package io.renderlab.core;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.io.TempDir;

/** The catalog contract on an H2 database in a file, as the CLI's embedded default uses it. */
class H2FileCatalogTest extends ImageCatalogContract {
  @TempDir Path folder;

  @Override
  DataSource freshDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    // DB_CLOSE_DELAY=-1 keeps the database open between connections, as the CLI does.
    ds.setURL("jdbc:h2:file:" + folder.resolve("catalog").toAbsolutePath() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }
}
