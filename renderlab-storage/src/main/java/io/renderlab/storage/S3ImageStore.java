package io.renderlab.storage;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.ObjectKeys;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.internal.DigestingInputStream;
import io.renderlab.storage.internal.UrlPaths;
import io.renderlab.storage.internal.WriteCheck;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Objects in an S3-compatible bucket: AWS S3, MinIO, Cloudflare R2, Supabase Storage's S3 endpoint.
 *
 * <p>A body of known length goes up as one streamed PUT. A body of unknown length is read into a
 * bounded buffer ({@link Builder#partSize}, 8 MiB by default): if it ends there it is one PUT,
 * otherwise a multipart upload with two such buffers (one part uploads while the next is read),
 * aborted on any failure so nothing is left behind. Without overwrite, writes carry {@code
 * If-None-Match: *} (AWS, MinIO and S3Mock answer 412 when the key exists); stores that ignore it
 * (Supabase's S3 endpoint) need {@link Builder#checkExistenceBeforeWrite(boolean)}, which narrows
 * but cannot close the race, so give such stores unique keys (the {@code Ingestor}'s defaults are).
 *
 * <p>For custom endpoints the SDK's newer default request checksums are turned down to "when
 * required": several S3-compatible stores reject them. Thread-safe; close it to release the HTTP
 * client and the part-upload threads.
 *
 * <pre>{@code
 * S3ImageStore store = S3ImageStore.builder().bucket("renderlab-images")
 *     .endpoint(URI.create("http://localhost:9000")).region("us-east-1").pathStyle(true).build();
 * }</pre>
 */
public final class S3ImageStore implements ImageStore {
  private static final Logger LOG = LoggerFactory.getLogger(S3ImageStore.class);

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;
  private final String publicBaseUrl;
  private final int partSize;
  private final boolean checkExistence;
  private final boolean chunkedEncoding;
  private final ExecutorService partUploads;

  private S3ImageStore(Builder b) {
    this.bucket = b.bucket;
    this.partSize = b.partSize;
    this.checkExistence = b.checkExistence;
    this.chunkedEncoding = b.chunkedEncoding != null ? b.chunkedEncoding : !b.isPlainHttp();
    AtomicInteger threads = new AtomicInteger();
    this.partUploads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "renderlab-s3-part-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Region region = Region.of(b.region);
    S3Configuration.Builder s3ConfigBuilder =
        S3Configuration.builder().pathStyleAccessEnabled(b.pathStyle);
    if (!chunkedEncoding) {
      s3ConfigBuilder.chunkedEncodingEnabled(false);
    }
    S3Configuration s3Config = s3ConfigBuilder.build();
    var builder =
        S3Client.builder()
            .region(region)
            .credentialsProvider(b.credentials)
            .serviceConfiguration(s3Config);
    var presign =
        S3Presigner.builder()
            .region(region)
            .credentialsProvider(b.credentials)
            .serviceConfiguration(s3Config);
    if (b.endpoint != null) {
      builder
          .endpointOverride(b.endpoint)
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
      presign.endpointOverride(b.endpoint);
    }
    this.s3 = builder.build();
    this.presigner = presign.build();
    String base = b.publicBaseUrl;
    if (base == null) {
      base =
          b.endpoint != null
              ? stripSlash(b.endpoint.toString()) + "/" + bucket
              : "https://" + bucket + ".s3." + b.region + ".amazonaws.com";
    }
    this.publicBaseUrl = stripSlash(base) + "/";
  }

  /**
   * A builder; {@link Builder#bucket} is required.
   *
   * <p>This class needs the AWS SDK's {@code software.amazon.awssdk:s3} artifact, an optional
   * dependency of renderlab-storage: without it, using this class fails with a {@code
   * NoClassDefFoundError}. {@link ImageStores#fromUrl(String)} checks first and throws a {@link
   * ConfigurationException} that says what to add.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public StoredObject put(String key, InputStream body, PutOptions options) {
    ObjectKeys.validate(key);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(options, "options");
    if (!options.overwrite() && checkExistence && exists(key)) {
      throw new ObjectExistsException(key);
    }
    DigestingInputStream in = new DigestingInputStream(body);
    try {
      if (options.length().isPresent() && chunkedEncoding) {
        long length = options.length().getAsLong();
        WriteCheck.Stream sums = new WriteCheck.Stream(in);
        PutObjectResponse response =
            putSingle(key, RequestBody.fromInputStream(sums, length), options, true);
        if (in.count() != length) {
          delete(key);
          throw new StorageException(
              "The body of '"
                  + key
                  + "' was shorter than the announced "
                  + length
                  + " bytes; nothing was stored.",
              key,
              null,
              false);
        }
        confirm(key, length, sums.md5Hex(), sums.crc32(), in.sha256(), response);
      } else {
        // Without aws-chunked framing the SDK must read a body twice (to sign it, then to send
        // it), so bodies go up from a buffer it can replay: one PUT, or parts.
        byte[] buffer = new byte[partSize];
        int filled = in.readNBytes(buffer, 0, buffer.length);
        if (filled < buffer.length) {
          checkAnnounced(key, options, in.count());
          java.util.zip.CRC32 crc = new java.util.zip.CRC32();
          crc.update(buffer, 0, filled);
          PutObjectResponse response = putSingle(key, replayable(buffer, filled), options, false);
          confirm(
              key,
              filled,
              WriteCheck.hex(WriteCheck.md5(buffer, filled)),
              crc.getValue(),
              in.sha256(),
              response);
        } else {
          putMultipart(key, in, buffer, options);
        }
      }
      return StoredObject.builder()
          .key(key)
          .url(publicUrl(key))
          .contentType(options.contentType())
          .bytes(in.count())
          .sha256(in.sha256())
          .build();
    } catch (IOException e) {
      throw new StorageException(
          "Reading the body for '" + key + "' failed: " + e.getMessage(), key, e, true);
    }
  }

  private static RequestBody replayable(byte[] data, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream");
  }

  private static void checkAnnounced(String key, PutOptions options, long count) {
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

  /**
   * Confirms a single-part write: the checksums the store reported (a CRC32 or SHA-256 it was sent,
   * the MD5 ETag of an unencrypted object) against what was sent, then the size it keeps.
   */
  private void confirm(
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
  private static boolean etagIsMd5(ServerSideEncryption sse, String customerAlgorithm) {
    return customerAlgorithm == null && (sse == null || sse == ServerSideEncryption.AES256);
  }

  /**
   * Asks the store (HEAD) what it keeps at {@code key}; removes it and fails if it is not what was
   * sent.
   */
  private void confirmKept(String key, long sent, String writtenEtag, String knownProblem) {
    String problem = knownProblem;
    if (problem == null) {
      HeadObjectResponse head;
      try {
        head = s3.headObject(r -> r.bucket(bucket).key(key));
      } catch (NoSuchKeyException e) {
        throw mismatch(key, "it has no object there right after the write");
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          throw mismatch(key, "it has no object there right after the write");
        }
        removeQuietly(key);
        throw translate("confirm the write of", key, e);
      } catch (SdkException e) {
        removeQuietly(key);
        throw failure("confirm the write of", key, e);
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
      throw mismatch(key, problem);
    }
  }

  private void removeQuietly(String key) {
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
    } catch (SdkException e) {
      LOG.warn("Could not remove '{}' after a failed write check; remove it by hand", key, e);
    }
  }

  private StorageException mismatch(String key, String problem) {
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
   * A streamed body is read once: the SDK cannot replay it for a retry (it would fail with an
   * {@code IllegalStateException} and hide the server's answer), so streamed PUTs are not retried
   * by the SDK; the server's error surfaces as it is (retryable when it is).
   */
  private static final SdkPlugin NO_RETRIES =
      config -> config.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));

  private PutObjectResponse putSingle(
      String key, RequestBody body, PutOptions options, boolean streamed) {
    try {
      return s3.putObject(
          r -> {
            r.bucket(bucket)
                .key(key)
                .contentType(options.contentType())
                .cacheControl(options.cacheControl());
            if (!options.overwrite()) {
              r.ifNoneMatch("*");
            }
            if (streamed) {
              r.overrideConfiguration(o -> o.addPlugin(NO_RETRIES));
            }
          },
          body);
    } catch (S3Exception e) {
      throw translate("write", key, e);
    } catch (SdkException e) {
      rethrowSourceFailure(e);
      throw failure("write", key, e);
    }
  }

  /**
   * The SDK reads a body of known length itself and wraps what the body throws; a refusal or
   * timeout of the download it came from (the fetcher's unchecked exceptions) must reach the caller
   * as itself, so the CLI reports a refusal as a refusal (exit 3), not a storage failure.
   */
  private static void rethrowSourceFailure(SdkException e) {
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof RenderLabException) {
        throw (RenderLabException) t;
      }
    }
  }

  /** A part as uploaded: what to name in the completion, and the MD5 of what was sent. */
  private record UploadedPart(CompletedPart part, byte[] md5) {}

  private void putMultipart(String key, DigestingInputStream in, byte[] buffer, PutOptions options)
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
          ? translate("start a multipart upload of", key, (S3Exception) e)
          : failure("start a multipart upload of", key, e);
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
      if (etagIsMd5(done.serverSideEncryption(), null)
          && WriteCheck.isMultipartEtag(done.eTag())
          && !WriteCheck.unquote(done.eTag()).equals(expected)) {
        problem =
            "its multipart ETag ("
                + WriteCheck.unquote(done.eTag())
                + ") is not the one of the parts sent ("
                + expected
                + ")";
      }
      confirmKept(key, in.count(), done.eTag(), problem);
    } catch (S3Exception e) {
      throw translate("write", key, e);
    } catch (SdkException e) {
      throw failure("write", key, e);
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
    if (etagIsMd5(response.serverSideEncryption(), response.sseCustomerAlgorithm())
        && WriteCheck.singlePartMd5(etag).filter(e -> !e.equals(WriteCheck.hex(md5))).isPresent()) {
      // the upload is aborted by the caller, so nothing is kept
      throw mismatch(
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
        throw translate("write", key, (S3Exception) cause);
      }
      if (cause instanceof SdkException) {
        throw failure("write", key, (SdkException) cause);
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new StorageException(
          "Uploading a part of '" + key + "' failed: " + cause, key, cause, true);
    }
  }

  private void abort(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      LOG.warn(
          "Could not abort the multipart upload of '{}'; a lifecycle rule will have to clean it up",
          key,
          e);
    }
  }

  private StorageException translate(String what, String key, S3Exception e) {
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

  private StorageException failure(String what, String key, SdkException e) {
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

  /**
   * Aborts the multipart uploads under {@code keyPrefix} that were started and never completed (a
   * process killed mid-upload); S3 bills their parts until then.
   */
  @Override
  public int abortIncompleteUploads(String keyPrefix) {
    ObjectKeys.validate(keyPrefix);
    int aborted = 0;
    String keyMarker = null;
    String uploadMarker = null;
    try {
      while (true) {
        String km = keyMarker;
        String um = uploadMarker;
        software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse page =
            s3.listMultipartUploads(
                r -> r.bucket(bucket).prefix(keyPrefix).keyMarker(km).uploadIdMarker(um));
        for (software.amazon.awssdk.services.s3.model.MultipartUpload u : page.uploads()) {
          abort(u.key(), u.uploadId());
          aborted++;
        }
        if (!Boolean.TRUE.equals(page.isTruncated())) {
          return aborted;
        }
        keyMarker = page.nextKeyMarker();
        uploadMarker = page.nextUploadIdMarker();
      }
    } catch (S3Exception e) {
      throw translate("list the unfinished uploads under", keyPrefix, e);
    } catch (SdkException e) {
      throw failure("list the unfinished uploads under", keyPrefix, e);
    }
  }

  @Override
  public boolean exists(String key) {
    ObjectKeys.validate(key);
    try {
      s3.headObject(r -> r.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw translate("look up", key, e);
    } catch (SdkException e) {
      throw failure("look up", key, e);
    }
  }

  @Override
  public InputStream open(String key) {
    ObjectKeys.validate(key);
    try {
      return s3.getObject(r -> r.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      throw new StorageException(
          "No object at key '" + key + "' in bucket '" + bucket + "'.", key, e, false);
    } catch (S3Exception e) {
      throw translate("read", key, e);
    } catch (SdkException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    boolean existed = exists(key);
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
      return existed;
    } catch (S3Exception e) {
      throw translate("delete", key, e);
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public String publicUrl(String key) {
    return publicBaseUrl + UrlPaths.encode(ObjectKeys.validate(key));
  }

  @Override
  public String signedUrl(String key, Duration lifetime) {
    ObjectKeys.validate(key);
    Objects.requireNonNull(lifetime, "lifetime");
    if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException(
          "lifetime must be between 1 second and 7 days, was " + lifetime);
    }
    return presigner
        .presignGetObject(
            r -> r.signatureDuration(lifetime).getObjectRequest(g -> g.bucket(bucket).key(key)))
        .url()
        .toString();
  }

  @Override
  public void close() {
    partUploads.shutdownNow();
    presigner.close();
    s3.close();
  }

  @Override
  public String toString() {
    return "S3ImageStore{bucket=" + bucket + ", publicBaseUrl=" + publicBaseUrl + '}';
  }

  /** Builds an {@link S3ImageStore}. Not thread-safe. */
  public static final class Builder {
    private String bucket;
    private URI endpoint;
    private String region = "us-east-1";
    private boolean pathStyle;
    private String publicBaseUrl;
    private AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    private int partSize = 8 * 1024 * 1024;
    private boolean checkExistence;

    private Builder() {}

    /** The bucket (required). */
    public Builder bucket(String bucket) {
      if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.\\-_]{1,62}")) {
        throw new IllegalArgumentException(
            "bucket must be a valid bucket name (3-63 lower-case letters, digits, '.', '-'), was "
                + bucket);
      }
      this.bucket = bucket;
      return this;
    }

    /** A custom endpoint (MinIO, R2, Supabase); AWS itself when not set. */
    public Builder endpoint(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (endpoint.getScheme() == null || endpoint.getHost() == null) {
        throw new IllegalArgumentException(
            "endpoint must be an absolute http(s) URL, was " + endpoint);
      }
      this.endpoint = endpoint;
      return this;
    }

    /** The region; default {@code us-east-1}. */
    public Builder region(String region) {
      this.region = Objects.requireNonNull(region, "region");
      return this;
    }

    /** Path-style URLs ({@code endpoint/bucket/key}), needed by most non-AWS stores. */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /**
     * The public base URL of objects; by default the endpoint's path-style URL, or AWS's
     * virtual-host URL.
     */
    public Builder publicBaseUrl(String publicBaseUrl) {
      this.publicBaseUrl = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
      return this;
    }

    /** Credentials; the SDK's default chain (environment, profiles, instance roles) by default. */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * The multipart part size, 5 MiB to 512 MiB; default 8 MiB. A body of unknown length uses one
     * buffer of this size, two once it needs a multipart upload.
     */
    public Builder partSize(int bytes) {
      if (bytes < 5 * 1024 * 1024 || bytes > 512 * 1024 * 1024) {
        throw new IllegalArgumentException(
            "partSize must be between 5 MiB and 512 MiB, was " + bytes);
      }
      this.partSize = bytes;
      return this;
    }

    /**
     * Check with HEAD before writing without overwrite, for stores that ignore {@code
     * If-None-Match} (Supabase's S3 endpoint). Narrows the race with a concurrent writer of the
     * same key but cannot close it.
     */
    public Builder checkExistenceBeforeWrite(boolean check) {
      this.checkExistence = check;
      return this;
    }

    /**
     * Whether request bodies may be sent with {@code aws-chunked} framing (the SDK's streaming
     * signature), which lets one PUT stream a body of known length without reading it twice.
     * Default: off for plain-{@code http} endpoints, on otherwise. Some S3-compatible servers store
     * aws-chunked bodies without decoding them (the framing and chunk signatures end up in the
     * object); with it off, bodies go up from a replayable buffer of {@link #partSize} bytes
     * instead (one PUT, or a multipart upload for longer bodies). Either way every write is
     * confirmed against what the store reports keeping, and a mismatch removes the object.
     */
    public Builder chunkedEncoding(boolean enabled) {
      this.chunkedEncoding = enabled;
      return this;
    }

    private Boolean chunkedEncoding;

    boolean isPlainHttp() {
      return endpoint != null && "http".equalsIgnoreCase(endpoint.getScheme());
    }

    /**
     * Supabase Storage through its S3 endpoint ({@code https://<ref>.supabase.co/storage/v1/s3}),
     * path-style, with Supabase's public URL form and the existence check on (the endpoint ignores
     * {@code If-None-Match}). Credentials are the project's S3 access keys.
     */
    public Builder supabase(String projectRef, String region) {
      Objects.requireNonNull(projectRef, "projectRef");
      if (!projectRef.matches("[a-z0-9]{1,64}")) {
        throw new IllegalArgumentException(
            "projectRef must be the project's reference (lower-case letters and digits)");
      }
      endpoint(URI.create("https://" + projectRef + ".supabase.co/storage/v1/s3"));
      region(region);
      pathStyle(true);
      checkExistenceBeforeWrite(true);
      supabaseRef = projectRef;
      return this;
    }

    private String supabaseRef;

    /** Builds the store. */
    public S3ImageStore build() {
      if (bucket == null) {
        throw new IllegalStateException("bucket is required: S3ImageStore.builder().bucket(...)");
      }
      if (publicBaseUrl == null && supabaseRef != null) {
        publicBaseUrl =
            "https://" + supabaseRef + ".supabase.co/storage/v1/object/public/" + bucket;
      }
      return new S3ImageStore(this);
    }

    Optional<URI> endpoint() {
      return Optional.ofNullable(endpoint);
    }
  }
}
