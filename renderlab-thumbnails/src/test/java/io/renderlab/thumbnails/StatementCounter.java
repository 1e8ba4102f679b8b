package io.renderlab.thumbnails;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Counts the statements run through a {@link DataSource} (each {@code execute*} call), with JDBC
 * proxies: how the query budget of a thumbnail is held in a test. The CLI's {@code bench backfill}
 * counts the same way (its own {@code QueryMeter}, which an example must keep to itself).
 */
final class StatementCounter {
  private final AtomicLong statements = new AtomicLong();

  long statements() {
    return statements.get();
  }

  DataSource wrap(DataSource source) {
    return proxy(
        DataSource.class,
        source,
        (target, method, result) ->
            result instanceof Connection c
                ? proxy(Connection.class, c, (t, m, r) -> statement(r))
                : result);
  }

  private Object statement(Object result) {
    if (!(result instanceof Statement s)) {
      return result;
    }
    Class<? extends Statement> type =
        s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
    return proxy(
        type,
        s,
        (t, m, r) -> {
          if (m.getName().startsWith("execute")) {
            statements.incrementAndGet();
          }
          return r;
        });
  }

  /** Looks at each call's result after it is made. */
  @FunctionalInterface
  private interface After {
    Object apply(Object target, Method method, Object result);
  }

  private static <T> T proxy(Class<T> type, Object target, After after) {
    InvocationHandler handler =
        (p, method, args) -> {
          try {
            return after.apply(target, method, method.invoke(target, args));
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return type.cast(
        Proxy.newProxyInstance(
            StatementCounter.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
