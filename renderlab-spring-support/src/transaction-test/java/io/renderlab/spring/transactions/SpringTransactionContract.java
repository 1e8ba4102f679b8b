package io.renderlab.spring.transactions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.spring.SpringJdbcConnections;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 20's hazards, with Spring's own transaction machinery on a pool of two: catalog writes join
 * the application's transaction (rolled back with it, never committing it), and take no second
 * connection.
 */
abstract class SpringTransactionContract {
  private HikariDataSource pool;
  private TransactionTemplate transactions;
  private JdbcTemplate jdbc;

  /** A new, empty database's connection settings, applied to {@code config}. */
  abstract void database(HikariConfig config);

  @BeforeEach
  void setUp() {
    HikariConfig config = new HikariConfig();
    database(config);
    config.setMaximumPoolSize(2);
    config.setConnectionTimeout(30_000);
    pool = new HikariDataSource(config);
    transactions = new TransactionTemplate(new DataSourceTransactionManager(pool));
    jdbc = new JdbcTemplate(pool);
    jdbc.execute("CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY)");
    JdbcImageCatalog.builder().dataSource(pool).build().migrate();
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  private static ImageRecord image() {
    return ImageRecord.builder()
        .userId("u")
        .kind(ImageKind.GENERATED)
        .name("generated")
        .url("https://x.test/" + UUID.randomUUID() + ".png")
        .storageKey("u/" + UUID.randomUUID() + ".png")
        .build();
  }

  private int count(String table) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void aRolledBackTransactionLeavesNeitherTheHostRowNorTheImage() throws SQLException {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(pool)).build();

    assertThatThrownBy(
            () ->
                transactions.executeWithoutResult(
                    status -> {
                      jdbc.update("INSERT INTO orders (id) VALUES ('o1')");
                      catalog.save(image());
                      throw new IllegalStateException("the host's own failure");
                    }))
        .hasMessage("the host's own failure");

    assertThat(count("orders")).isZero();
    assertThat(count("images")).isZero();
    assertThat(count("thumbnail_jobs")).isZero();
  }

  @Test
  void aCommittedTransactionKeepsBoth() throws SQLException {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(pool)).build();

    transactions.executeWithoutResult(
        status -> {
          jdbc.update("INSERT INTO orders (id) VALUES ('o1')");
          catalog.save(image());
        });

    assertThat(count("orders")).isOne();
    assertThat(count("images")).isOne();
  }

  @Test
  void behindTransactionAwareDataSourceProxyOurWriteDoesNotCommitTheHostsInsert()
      throws SQLException {
    DataSource proxy = new TransactionAwareDataSourceProxy(pool);
    // The plain DataSource route: the proxy hands over the transaction's connection.
    JdbcImageCatalog plain = JdbcImageCatalog.builder().dataSource(proxy).build();
    JdbcImageCatalog spring =
        JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(proxy)).build();
    JdbcTemplate viaProxy = new JdbcTemplate(proxy);

    for (JdbcImageCatalog catalog : List.of(plain, spring)) {
      assertThatThrownBy(
              () ->
                  transactions.executeWithoutResult(
                      status -> {
                        viaProxy.update("INSERT INTO orders (id) VALUES ('o1')");
                        catalog.save(image());
                        throw new IllegalStateException("rollback");
                      }))
          .hasMessage("rollback");

      assertThat(count("orders")).as(catalog + ": the host's insert").isZero();
      assertThat(count("images")).isZero();
    }
  }

  @Test
  void fourConcurrentTransactionsOnAPoolOfTwoEachSaveARecord() throws Exception {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().connections(SpringJdbcConnections.of(pool)).build();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        String order = "o" + i;
        done.add(
            threads.submit(
                () -> {
                  go.await();
                  transactions.executeWithoutResult(
                      status -> {
                        jdbc.update("INSERT INTO orders (id) VALUES (?)", order);
                        catalog.save(image());
                        catalog.save(image());
                      });
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS); // a failure rethrows here
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(count("orders")).isEqualTo(4);
    assertThat(count("images")).isEqualTo(8);
    assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isLessThanOrEqualTo(2);
  }
}
