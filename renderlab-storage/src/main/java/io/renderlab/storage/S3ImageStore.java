package io.renderlab.storage;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.ObjectKeys;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.internal.DigestingInputStream;
import io.renderlab.storage.internal.UrlPaths;
import io.renderlab.storage.internal.WriteCheck;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
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
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
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

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;
  private final String publicBaseUrl;
  private final int partSize;
  private final boolean checkExistence;
  private final boolean chunkedEncoding;
  private final ExecutorService partUploads;
  private final S3Errors errors;
  private final S3WriteConfirmation confirmation;
  private final S3MultipartUpload multipart;

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
    this.errors = new S3Errors(bucket, chunkedEncoding);
    this.confirmation = new S3WriteConfirmation(s3, bucket, errors);
    this.multipart = new S3MultipartUpload(s3, bucket, errors, confirmation, partUploads);
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
        confirmation.confirm(key, length, sums.md5Hex(), sums.crc32(), in.sha256(), response);
      } else {
        // Without aws-chunked framing the SDK must read a body twice (to sign it, then to send
        // it), so bodies go up from a buffer it can replay: one PUT, or parts.
        byte[] buffer = new byte[partSize];
        int filled = in.readNBytes(buffer, 0, buffer.length);
        if (filled < buffer.length) {
          S3MultipartUpload.checkAnnounced(key, options, in.count());
          java.util.zip.CRC32 crc = new java.util.zip.CRC32();
          crc.update(buffer, 0, filled);
          PutObjectResponse response =
              putSingle(key, S3MultipartUpload.replayable(buffer, filled), options, false);
          confirmation.confirm(
              key,
              filled,
              WriteCheck.hex(WriteCheck.md5(buffer, filled)),
              crc.getValue(),
              in.sha256(),
              response);
        } else {
          multipart.putMultipart(key, in, buffer, options);
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
      throw errors.translate("write", key, e);
    } catch (SdkException e) {
      S3Errors.rethrowSourceFailure(e);
      throw errors.failure("write", key, e);
    }
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
          multipart.abort(u.key(), u.uploadId());
          aborted++;
        }
        if (!Boolean.TRUE.equals(page.isTruncated())) {
          return aborted;
        }
        keyMarker = page.nextKeyMarker();
        uploadMarker = page.nextUploadIdMarker();
      }
    } catch (S3Exception e) {
      throw errors.translate("list the unfinished uploads under", keyPrefix, e);
    } catch (SdkException e) {
      throw errors.failure("list the unfinished uploads under", keyPrefix, e);
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
      throw errors.translate("look up", key, e);
    } catch (SdkException e) {
      throw errors.failure("look up", key, e);
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
      throw errors.translate("read", key, e);
    } catch (SdkException e) {
      throw errors.failure("read", key, e);
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
      throw errors.translate("delete", key, e);
    } catch (SdkException e) {
      throw errors.failure("delete", key, e);
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
