package io.renderlab.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A leased thumbnail job: the worker that holds it renders the image's thumbnail before {@code
 * leaseUntil}, then calls {@link ThumbnailJobQueue#complete} or {@link ThumbnailJobQueue#fail}.
 *
 * <p>A record that will not grow: a lease is what a worker needs to render and report one job;
 * anything more about the image is read from the catalog by {@code imageId}.
 *
 * @param imageId the image whose thumbnail to render (one job per image)
 * @param attempt which attempt this is, starting at 1
 * @param leaseOwner the worker that holds the lease
 * @param leaseUntil when the lease expires and another worker may take the job
 * @param lastError the error of the previous attempt, if it failed
 */
public record ThumbnailJob(
    UUID imageId, int attempt, String leaseOwner, Instant leaseUntil, Optional<String> lastError) {
  /** Validates non-null fields. */
  public ThumbnailJob {
    Objects.requireNonNull(imageId, "imageId");
    Objects.requireNonNull(leaseOwner, "leaseOwner");
    Objects.requireNonNull(leaseUntil, "leaseUntil");
    Objects.requireNonNull(lastError, "lastError");
  }
}
