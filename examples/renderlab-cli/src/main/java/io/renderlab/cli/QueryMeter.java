package io.renderlab.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Counts what the thumbnail worker asks of its database, for {@code bench backfill}: statements
 * executed, commits, and the connections open at once (now and at most). Wraps a {@link DataSource}
 * in JDBC proxies; under a pool, wrap the pool's own source to count physical connections.
 * (renderlab-thumbnails' tests count statements with a smaller proxy of their own: an example may
 * not reach into a module's internals, and a module's tests cannot use an example.) Thread-safe.
 */
final class QueryMeter {
  private final AtomicLong statements = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();

  /** Statements executed ({@code execute}, {@code executeQuery}, {@code executeUpdate}, ...). */
  long statements() {
    return statements.get();
  }

  /** Commits and rollbacks (each a round trip). */
  long commits() {
    return commits.get();
  }

  /** Connections opened so far. */
  long opened() {
    return opened.get();
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** The most connections open at once since the meter was made or {@link #resetMaxOpen}. */
  int maxOpen() {
    return maxOpen.get();
  }

  /** Starts the high-water mark of open connections again from those open now. */
  void resetMaxOpen() {
    maxOpen.set(open.get());
  }

  /** {@code source}, with every connection it gives and every statement run on one counted. */
  DataSource wrap(DataSource source) {
    Objects.requireNonNull(source, "source");
    return (DataSource)
        Proxy.newProxyInstance(
            QueryMeter.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(source, method, args);
              if (result instanceof Connection c && method.getName().equals("getConnection")) {
                opened.incrementAndGet();
                maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                return proxy(Connection.class, c, new ConnectionHandler(c));
              }
              return result;
            });
  }

  private final class ConnectionHandler implements InvocationHandler {
    private final Connection target;
    private final AtomicBoolean closed = new AtomicBoolean();

    ConnectionHandler(Connection target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("close") && !closed.getAndSet(true)) {
        open.decrementAndGet();
      } else if (name.equals("commit") || name.equals("rollback")) {
        commits.incrementAndGet();
      }
      Object result = QueryMeter.invoke(target, method, args);
      if (result instanceof Statement s && !name.equals("unwrap")) {
        Class<? extends Statement> type =
            result instanceof java.sql.CallableStatement
                ? java.sql.CallableStatement.class
                : result instanceof java.sql.PreparedStatement
                    ? java.sql.PreparedStatement.class
                    : Statement.class;
        return proxy(type, s, new StatementHandler(s));
      }
      return result;
    }
  }

  private final class StatementHandler implements InvocationHandler {
    private final Statement target;

    StatementHandler(Statement target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getName().startsWith("execute")) {
        statements.incrementAndGet();
      }
      return QueryMeter.invoke(target, method, args);
    }
  }

  private static <T> T proxy(Class<T> type, Object target, InvocationHandler handler) {
    return type.cast(
        Proxy.newProxyInstance(QueryMeter.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public String toString() {
    return "QueryMeter{statements="
        + statements
        + ", commits="
        + commits
        + ", opened="
        + opened
        + ", open="
        + open
        + ", maxOpen="
        + maxOpen
        + '}';
  }
}
