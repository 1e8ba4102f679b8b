package io.renderlab.core;

import java.io.InputStream;
import java.time.Duration;

/**
 * The port to permanent object storage: a local folder, an S3-compatible bucket, Supabase Storage.
 * Implementations live in {@code renderlab-storage}; they are thread-safe.
 *
 * <p>Keys are validated everywhere ({@link ObjectKeys#validate}): no {@code ..} segment, no leading
 * {@code /}, no backslash, no control characters, at most 1024 characters.
 */
public interface ImageStore extends AutoCloseable {
  /**
   * Streams {@code body} into the object {@code key}. Memory use does not grow with the body. A
   * failure midway leaves no object (and no multipart upload) behind.
   *
   * @return what was stored, with its SHA-256 computed on the way
   * @throws ObjectExistsException if the key exists and {@code options.overwrite()} is false
   * @throws StorageException if the store fails
   * @throws IllegalArgumentException if the key is invalid
   */
  StoredObject put(String key, InputStream body, PutOptions options);

  /** Whether an object exists at {@code key}. */
  boolean exists(String key);

  /**
   * Opens an object for reading; close the stream.
   *
   * @throws StorageException if it does not exist or the store fails
   */
  InputStream open(String key);

  /**
   * Deletes an object.
   *
   * @return whether an object was there
   */
  boolean delete(String key);

  /** The permanent public URL of {@code key} (the object need not exist yet). */
  String publicUrl(String key);

  /**
   * A URL that grants read access for {@code lifetime}, for private buckets.
   *
   * @throws StorageException if this store cannot sign URLs (a local folder)
   */
  String signedUrl(String key, Duration lifetime);

  /**
   * Aborts the unfinished multipart uploads under {@code keyPrefix} that a process left behind when
   * it died mid-upload (S3 bills their parts until they are aborted). Stores without multipart
   * uploads have none: the default does nothing.
   *
   * @return how many were aborted
   * @throws StorageException if the store fails
   */
  default int abortIncompleteUploads(String keyPrefix) {
    ObjectKeys.validate(keyPrefix);
    return 0;
  }

  /** Releases the store's resources (HTTP clients). */
  @Override
  void close();
}
