package io.renderlab.server;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Supabase project's key set, fetched without ever holding a lock while the network is read.
 *
 * <p>Why not nimbus's caching source: its refresh holds a lock for the whole fetch and its timeouts
 * are per read, so a JWKS response that trickles a byte every two seconds stopped every asymmetric
 * sign-in for as long as it trickled (issue 22). Here:
 *
 * <ul>
 *   <li>one fetch at a time, with a <em>total</em> deadline: at the deadline the fetch is cut off,
 *       however the bytes arrive;
 *   <li>while a fetch runs, or after one failed, the cached keys keep serving: a stale key set
 *       (older than the 5-minute time to live) is refreshed in the background and used meanwhile,
 *       for up to an hour of outage;
 *   <li>a caller waits on a fetch (at most the deadline) only when it cannot be answered from the
 *       cache: the first token, or a token naming a key id the cache does not hold (key rotation);
 *   <li>at most two fetches start per 30 seconds, whatever tokens arrive, so unknown key ids cannot
 *       hammer the project; after a failed fetch, none starts for 30 seconds.
 * </ul>
 *
 * Thread-safe. Holds no thread of its own: the fetch runs on the HTTP client's threads.
 */
final class JwksCache implements JWKSource<SecurityContext> {
  private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);
  static final Duration TIME_TO_LIVE = Duration.ofMinutes(5);
  static final Duration OUTAGE_TOLERANCE = Duration.ofHours(1);
  static final Duration RATE_WINDOW = Duration.ofSeconds(30);
  private static final int MAX_BYTES = 64 * 1024;

  private final URI url;
  private final Duration deadline;
  private final Clock clock;
  private final HttpClient http;

  private final Object lock = new Object();
  // Guarded by lock; never held across a fetch.
  private JWKSet keys;
  private Instant fetchedAt;
  private CompletableFuture<JWKSet> inFlight;
  private final Instant[] recentStarts = {Instant.MIN, Instant.MIN};
  // Guarded by lock: no fetch starts before this instant (set when one fails).
  private Instant quietUntil = Instant.MIN;

  JwksCache(URI url, Duration deadline, Clock clock) {
    this.url = url;
    this.deadline = deadline;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(deadline)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
    JWKSet cached;
    Instant at;
    synchronized (lock) {
      cached = keys;
      at = fetchedAt;
    }
    Instant now = clock.instant();
    if (cached != null && now.isBefore(at.plus(OUTAGE_TOLERANCE))) {
      if (!now.isBefore(at.plus(TIME_TO_LIVE))) {
        refresh(); // in the background: the cached keys answer this token
      }
      List<JWK> found = selector.select(cached);
      if (!found.isEmpty()) {
        return found;
      }
      // A key id the cache does not hold: the project may have rotated its keys.
      CompletableFuture<JWKSet> fetch = refresh();
      if (fetch == null) {
        return found; // rate-limited: refused as an unknown key
      }
      return selector.select(await(fetch));
    }
    CompletableFuture<JWKSet> fetch = refresh();
    if (fetch == null) {
      throw new KeySourceException(
          "the key set could not be fetched recently; not trying again yet");
    }
    return selector.select(await(fetch));
  }

  /** Waits for a fetch, at most its deadline (it completes by then). */
  private JWKSet await(CompletableFuture<JWKSet> fetch) throws KeySourceException {
    try {
      return fetch.get(deadline.toMillis() + 250, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeySourceException("interrupted while fetching the key set", e);
    } catch (ExecutionException e) {
      throw new KeySourceException("cannot fetch the key set: " + e.getCause().getMessage(), e);
    } catch (TimeoutException | java.util.concurrent.CancellationException e) {
      throw new KeySourceException("the key set did not arrive within " + deadline, e);
    }
  }

  /**
   * The fetch in flight, or a new one when the rate allows; {@code null} when neither. Never waits.
   */
  CompletableFuture<JWKSet> refresh() {
    CompletableFuture<JWKSet> result;
    synchronized (lock) {
      if (inFlight != null) {
        return inFlight;
      }
      Instant now = clock.instant();
      int oldest = recentStarts[0].isBefore(recentStarts[1]) ? 0 : 1;
      if (recentStarts[oldest].isAfter(now.minus(RATE_WINDOW)) || now.isBefore(quietUntil)) {
        return null;
      }
      recentStarts[oldest] = now;
      result = new CompletableFuture<>();
      inFlight = result;
    }
    fetch(result);
    return result;
  }

  /** Whether a fetch is running (for tests). */
  boolean fetching() {
    synchronized (lock) {
      return inFlight != null;
    }
  }

  private void fetch(CompletableFuture<JWKSet> result) {
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      HttpRequest request =
          HttpRequest.newBuilder(url)
              .timeout(deadline)
              .header("Accept", "application/json")
              .GET()
              .build();
      sent = http.sendAsync(request, info -> new CappedBody(deadlineNanos));
    } catch (RuntimeException e) {
      settle(result, null, e);
      return;
    }
    // The total deadline: whatever the server sends, the fetch ends here.
    CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              if (!sent.isDone()) {
                settle(
                    result, null, new TimeoutException("no complete key set within " + deadline));
                sent.cancel(true); // aborts the exchange: the trickle's connection is closed
              }
            });
    sent.whenComplete(
        (response, error) -> {
          if (error != null) {
            settle(result, null, error);
            return;
          }
          if (response.statusCode() != 200) {
            settle(result, null, new IOException("HTTP " + response.statusCode()));
            return;
          }
          try {
            settle(result, JWKSet.parse(new String(response.body(), StandardCharsets.UTF_8)), null);
          } catch (ParseException e) {
            settle(result, null, new IOException("not a JWK set"));
          }
        });
  }

  private void settle(CompletableFuture<JWKSet> result, JWKSet fresh, Throwable error) {
    synchronized (lock) {
      if (inFlight == result) {
        inFlight = null;
        if (fresh != null) {
          keys = fresh;
          fetchedAt = clock.instant();
        } else {
          quietUntil = clock.instant().plus(RATE_WINDOW); // a failed fetch is not retried at once
        }
      }
    }
    if (fresh != null) {
      result.complete(fresh);
    } else if (result.completeExceptionally(error)) {
      LOG.warn(
          "Could not refresh the Supabase signing keys from {}: {}; the cached keys keep serving",
          url,
          error);
    }
  }

  /** Collects a body of at most 64 KiB, and gives up at the deadline even if bytes still come. */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final long deadlineNanos;
    private Flow.Subscription subscription;

    CappedBody(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public CompletableFuture<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (out.size() + b.remaining() > MAX_BYTES) {
          fail(new IOException("key set larger than " + MAX_BYTES + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        fail(new TimeoutException("key set still arriving at the deadline"));
      }
    }

    private void fail(Throwable t) {
      subscription.cancel();
      body.completeExceptionally(t);
    }

    @Override
    public void onError(Throwable t) {
      body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }
  }
}
