package io.renderlab.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection costs before it sends a request: a bounded time, and one slot of a bounded
 * number.
 *
 * <p>Why: Jetty's idle timeout restarts at every byte, so a client sending one header byte every 20
 * s held its connection forever, and about 20,000 of them exhausted the process's file descriptors
 * (issue 22). Here:
 *
 * <ul>
 *   <li><b>Header deadline.</b> From the moment a connection opens, or finishes a request and waits
 *       for the next one, its whole request head must arrive within {@code headerTimeout}, whatever
 *       the byte rate; later, the connection is closed.
 *   <li><b>Caps</b> on open connections per remote address and in total. When a newcomer would pass
 *       a cap, the connection of that address (or of anyone, for the total) that has waited longest
 *       without sending a complete request head is closed to make room: the newcomer is served, so
 *       a flood cannot lock out a health check, even one from the flood's own address, and each
 *       flood connection costs its sender a connection. Only when every connection in the way is
 *       inside a request is the newcomer closed instead.
 * </ul>
 *
 * Connections inside a request (head received, answer not complete) are never evicted nor timed out
 * here: their bodies have their own limits ({@link BodyLimits}). Thread-safe; the bookkeeping is
 * O(1) per event under one short lock, and the deadline sweep (on Jetty's scheduler) touches only
 * the connections it closes.
 */
final class ConnectionGuard extends AbstractLifeCycle
    implements Connection.Listener, HttpChannel.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  private final long headerTimeoutMillis;
  private final int maxTotal;
  private final int maxPerAddress;
  private final Clock clock;
  private volatile Scheduler scheduler;
  private volatile Scheduler.Task sweeping;

  private final Object lock = new Object();
  // Guarded by lock.
  private final Map<EndPoint, Tracked> open = new HashMap<>();
  private final LinkedHashMap<EndPoint, Tracked> waiting = new LinkedHashMap<>();
  private final Map<String, Address> addresses = new HashMap<>();

  private final AtomicLong evicted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();

  ConnectionGuard(Duration headerTimeout, int maxTotal, int maxPerAddress, Clock clock) {
    this.headerTimeoutMillis = headerTimeout.toMillis();
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
    this.clock = clock;
  }

  /** One open connection. */
  private static final class Tracked {
    final EndPoint endPoint;
    final Address address;
    boolean waiting = true;
    long since;

    Tracked(EndPoint endPoint, Address address, long since) {
      this.endPoint = endPoint;
      this.address = address;
      this.since = since;
    }
  }

  /** One remote address's connections. */
  private static final class Address {
    final String key;
    int open;
    final LinkedHashMap<EndPoint, Tracked> waiting = new LinkedHashMap<>();

    Address(String key) {
      this.key = key;
    }
  }

  /** Sweeps on this scheduler (the connector's) once started. */
  void scheduler(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    schedule();
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task task = sweeping;
    if (task != null) {
      task.cancel();
    }
    super.doStop();
  }

  private void schedule() {
    Scheduler s = scheduler;
    if (s == null || !isRunning() && !isStarting()) {
      return;
    }
    long period = Math.max(50, Math.min(1000, headerTimeoutMillis / 10));
    sweeping =
        s.schedule(
            () -> {
              try {
                sweep();
              } catch (RuntimeException e) {
                LOG.warn("Connection sweep failed", e);
              }
              schedule();
            },
            period,
            TimeUnit.MILLISECONDS);
  }

  @Override
  public void onOpened(Connection connection) {
    EndPoint endPoint = connection.getEndPoint();
    String key = address(endPoint.getRemoteSocketAddress());
    long now = clock.millis();
    List<EndPoint> close = new ArrayList<>(2);
    synchronized (lock) {
      Address address = addresses.computeIfAbsent(key, Address::new);
      boolean admitted = true;
      if (address.open >= maxPerAddress) {
        admitted = evictOldest(address.waiting, close);
      }
      if (admitted && open.size() >= maxTotal) {
        admitted = evictOldest(waiting, close);
      }
      if (admitted) {
        Tracked t = new Tracked(endPoint, address, now);
        open.put(endPoint, t);
        waiting.put(endPoint, t);
        address.waiting.put(endPoint, t);
        address.open++;
      } else {
        if (address.open == 0) {
          addresses.remove(key);
        }
        close.add(endPoint);
        refused.incrementAndGet();
      }
    }
    close.forEach(EndPoint::close);
  }

  /** Forgets the oldest waiting connection of {@code queue} and adds it to {@code close}. */
  private boolean evictOldest(LinkedHashMap<EndPoint, Tracked> queue, List<EndPoint> close) {
    Iterator<Tracked> it = queue.values().iterator();
    if (!it.hasNext()) {
      return false;
    }
    Tracked victim = it.next();
    forget(victim);
    close.add(victim.endPoint);
    evicted.incrementAndGet();
    return true;
  }

  /** Removes a connection from the books. Guarded by lock. */
  private void forget(Tracked t) {
    if (open.remove(t.endPoint) == null) {
      return;
    }
    waiting.remove(t.endPoint);
    t.address.waiting.remove(t.endPoint);
    if (--t.address.open == 0) {
      addresses.remove(t.address.key);
    }
  }

  @Override
  public void onClosed(Connection connection) {
    synchronized (lock) {
      Tracked t = open.get(connection.getEndPoint());
      if (t != null) {
        forget(t);
      }
    }
  }

  /** The request head is complete: the connection is inside a request. */
  @Override
  public void onBeforeDispatch(Request request) {
    EndPoint endPoint = request.getHttpChannel().getEndPoint();
    synchronized (lock) {
      Tracked t = open.get(endPoint);
      if (t != null && t.waiting) {
        t.waiting = false;
        waiting.remove(endPoint);
        t.address.waiting.remove(endPoint);
      }
    }
  }

  /** The exchange is over: a persistent connection now waits for its next request head. */
  @Override
  public void onComplete(Request request) {
    EndPoint endPoint = request.getHttpChannel().getEndPoint();
    long now = clock.millis();
    synchronized (lock) {
      Tracked t = open.get(endPoint);
      if (t != null && !t.waiting) {
        t.waiting = true;
        t.since = now;
        waiting.put(endPoint, t);
        t.address.waiting.put(endPoint, t);
      }
    }
  }

  /** Closes the connections whose request head is overdue. */
  void sweep() {
    long cutoff = clock.millis() - headerTimeoutMillis;
    List<EndPoint> close = new ArrayList<>();
    synchronized (lock) {
      // Oldest first: the waiting order is the order connections started to wait.
      Iterator<Tracked> it = waiting.values().iterator();
      while (it.hasNext()) {
        Tracked t = it.next();
        if (t.since > cutoff) {
          break;
        }
        it.remove();
        t.waiting = false; // keeps forget() from touching the iterator's map
        open.remove(t.endPoint);
        t.address.waiting.remove(t.endPoint);
        if (--t.address.open == 0) {
          addresses.remove(t.address.key);
        }
        close.add(t.endPoint);
      }
    }
    timedOut.addAndGet(close.size());
    close.forEach(EndPoint::close);
  }

  private static String address(SocketAddress remote) {
    if (remote instanceof InetSocketAddress && ((InetSocketAddress) remote).getAddress() != null) {
      return ((InetSocketAddress) remote).getAddress().getHostAddress();
    }
    return String.valueOf(remote);
  }

  /** Connections open now (tracked). */
  int open() {
    synchronized (lock) {
      return open.size();
    }
  }

  /** Connections waiting for a request head now. */
  int waitingForHead() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  long evicted() {
    return evicted.get();
  }

  long refused() {
    return refused.get();
  }

  long timedOut() {
    return timedOut.get();
  }
}
