package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.testing.EmbeddedPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL migration lock never outlives a transaction, which is what a transaction-mode
 * pooler (pgbouncer {@code pool_mode = transaction}) needs: it hands the server connection to
 * another client at every transaction end, so a lock still held then stays on that pooled server
 * connection (a session lock taken by {@code pg_try_advisory_lock} did: the unlock could reach
 * another server connection, and every later migration waited two minutes and failed).
 *
 * <p>Checked at every transaction boundary of the migrating connections (commit, rollback,
 * auto-commit back on, a statement run in auto-commit mode, the connection handed back): from
 * another connection, nobody holds the lock at that moment.
 */
class PostgresMigrationLockTest {
  /** {@code MigrationLock.KEY}, "RENDLAB1" in ASCII. */
  private static final long KEY = 0x5245_4e44_4c41_4231L;

  /**
   * One database for the class, each test in tables of its own (names, prefix or schema): every
   * database the suite creates is deleted with the server's folder when the test JVM exits.
   */
  private static DataSource db;

  @BeforeAll
  static void database() {
    db = EmbeddedPostgres.freshDatabase();
  }

  @Test
  void migrationLockIsReleasedAtEveryTransactionEndAndNoneRemains() throws Exception {
    Boundaries boundaries = new Boundaries(db, null);
    JdbcImageCatalog catalog = JdbcImageCatalog.builder().dataSource(boundaries.dataSource).build();

    assertThat(catalog.migrate()).containsExactly(1, 2, 3, 4, 5);
    assertThat(catalog.migrate()).isEmpty(); // up to date: takes and releases the lock again

    assertThat(boundaries.checked.get()).as("transaction boundaries checked").isPositive();
    assertThat(boundaries.lockHeldAt).as("boundaries where the lock was still held").isEmpty();
    assertThat(advisoryLocks(db)).as("advisory locks left after migrate").isZero();
  }

  @Test
  void prefixedAndSchemaCatalogsMigrateWithTheLockReleasedAtEveryTransactionEnd() throws Exception {
    Boundaries boundaries = new Boundaries(db, null);
    for (TableNames names :
        List.of(
            TableNames.builder().prefix("rl_").build(),
            TableNames.builder().schema("renderlab").build())) {
      JdbcImageCatalog catalog =
          JdbcImageCatalog.builder().dataSource(boundaries.dataSource).tableNames(names).build();
      assertThat(catalog.migrate()).containsExactly(1, 2, 3, 4, 5);
    }
    assertThat(boundaries.lockHeldAt).isEmpty();
    assertThat(advisoryLocks(db)).isZero();
  }

  @Test
  void aVersionThatFailsLeavesNoVersionAppliedAndNoLockHeld() throws Exception {
    // Version 5's first statement fails, after versions 1 to 4 ran in the same transaction.
    Boundaries failing = new Boundaries(db, "ADD COLUMN composite_mask");
    TableNames names = TableNames.builder().schema("failing").build();
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder().dataSource(failing.dataSource).tableNames(names).build();

    assertThatThrownBy(catalog::migrate)
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("apply schema version 5");

    assertThat(failing.lockHeldAt).isEmpty();
    assertThat(advisoryLocks(db)).isZero();
    JdbcImageCatalog plain = JdbcImageCatalog.builder().dataSource(db).tableNames(names).build();
    assertThat(plain.schemaVersion()).as("nothing committed").isZero();
    assertThat(tableCount(db, "failing")).as("tables left behind").isZero();
    assertThat(plain.migrate()).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void aForeignTableIsRefusedWithNoLockLeftHeld() throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA host");
      s.execute("CREATE TABLE host.images (id BIGINT PRIMARY KEY)");
    }
    Boundaries boundaries = new Boundaries(db, null);
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder()
            .dataSource(boundaries.dataSource)
            .tableNames(TableNames.builder().schema("host").build())
            .build();

    assertThatThrownBy(catalog::migrate).isInstanceOf(ConfigurationException.class);

    assertThat(boundaries.lockHeldAt).isEmpty();
    assertThat(advisoryLocks(db)).isZero();
  }

  private static int advisoryLocks(DataSource db) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static int tableCount(DataSource db, String schema) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT COUNT(*) FROM pg_tables WHERE schemaname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * A {@code DataSource} whose connections report each transaction boundary; at each, an observer
   * connection looks for the migration lock in {@code pg_locks}. Optionally fails the first
   * statement containing {@code failOn}.
   */
  private static final class Boundaries {
    final AtomicInteger checked = new AtomicInteger();
    final List<String> lockHeldAt = Collections.synchronizedList(new ArrayList<>());
    final DataSource dataSource;
    private final DataSource target;
    private final String failOn;

    Boundaries(DataSource target, String failOn) {
      this.target = target;
      this.failOn = failOn;
      this.dataSource =
          (DataSource)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {DataSource.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                      return connection(target.getConnection());
                    }
                    return invoke(method, target, args);
                  });
    }

    private Connection connection(Connection real) {
      return (Connection)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                String name = method.getName();
                boolean wasInTransaction = !real.getAutoCommit();
                Object result = invoke(method, real, args);
                if (name.equals("createStatement") || name.equals("prepareStatement")) {
                  String sql = name.equals("prepareStatement") ? (String) args[0] : null;
                  return statement(real, (Statement) result, sql);
                }
                if ((name.equals("commit") || name.equals("rollback")) && args == null) {
                  check(name);
                } else if (name.equals("setAutoCommit") && wasInTransaction && (boolean) args[0]) {
                  check("setAutoCommit(true)");
                } else if (name.equals("close")) {
                  check("close");
                }
                return result;
              });
    }

    private Statement statement(Connection real, Statement statement, String preparedSql) {
      Class<?> type =
          statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
      return (Statement)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {type},
              (proxy, method, args) -> {
                boolean execute = method.getName().startsWith("execute");
                String sql =
                    preparedSql != null
                        ? preparedSql
                        : args != null && args.length > 0 && args[0] instanceof String s ? s : "";
                if (execute && failOn != null && sql.contains(failOn)) {
                  throw new SQLException("injected failure", "XX000");
                }
                Object result = invoke(method, statement, args);
                if (execute && real.getAutoCommit()) {
                  check("auto-commit statement " + sql);
                }
                return result;
              });
    }

    private void check(String boundary) throws SQLException {
      checked.incrementAndGet();
      try (Connection observer = target.getConnection();
          PreparedStatement ps =
              observer.prepareStatement(
                  "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
                      + " AND ((classid::bigint << 32) | objid::bigint) = ?")) {
        ps.setLong(1, KEY);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) > 0) {
            lockHeldAt.add(boundary);
          }
        }
      }
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args)
        throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
