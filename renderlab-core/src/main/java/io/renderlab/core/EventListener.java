package io.renderlab.core;

import java.time.Duration;
import java.util.UUID;

/**
 * Hears what the SDK does, in the style of OkHttp's {@code EventListener}: predictions created and
 * ended, outputs ingested, thumbnails rendered, leases lost or taken over, generations recovered,
 * expired or given up. Set one on a client's builder ({@code listener(...)}); every method does
 * nothing unless overridden, so a listener overrides only what it needs and keeps compiling when
 * methods are added.
 *
 * <p>Calls are synchronous, on the SDK's own threads, and must be fast: count, time, log; do not
 * block. An exception a listener throws is logged and dropped: it never reaches the SDK. No token,
 * key or signed URL is ever passed. Metrics libraries build on this (Micrometer in the Spring Boot
 * starter); the published modules need none.
 *
 * <pre>{@code
 * EventListener counting = new EventListener() {
 *   @Override public void generationEnded(UUID id, String model, String status, Duration elapsed) {
 *     meter.record(model, status, elapsed);
 *   }
 * };
 * }</pre>
 */
public abstract class EventListener {
  /** A listener that does nothing. */
  public static final EventListener NONE = new EventListener() {};

  /** For subclasses. */
  protected EventListener() {}

  /**
   * Replicate answered the create of a prediction.
   *
   * @param model the model, version or deployment
   * @param predictionId the new prediction
   */
  public void predictionCreated(String model, String predictionId) {}

  /**
   * A prediction ended ({@code succeeded}, {@code failed}, {@code canceled} or {@code aborted}) as
   * seen by this process.
   *
   * @param elapsed since the create was sent, when this process sent it; else since it was read
   */
  public void predictionEnded(String model, String predictionId, String status, Duration elapsed) {}

  /**
   * A prediction's input went to Replicate unchecked because the model's input schema could not be
   * read.
   */
  public void inputUnchecked(String model, String reason) {}

  /** An output started downloading into the store. */
  public void ingestStarted(String key) {}

  /**
   * An output was stored.
   *
   * @param bytes its size
   * @param elapsed download and upload together
   */
  public void ingestEnded(String key, long bytes, Duration elapsed) {}

  /** An output could not be stored; nothing is left at {@code key}. */
  public void ingestFailed(String key, Throwable cause) {}

  /** A thumbnail was rendered and stored. */
  public void thumbnailRendered(UUID imageId, Duration elapsed) {}

  /** A thumbnail attempt failed ({@code retryable}: it will be tried again). */
  public void thumbnailFailed(UUID imageId, Throwable cause, boolean retryable) {}

  /** This instance lost its lease on a generation (another instance may finish it). */
  public void leaseLost(UUID generationId) {}

  /** This instance took over a generation whose instance stopped renewing its lease. */
  public void leaseTakenOver(UUID generationId, int attempt) {}

  /**
   * A generation ended.
   *
   * @param status {@code succeeded}, {@code failed}, {@code canceled} or {@code expired}
   * @param elapsed since the generation was written
   */
  public void generationEnded(UUID generationId, String model, String status, Duration elapsed) {}

  /** A generation taken over from a stopped instance was finished here. */
  public void generationRecovered(UUID generationId) {}

  /** A generation passed its deadline and was canceled. */
  public void generationExpired(UUID generationId) {}

  /** A generation failed for good: its failure will not pass, or it ran out of attempts. */
  public void generationGivenUp(UUID generationId, String reason) {}
}
