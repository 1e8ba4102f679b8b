package io.renderlab.storage;

import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.StorageException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * How {@link S3ImageStore} turns the SDK's failures into {@link StorageException}s: what failed, on
 * which key and bucket, whether to retry, and what to do next. Package-private: the store's
 * implementation.
 */
final class S3Errors {
  private final String bucket;
  private final boolean chunkedEncoding;

  S3Errors(String bucket, boolean chunkedEncoding) {
    this.bucket = bucket;
    this.chunkedEncoding = chunkedEncoding;
  }

  StorageException mismatch(String key, String problem) {
    String cause =
        chunkedEncoding
            ? " The likely cause: an S3-compatible server that stores aws-chunked request bodies without decoding them "
                + "(the SDK frames streamed uploads that way). Turn that framing off: chunkedEncoding=false in the s3:// URL, "
                + "or S3ImageStore.builder().chunkedEncoding(false)."
            : " aws-chunked framing is already off (chunkedEncoding=false), so something between here and the store changed "
                + "the body: a proxy that rewrites bodies, or a store that transforms what it keeps. Check the endpoint.";
    return new StorageException(
        "S3 did not keep what was sent for '"
            + key
            + "' in bucket '"
            + bucket
            + "': "
            + problem
            + ". The object was removed; nothing was stored."
            + cause,
        key,
        null,
        false);
  }

  /**
   * The SDK reads a body of known length itself and wraps what the body throws; a refusal or
   * timeout of the download it came from (the fetcher's unchecked exceptions) must reach the caller
   * as itself, so the CLI reports a refusal as a refusal (exit 3), not a storage failure.
   */
  static void rethrowSourceFailure(SdkException e) {
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof RenderLabException) {
        throw (RenderLabException) t;
      }
    }
  }

  StorageException translate(String what, String key, S3Exception e) {
    if (e.statusCode() == 412
        || "PreconditionFailed"
            .equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
      return new ObjectExistsException(key);
    }
    boolean retryable = e.statusCode() >= 500 || e.statusCode() == 429 || e.statusCode() == 409;
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String hint =
        "NoSuchBucket".equals(code)
            ? " The bucket '" + bucket + "' does not exist: create it first."
            : e.statusCode() == 403
                ? " Check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or the profile)."
                : "";
    return new StorageException(
        "S3 failed to "
            + what
            + " '"
            + key
            + "' in bucket '"
            + bucket
            + "': HTTP "
            + e.statusCode()
            + (code.isEmpty() ? "" : " " + code)
            + "."
            + hint,
        key,
        e,
        retryable);
  }

  StorageException failure(String what, String key, SdkException e) {
    return new StorageException(
        "S3 failed to "
            + what
            + " '"
            + key
            + "' in bucket '"
            + bucket
            + "': "
            + e.getClass().getSimpleName()
            + ". This is retryable.",
        key,
        e,
        true);
  }
}
