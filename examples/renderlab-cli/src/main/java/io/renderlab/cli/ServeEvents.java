package io.renderlab.cli;

import io.renderlab.core.EventListener;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code serve} logs from the SDK's events: one line per generation that ends, is taken over
 * from a stopped instance, expires or is given up, and per lease lost. No prompt, input or URL.
 */
final class ServeEvents extends EventListener {
  private static final Logger LOG = LoggerFactory.getLogger("io.renderlab.serve");

  @Override
  public void generationEnded(UUID generationId, String model, String status, Duration elapsed) {
    LOG.info(
        "generation {} {} ({}, {} s)",
        generationId,
        status,
        model,
        String.format(Locale.ROOT, "%.1f", elapsed.toMillis() / 1000.0));
  }

  @Override
  public void leaseTakenOver(UUID generationId, int attempt) {
    LOG.info(
        "generation {} taken over from a stopped instance (attempt {})", generationId, attempt);
  }

  @Override
  public void generationExpired(UUID generationId) {
    LOG.warn("generation {} passed its deadline and was canceled", generationId);
  }

  @Override
  public void generationGivenUp(UUID generationId, String reason) {
    LOG.warn("generation {} given up: {}", generationId, reason);
  }

  @Override
  public void leaseLost(UUID generationId) {
    LOG.warn("generation {}: lease lost; another instance may finish it", generationId);
  }
}
