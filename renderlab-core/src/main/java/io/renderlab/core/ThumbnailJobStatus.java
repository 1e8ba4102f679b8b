package io.renderlab.core;

import java.util.Objects;
import java.util.Optional;

/**
 * Where an image's thumbnail job stands.
 *
 * <p>A record that will not grow: the state, the attempts and the last error are all a job has to
 * tell (its image is the key it was asked by).
 *
 * @param state pending (waiting or running), done, or failed for good
 * @param attempts how many attempts have started
 * @param lastError the error of the last failed attempt, if any
 */
public record ThumbnailJobStatus(State state, int attempts, Optional<String> lastError) {
  /** The life of a thumbnail job. */
  public enum State {
    /** Waiting for a worker, or being rendered. */
    PENDING,
    /** Rendered; the image's {@code thumb_url} is set. */
    DONE,
    /** Attempts used up; {@code lastError} says why. {@code backfill} enqueues it again. */
    FAILED
  }

  /** Validates non-null fields. */
  public ThumbnailJobStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(lastError, "lastError");
  }
}
