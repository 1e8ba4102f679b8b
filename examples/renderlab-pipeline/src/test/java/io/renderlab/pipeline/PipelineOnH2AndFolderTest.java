package io.renderlab.pipeline;

import io.renderlab.core.ImageStore;
import io.renderlab.storage.FolderImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The pipeline on the embedded defaults: an H2 file database and a folder store. */
class PipelineOnH2AndFolderTest extends PipelineContract {
  Path root;

  @Override
  DataSource database() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(
        "jdbc:h2:file:" + temp.resolve("catalog-" + UUID.randomUUID()) + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Override
  ImageStore newStore(Path temp) {
    root = temp.resolve("objects");
    return FolderImageStore.of(root);
  }

  @Override
  long objectCount() {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.toString().contains("/thumbs/"))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
