package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Catalog writes inside a transaction the application holds ({@link JdbcConnections}): they join
 * it, never end it, and take no second connection.
 */
abstract class HostTransactionContract {
  private DataSource database;
  private JdbcImageCatalog catalog;

  /** The application's connection bound to the calling thread, as a transaction manager does. */
  private final ThreadLocal<Connection> bound = new ThreadLocal<>();

  /** What RenderLab called on the application's connection. */
  private final List<String> callsOnHostConnection = new CopyOnWriteArrayList<>();

  private int acquiredWithoutHostConnection;

  abstract DataSource freshDatabase();

  @BeforeEach
  void setUp() throws SQLException {
    database = freshDatabase();
    JdbcImageCatalog.builder().dataSource(database).build().migrate();
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
    }
    catalog =
        JdbcImageCatalog.builder()
            .connections(
                new JdbcConnections() {
                  @Override
                  public Connection acquire() throws SQLException {
                    Connection host = bound.get();
                    if (host != null) {
                      return recording(host);
                    }
                    acquiredWithoutHostConnection++;
                    return database.getConnection();
                  }

                  @Override
                  public void release(Connection connection) throws SQLException {
                    if (bound.get() == null) {
                      connection.close();
                    }
                  }
                })
            .build();
    acquiredWithoutHostConnection = 0;
  }

  private Connection recording(Connection host) {
    return (Connection)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              callsOnHostConnection.add(
                  method.getParameterCount() == 0
                      ? method.getName()
                      : method.getName()
                          + "("
                          + method.getParameterTypes()[0].getSimpleName()
                          + ")");
              try {
                return method.invoke(host, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private Connection beginHostTransaction() throws SQLException {
    Connection c = database.getConnection();
    c.setAutoCommit(false);
    bound.set(c);
    return c;
  }

  private void endHostTransaction(Connection c, boolean commit) throws SQLException {
    try {
      if (commit) {
        c.commit();
      } else {
        c.rollback();
      }
    } finally {
      bound.remove();
      c.close();
    }
  }

  private static void insertOrder(Connection c, int id) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO orders (id) VALUES (" + id + ")");
    }
  }

  private int orders() throws SQLException {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM orders")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void hostRollbackUndoesTheHostRowAndTheCatalogSave() throws SQLException {
    Connection host = beginHostTransaction();
    insertOrder(host, 1);
    ImageRecord saved =
        catalog.save(ImageCatalogContract.image("u", "https://x.test/1.png").build());
    endHostTransaction(host, false);

    assertThat(orders()).isZero();
    assertThat(catalog.find(saved.id())).isEmpty();
    assertThat(catalog.thumbnailJobs().status(saved.id())).isEmpty();
  }

  @Test
  void hostCommitKeepsBothAndTheCatalogNeverEndsOrReconfiguresTheHostTransaction()
      throws SQLException {
    Connection host = beginHostTransaction();
    insertOrder(host, 1);
    ImageRecord saved =
        catalog.save(ImageCatalogContract.image("u", "https://x.test/1.png").build());
    assertThat(orders()).as("nothing committed before the host commits").isZero();
    int secondConnections = acquiredWithoutHostConnection;
    endHostTransaction(host, true);

    assertThat(orders()).isOne();
    assertThat(catalog.find(saved.id())).isPresent();
    assertThat(callsOnHostConnection)
        .contains("prepareStatement(String)")
        .doesNotContain("commit", "rollback", "setAutoCommit(boolean)", "close");
    assertThat(secondConnections).as("no second connection").isZero();
  }

  @Test
  void aFailedCatalogWriteLeavesTheHostTransactionUsable() throws SQLException {
    ImageRecord first =
        catalog.save(ImageCatalogContract.image("u", "https://x.test/1.png").build());
    Connection host = beginHostTransaction();
    insertOrder(host, 1);

    assertThatThrownBy(() -> catalog.save(first))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("already exists");
    insertOrder(host, 2); // PostgreSQL would refuse this in an aborted transaction
    endHostTransaction(host, true);

    assertThat(orders()).isEqualTo(2);
    assertThat(callsOnHostConnection)
        .contains("rollback(Savepoint)") // undoes only the catalog's failed insert
        .doesNotContain("commit", "rollback", "setAutoCommit(boolean)");
  }

  @Test
  void outsideAHostTransactionTheCatalogCommitsItsOwnWork() throws SQLException {
    ImageRecord saved =
        catalog.save(ImageCatalogContract.image("u", "https://x.test/1.png").build());

    assertThat(catalog.find(saved.id())).isPresent();
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM images")) {
      rs.next();
      assertThat(rs.getInt(1)).isOne();
    }
    assertThat(callsOnHostConnection).isEmpty();
  }

  @Test
  void aPoolThatHandsOutConnectionsWithAutoCommitOffStillGetsEveryWriteCommitted()
      throws SQLException {
    // A plain pool configured with auto-commit off (HikariCP's autoCommit=false): its connections
    // are RenderLab's own, not the application's transaction, so RenderLab commits its writes.
    DataSource autoCommitOff =
        (DataSource)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  try {
                    Object result = method.invoke(database, args);
                    if (result instanceof Connection) {
                      ((Connection) result).setAutoCommit(false);
                    }
                    return result;
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    JdbcImageCatalog pooled = JdbcImageCatalog.builder().dataSource(autoCommitOff).build();
    ImageRecord saved =
        pooled.save(ImageCatalogContract.image("u", "https://x.test/1.png").build());

    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM images WHERE user_id = 'u'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("the save was committed").isOne();
    }
    assertThat(catalog.thumbnailJobs().status(saved.id())).isPresent();
  }
}
