package io.renderlab.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Durable generations: the port through which a pipeline makes every paid prediction end as
 * records, across crashes, restarts and instances. {@link JdbcImageCatalog#generations()} is the
 * implementation the SDK ships.
 *
 * <p>The life of a generation: {@link #create} writes it (leased to the creating instance) before
 * the prediction is created; {@link #started} saves the prediction id the moment Replicate answers;
 * the instance renews its lease ({@link #renew}) while it waits. Whoever sees the prediction end —
 * the waiting instance, a webhook in any instance, or a recovery worker that {@link #lease leased}
 * it after the first instance died — calls {@link #complete} or {@link #finish}. Both are
 * idempotent: the first call wins and later ones change nothing, and a unique (prediction id,
 * output index) constraint on the records makes completion exactly-once even when two paths race.
 *
 * <p>On PostgreSQL several instances lease from one table with {@code FOR UPDATE SKIP LOCKED};
 * elsewhere a conditional update gives the same guarantee. Thread-safe.
 *
 * <pre>{@code
 * GenerationStore generations = catalog.generations();
 * Generation g = generations.create(Generation.builder()...build(), "instance-1", Duration.ofSeconds(30));
 * generations.started(g.id(), prediction.id());
 * List<ImageRecord> saved = generations.complete(g.id(), records);
 * }</pre>
 */
public interface GenerationStore {
  /** The most rows {@link #list} returns. */
  int MAX_LIST = 1000;

  /**
   * Writes a new {@code PENDING} generation, leased to {@code owner} for {@code lease}.
   *
   * @throws CatalogException if the database fails or a generation with that id exists
   */
  Generation create(Generation pending, String owner, Duration lease);

  /** The generation with this id. */
  Optional<Generation> find(UUID id);

  /** The generation of this Replicate prediction. */
  Optional<Generation> findByPrediction(String predictionId);

  /**
   * A user's generations, newest first.
   *
   * @param status only this status, when present
   * @param limit at most this many, 1 to {@value #MAX_LIST}
   */
  List<Generation> list(String userId, Optional<GenerationStatus> status, int limit);

  /**
   * How many of a user's generations have not ended ({@code PENDING}, {@code RUNNING} or {@code
   * INGESTING}), whichever instance started them: what a per-user cap on predictions in flight
   * counts, so that the cap holds across restarts and instances.
   *
   * @throws CatalogException if the database fails
   */
  int countUnfinished(String userId);

  /**
   * Saves the prediction id of a generation whose create was answered, and moves it to {@code
   * RUNNING}. Changes nothing once the generation has a prediction or has ended, or when another
   * generation holds this prediction (a prediction belongs to one generation).
   *
   * @return whether it changed
   */
  boolean started(UUID id, String predictionId);

  /**
   * Claims the copying of a generation's outputs for {@code owner}: moves it to {@code INGESTING}
   * and leases it to {@code owner} when it is unfinished and no other instance holds a live lease
   * on it. Whoever sees a prediction end (the waiting instance, a webhook, a recovery worker)
   * claims before downloading, so each output is fetched and stored once.
   *
   * @return whether {@code owner} now holds it
   */
  boolean claimIngest(UUID id, String owner, Duration lease);

  /**
   * Unfinished generations of this model, version or deployment that have no prediction yet,
   * written between {@code from} and {@code to}, oldest first (at most 1000): the generations whose
   * create may have been answered without the answer being saved.
   */
  List<Generation> awaitingPrediction(String model, Instant from, Instant to);

  /**
   * Moves an unfinished generation to {@code INGESTING} (its outputs are being copied).
   *
   * @return whether it is unfinished
   */
  boolean ingesting(UUID id);

  /**
   * Completes a generation: in one transaction, saves {@code records} (output {@code i} is {@code
   * records.get(i)}, each carrying the generation's id), enqueues their thumbnail jobs and marks
   * the generation {@code SUCCEEDED}. When the generation was already completed (by another path),
   * saves nothing and returns the records saved then; the caller then deletes the objects it stored
   * for nothing.
   *
   * @return the generation's records after the call, by output index; empty when it ended without
   *     success
   * @throws IllegalArgumentException if {@code records} is empty
   * @throws CatalogException if the database fails (nothing was saved)
   */
  List<ImageRecord> complete(UUID id, List<ImageRecord> records);

  /**
   * Ends an unfinished generation without records: {@code FAILED}, {@code CANCELED} or {@code
   * EXPIRED}, with the error that says why.
   *
   * @return whether this call ended it (false when it had ended already)
   * @throws IllegalArgumentException if {@code status} is not one of those three
   */
  boolean finish(UUID id, GenerationStatus status, String error);

  /**
   * Leases up to {@code max} unfinished generations whose lease lapsed and whose retry time has
   * come, counting an attempt on each.
   */
  List<Generation> lease(String owner, int max, Duration lease);

  /**
   * Extends {@code owner}'s leases on these generations (a heartbeat while it waits on them).
   *
   * @return how many leases were extended
   */
  int renew(String owner, Collection<UUID> ids, Duration lease);

  /**
   * Gives up {@code owner}'s lease on a generation until {@code runAfter}, remembering the error (a
   * transient failure; the next worker tries again then).
   *
   * @return false when {@code owner} no longer holds it or it ended
   */
  boolean retryLater(UUID id, String owner, String error, Instant runAfter);

  /** Gives back every lease {@code owner} holds, for another instance (clean shutdown). */
  int release(String owner);

  /** The records made from a generation, by output index. */
  List<ImageRecord> records(UUID generationId);
}
