package io.renderlab.core;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The port to where image records live (one row per image: its URLs, owner, kind, prompt and
 * lineage), plus the thumbnail jobs that go with it.
 *
 * <p>Implementations are thread-safe. {@link JdbcImageCatalog} is the one the SDK ships (H2,
 * PostgreSQL); a host application may implement this on its own persistence.
 */
public interface ImageCatalog {
  /** The longest lineage chain {@link #lineage(UUID)} follows. */
  int MAX_LINEAGE_DEPTH = 100;

  /**
   * Saves a new image and, atomically with it, enqueues its thumbnail job (when the record has no
   * thumbnail yet), so no record ever exists without a pending thumbnail.
   *
   * @param record the new image
   * @return the record as stored
   * @throws CatalogException if the database fails, or a record with that id already exists
   */
  ImageRecord save(ImageRecord record);

  /**
   * The image with this id.
   *
   * @throws CatalogException if the database fails
   */
  Optional<ImageRecord> find(UUID id);

  /**
   * One page of a user's history, newest first ({@code created_at}, then {@code id}), stable under
   * concurrent inserts: paging through the whole history returns every image that existed when
   * paging began exactly once.
   *
   * @throws IllegalArgumentException if the cursor was not produced by this catalog
   * @throws CatalogException if the database fails
   */
  ImagePage history(HistoryQuery query);

  /**
   * The chain of versions this image came from, oldest first, ending with the image itself: follows
   * {@code reference_url} to the record of the same user whose {@code url} it is. Stops at a
   * reference outside the catalog, at a cycle, or after {@value #MAX_LINEAGE_DEPTH} steps.
   *
   * @return the chain, empty when the image does not exist
   * @throws CatalogException if the database fails
   */
  List<ImageRecord> lineage(UUID imageId);

  /**
   * Sets the thumbnail URL of an image.
   *
   * @return whether the image exists (and was updated)
   * @throws CatalogException if the database fails
   */
  boolean setThumbUrl(UUID imageId, String thumbUrl);

  /**
   * Images that have no thumbnail, oldest first (for backfill).
   *
   * @param limit at most this many, 1 to {@value HistoryQuery#MAX_LIMIT}
   * @throws CatalogException if the database fails
   */
  List<ImageRecord> withoutThumbnail(int limit);

  /**
   * The images recorded for this Replicate prediction, oldest first; lets webhook handlers and
   * retried pipelines recognise work already done.
   *
   * @throws CatalogException if the database fails
   */
  List<ImageRecord> findByPrediction(String predictionId);

  /**
   * Deletes an image record (and its thumbnail job). Stored objects are not touched.
   *
   * @return whether a record was deleted
   * @throws CatalogException if the database fails
   */
  boolean delete(UUID imageId);

  /**
   * The durable thumbnail jobs that {@link #save} enqueues with each record: what a worker leases,
   * renders and completes, and what a backfill re-queues. An implementation keeps them in the same
   * store as the records, so a record and its job are saved atomically.
   *
   * @return the job queue of this catalog
   */
  ThumbnailJobQueue thumbnailJobs();

  /**
   * The durable generations stored beside the records: one row per paid prediction, written before
   * the prediction is created, so any instance can finish a generation whose process died. An
   * implementation keeps them in the same store as the records, so a generation's records, their
   * thumbnail jobs and its status change commit together.
   *
   * @return the generation store of this catalog
   */
  GenerationStore generations();
}
