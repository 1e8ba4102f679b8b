package io.renderlab.storage;

import io.renderlab.storage.internal.WriteCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The write check of {@link S3ImageStore}: after each write, what the store reports keeping
 * (checksums, ETag, size) against what was sent; an object that does not match is removed.
 * Package-private: the store's implementation.
 */
final class S3WriteConfirmation {
  // the store's logger: these lines are the store's
  private static final Logger LOG = LoggerFactory.getLogger(S3ImageStore.class);

  private final S3Client s3;
  private final String bucket;
  private final S3Errors errors;

  S3WriteConfirmation(S3Client s3, String bucket, S3Errors errors) {
    this.s3 = s3;
    this.bucket = bucket;
    this.errors = errors;
  }

  /**
   * Confirms a single-part write: the checksums the store reported (a CRC32 or SHA-256 it was sent,
   * the MD5 ETag of an unencrypted object) against what was sent, then the size it keeps.
   */
  void confirm(
      String key, long sent, String md5Hex, long crc32, String sha256Hex, PutObjectResponse put) {
    String problem = null;
    if (put.checksumCRC32() != null && !put.checksumCRC32().equals(WriteCheck.crc32Base64(crc32))) {
      problem =
          "the CRC32 it reports (" + put.checksumCRC32() + ") is not the CRC32 of the bytes sent";
    } else if (put.checksumSHA256() != null
        && !put.checksumSHA256().equals(WriteCheck.sha256Base64(sha256Hex))) {
      problem = "the SHA-256 it reports is not the SHA-256 of the bytes sent";
    } else if (etagIsMd5(put.serverSideEncryption(), put.sseCustomerAlgorithm())
        && WriteCheck.singlePartMd5(put.eTag()).filter(etag -> !etag.equals(md5Hex)).isPresent()) {
      problem =
          "its ETag (the MD5 of what it kept, "
              + WriteCheck.unquote(put.eTag())
              + ") is not the MD5 of the bytes sent ("
              + md5Hex
              + ")";
    }
    confirmKept(key, sent, put.eTag(), problem);
  }

  /** S3 ETags are the content's MD5 unless the object is encrypted with KMS or a customer key. */
  static boolean etagIsMd5(ServerSideEncryption sse, String customerAlgorithm) {
    return customerAlgorithm == null && (sse == null || sse == ServerSideEncryption.AES256);
  }

  /**
   * Asks the store (HEAD) what it keeps at {@code key}; removes it and fails if it is not what was
   * sent.
   */
  void confirmKept(String key, long sent, String writtenEtag, String knownProblem) {
    String problem = knownProblem;
    if (problem == null) {
      HeadObjectResponse head;
      try {
        head = s3.headObject(r -> r.bucket(bucket).key(key));
      } catch (NoSuchKeyException e) {
        throw errors.mismatch(key, "it has no object there right after the write");
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          throw errors.mismatch(key, "it has no object there right after the write");
        }
        removeQuietly(key);
        throw errors.translate("confirm the write of", key, e);
      } catch (SdkException e) {
        removeQuietly(key);
        throw errors.failure("confirm the write of", key, e);
      }
      if (writtenEtag != null
          && head.eTag() != null
          && !WriteCheck.unquote(head.eTag()).equals(WriteCheck.unquote(writtenEtag))) {
        // another writer replaced the object since (overwrite was allowed): it is not ours to judge
        LOG.debug("'{}' was replaced by another writer before it could be confirmed", key);
        return;
      }
      Long kept = head.contentLength();
      if (kept == null || kept != sent) {
        problem = "it keeps " + kept + " bytes but " + sent + " were sent";
      }
    }
    if (problem != null) {
      removeQuietly(key);
      throw errors.mismatch(key, problem);
    }
  }

  private void removeQuietly(String key) {
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
    } catch (SdkException e) {
      LOG.warn("Could not remove '{}' after a failed write check; remove it by hand", key, e);
    }
  }
}
