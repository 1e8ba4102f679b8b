package io.renderlab.core.internal;

import io.renderlab.core.EventListener;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards to a host's {@link EventListener} and drops what it throws (logged at warn, once per
 * method), so a faulty listener never breaks the SDK. Not public API.
 */
public final class SafeEvents extends EventListener {
  private static final Logger LOG = LoggerFactory.getLogger(SafeEvents.class);

  private final EventListener delegate;
  private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private SafeEvents(EventListener delegate) {
    this.delegate = delegate;
  }

  /** A safe view of {@code listener} ({@code listener} itself when it is already one). */
  public static EventListener of(EventListener listener) {
    Objects.requireNonNull(listener, "listener");
    return listener instanceof SafeEvents || listener == EventListener.NONE
        ? listener
        : new SafeEvents(listener);
  }

  private void call(String method, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw (Error) e;
      }
      if (warned.add(method)) {
        LOG.warn(
            "The event listener threw from {} (ignored; logged once): {}", method, e.toString());
      }
    }
  }

  @Override
  public void predictionCreated(String model, String predictionId) {
    call("predictionCreated", () -> delegate.predictionCreated(model, predictionId));
  }

  @Override
  public void predictionEnded(String model, String predictionId, String status, Duration elapsed) {
    call("predictionEnded", () -> delegate.predictionEnded(model, predictionId, status, elapsed));
  }

  @Override
  public void inputUnchecked(String model, String reason) {
    call("inputUnchecked", () -> delegate.inputUnchecked(model, reason));
  }

  @Override
  public void ingestStarted(String key) {
    call("ingestStarted", () -> delegate.ingestStarted(key));
  }

  @Override
  public void ingestEnded(String key, long bytes, Duration elapsed) {
    call("ingestEnded", () -> delegate.ingestEnded(key, bytes, elapsed));
  }

  @Override
  public void ingestFailed(String key, Throwable cause) {
    call("ingestFailed", () -> delegate.ingestFailed(key, cause));
  }

  @Override
  public void thumbnailRendered(UUID imageId, Duration elapsed) {
    call("thumbnailRendered", () -> delegate.thumbnailRendered(imageId, elapsed));
  }

  @Override
  public void thumbnailFailed(UUID imageId, Throwable cause, boolean retryable) {
    call("thumbnailFailed", () -> delegate.thumbnailFailed(imageId, cause, retryable));
  }

  @Override
  public void leaseLost(UUID generationId) {
    call("leaseLost", () -> delegate.leaseLost(generationId));
  }

  @Override
  public void leaseTakenOver(UUID generationId, int attempt) {
    call("leaseTakenOver", () -> delegate.leaseTakenOver(generationId, attempt));
  }

  @Override
  public void generationEnded(UUID generationId, String model, String status, Duration elapsed) {
    call("generationEnded", () -> delegate.generationEnded(generationId, model, status, elapsed));
  }

  @Override
  public void generationRecovered(UUID generationId) {
    call("generationRecovered", () -> delegate.generationRecovered(generationId));
  }

  @Override
  public void generationExpired(UUID generationId) {
    call("generationExpired", () -> delegate.generationExpired(generationId));
  }

  @Override
  public void generationGivenUp(UUID generationId, String reason) {
    call("generationGivenUp", () -> delegate.generationGivenUp(generationId, reason));
  }
}
