package io.renderlab.storage;

import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import io.renderlab.core.internal.DigestingInputStream;
import io.renderlab.storage.internal.WriteCheck;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * The multipart upload of {@link S3ImageStore}: a body longer than one part goes up in parts from
 * two buffers (one part uploads on the store's part threads while the next is read), is confirmed
 * once complete, and is aborted on any failure so nothing is left behind. Package-private: the
 * store's implementation.
 */
final class S3MultipartUpload {
  // the store's logger: these lines are the store's
  private static final Logger LOG = LoggerFactory.getLogger(S3ImageStore.class);

  private final S3Client s3;
  private final String bucket;
  private final S3Errors errors;
  private final S3WriteConfirmation confirmation;
  private final ExecutorService partUploads;

  S3MultipartUpload(
      S3Client s3,
      String bucket,
      S3Errors errors,
      S3WriteConfirmation confirmation,
      ExecutorService partUploads) {
    this.s3 = s3;
    this.bucket = bucket;
    this.errors = errors;
    this.confirmation = confirmation;
    this.partUploads = partUploads;
  }

  static RequestBody replayable(byte[] data, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream");
  }

  static void checkAnnounced(String key, PutOptions options, long count) {
    if (options.length().isPresent() && options.length().getAsLong() != count) {
      throw new StorageException(
          "The body of '"
              + key
              + "' had "
              + count
              + " bytes, not the announced "
              + options.length().getAsLong()
              + "; nothing was stored.",
          key,
          null,
          false);
    }
  }

  /** A part as uploaded: what to name in the completion, and the MD5 of what was sent. */
  private record UploadedPart(CompletedPart part, byte[] md5) {}

  void putMultipart(String key, DigestingInputStream in, byte[] buffer, PutOptions options)
      throws IOException {
    String uploadId;
    try {
      uploadId =
          s3.createMultipartUpload(
                  r ->
                      r.bucket(bucket)
                          .key(key)
                          .contentType(options.contentType())
                          .cacheControl(options.cacheControl()))
              .uploadId();
    } catch (SdkException e) {
      throw e instanceof S3Exception
          ? errors.translate("start a multipart upload of", key, (S3Exception) e)
          : errors.failure("start a multipart upload of", key, e);
    }
    boolean completed = false;
    Future<UploadedPart> inFlight = null;
    try {
      // Two buffers: part n uploads from one while part n+1 is read into the other, so the
      // download and the upload overlap instead of taking turns.
      List<UploadedPart> parts = new ArrayList<>();
      byte[][] buffers = {buffer, null};
      int which = 0;
      int filled = buffer.length;
      int partNumber = 0;
      while (filled > 0) {
        byte[] data = buffers[which];
        int length = filled;
        int number = ++partNumber;
        Future<UploadedPart> upload =
            partUploads.submit(() -> uploadPart(key, uploadId, number, data, length));
        if (inFlight != null) {
          parts.add(await(key, inFlight));
        }
        inFlight = upload;
        which ^= 1;
        if (buffers[which] == null) {
          buffers[which] = new byte[buffer.length];
        }
        // buffers[which] is free: the part that used it has just been awaited
        filled = in.readNBytes(buffers[which], 0, buffers[which].length);
      }
      parts.add(await(key, inFlight));
      inFlight = null;
      checkAnnounced(key, options, in.count());
      List<CompletedPart> completedParts = parts.stream().map(UploadedPart::part).toList();
      CompleteMultipartUploadResponse done =
          s3.completeMultipartUpload(
              r -> {
                r.bucket(bucket)
                    .key(key)
                    .uploadId(uploadId)
                    .multipartUpload(
                        CompletedMultipartUpload.builder().parts(completedParts).build());
                if (!options.overwrite()) {
                  r.ifNoneMatch("*");
                }
              });
      completed = true;
      String expected = WriteCheck.multipartEtag(parts.stream().map(UploadedPart::md5).toList());
      String problem = null;
      if (S3WriteConfirmation.etagIsMd5(done.serverSideEncryption(), null)
          && WriteCheck.isMultipartEtag(done.eTag())
          && !WriteCheck.unquote(done.eTag()).equals(expected)) {
        problem =
            "its multipart ETag ("
                + WriteCheck.unquote(done.eTag())
                + ") is not the one of the parts sent ("
                + expected
                + ")";
      }
      confirmation.confirmKept(key, in.count(), done.eTag(), problem);
    } catch (S3Exception e) {
      throw errors.translate("write", key, e);
    } catch (SdkException e) {
      throw errors.failure("write", key, e);
    } finally {
      if (!completed) {
        if (inFlight != null) {
          // let the part in flight end before aborting, or it could outlive the abort
          try {
            inFlight.get();
          } catch (ExecutionException | CancellationException ignored) {
            // the upload is being aborted anyway
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        abort(key, uploadId);
      }
    }
  }

  private UploadedPart uploadPart(
      String key, String uploadId, int number, byte[] data, int length) {
    byte[] md5 = WriteCheck.md5(data, length);
    UploadPartResponse response =
        s3.uploadPart(
            r ->
                r.bucket(bucket)
                    .key(key)
                    .uploadId(uploadId)
                    .partNumber(number)
                    .contentLength((long) length),
            replayable(data, length));
    String etag = response.eTag();
    if (S3WriteConfirmation.etagIsMd5(
            response.serverSideEncryption(), response.sseCustomerAlgorithm())
        && WriteCheck.singlePartMd5(etag).filter(e -> !e.equals(WriteCheck.hex(md5))).isPresent()) {
      // the upload is aborted by the caller, so nothing is kept
      throw errors.mismatch(
          key,
          "part "
              + number
              + "'s ETag (the MD5 of what it kept, "
              + WriteCheck.unquote(etag)
              + ") is not the MD5 of the "
              + length
              + " bytes sent");
    }
    return new UploadedPart(CompletedPart.builder().partNumber(number).eTag(etag).build(), md5);
  }

  private UploadedPart await(String key, Future<UploadedPart> part) {
    try {
      return part.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          "Interrupted while uploading '" + key + "'; the multipart upload is aborted.",
          key,
          e,
          true);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof S3Exception) {
        throw errors.translate("write", key, (S3Exception) cause);
      }
      if (cause instanceof SdkException) {
        throw errors.failure("write", key, (SdkException) cause);
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new StorageException(
          "Uploading a part of '" + key + "' failed: " + cause, key, cause, true);
    }
  }

  void abort(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      LOG.warn(
          "Could not abort the multipart upload of '{}'; a lifecycle rule will have to clean it up",
          key,
          e);
    }
  }
}
