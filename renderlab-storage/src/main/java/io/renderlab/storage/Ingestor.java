package io.renderlab.storage;

import io.renderlab.core.DeadlineExceededException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.MediaType;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.ObjectKeys;
import io.renderlab.core.PutOptions;
import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RemoteResource;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.RetryPolicy;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.core.internal.Args;
import io.renderlab.core.internal.BoundedBody;
import io.renderlab.core.internal.DigestingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-uploads remote images into permanent storage, and stores direct uploads the same way: download
 * under the fetch policy, stream into the store (memory does not grow with the body), SHA-256
 * computed on the way. Replicate's output URLs expire in about an hour; the URL this returns does
 * not.
 *
 * <p>Two fetch policies: {@link #ingest} and {@link #ingestTo} are for the operator's sources
 * (provider outputs such as Replicate's delivery URLs) and use {@link Builder#fetcher}, with its
 * {@code allowHost} exemptions; URLs that end users supply ({@link #storeMask}'s, {@link
 * #checkUserUrl}'s) use {@link Builder#userFetcher}, by default the fetcher's {@link
 * RemoteFetcher#strict()} view: no exemptions, opaque errors. A user URL under the store's own
 * public base URL is read from the store by key, never fetched over the network.
 *
 * <p>Keys are {@code {userId}/{prefix}_{timestamp}_{random}.{ext}} unless the caller names one; the
 * extension comes from the sniffed content, never the URL. Nothing is ever overwritten. A failure
 * midway leaves no object behind. Transient download failures are retried within a deadline; an
 * expired source is reported as such. Thread-safe.
 *
 * <pre>{@code
 * Ingestor ingestor = Ingestor.builder().store(store).fetcher(fetcher).build();
 * StoredObject stored = ingestor.ingest(replicateUrl, "user-123", "generated");
 * stored.url();   // permanent
 * }</pre>
 */
public final class Ingestor {
  private static final Logger LOG = LoggerFactory.getLogger(Ingestor.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private final ImageStore store;
  private final RemoteFetcher fetcher;
  private final RemoteFetcher userFetcher;
  private final RetryPolicy retry;
  private final Duration deadline;
  private final Clock clock;
  private final String masksPrefix;

  private Ingestor(Builder b) {
    this.store = b.store;
    this.fetcher = b.fetcher;
    this.userFetcher = b.userFetcher;
    this.retry = b.retry;
    this.deadline = b.deadline;
    this.clock = b.clock;
    this.masksPrefix = b.masksPrefix;
  }

  /** A builder; {@link Builder#store} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The store objects go to. */
  public ImageStore store() {
    return store;
  }

  /**
   * Downloads an image URL into the store under a fresh key {@code
   * {userId}/{prefix}_{timestamp}_{random}.{ext}}.
   *
   * @param url an http(s) or data: URL of an image
   * @param userId the owner (the key's first segment)
   * @param prefix what made it, e.g. {@code generated}
   * @throws RemoteFetchRefusedException if the policy refuses the URL or its content (nothing
   *     stored)
   * @throws io.renderlab.core.RemoteFetchFailedException if the source failed or expired
   * @throws StorageException if the store fails (nothing stored)
   */
  public StoredObject ingest(String url, String userId, String prefix) {
    Args.identifier(userId, "userId", 255);
    checkSegment(userId, "userId");
    checkSegment(Args.identifier(prefix, "prefix", 64), "prefix");
    return withRetries(url, type -> freshKey(userId, prefix, type));
  }

  /**
   * Downloads an image URL into the store at {@code {userId}/{name}.{ext}}, the extension from the
   * sniffed content, never overwriting. For callers that name an output deterministically (the
   * generations engine names each output after its generation and index, so a retry after a crash
   * finds what an earlier attempt stored instead of leaving it behind).
   *
   * @param name the object's name without extension: letters, digits, {@code _} and {@code -}
   * @throws io.renderlab.core.ObjectExistsException if that object exists
   */
  public StoredObject ingestNamed(String url, String userId, String name) {
    Args.identifier(userId, "userId", 255);
    checkSegment(userId, "userId");
    Args.identifier(name, "name", 200);
    if (!name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "name must hold only letters, digits, '_' and '-', was '" + name + "'");
    }
    return withRetries(url, type -> userId + "/" + name + "." + type.extension());
  }

  /**
   * Downloads an image URL into the store at {@code key}, never overwriting.
   *
   * @throws ObjectExistsException if {@code key} exists
   */
  public StoredObject ingestTo(String url, String key) {
    ObjectKeys.validate(key);
    return withRetries(url, type -> key);
  }

  private interface KeyFor {
    String key(MediaType type);
  }

  private StoredObject withRetries(String url, KeyFor keyFor) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank");
    }
    Instant giveUp = clock.instant().plus(deadline);
    for (int attempt = 1; ; attempt++) {
      try {
        try (RemoteResource resource = fetcher.openImage(url)) {
          MediaType type = resource.mediaType().orElseThrow();
          String key = keyFor.key(type);
          PutOptions options = PutOptions.of(type.mimeType());
          if (resource.contentLength().isPresent()) {
            options = options.withLength(resource.contentLength().getAsLong());
          }
          StoredObject stored = store.put(key, resource.body(), options);
          LOG.debug("Stored {} as {} ({} bytes)", resource.redactedUrl(), key, stored.bytes());
          return stored;
        }
      } catch (RenderLabException e) {
        boolean transientFailure =
            e.isRetryable()
                && !(e instanceof StorageException)
                && !(e instanceof DeadlineExceededException);
        Duration wait = retry.backoff(attempt, Optional.empty());
        if (!transientFailure
            || !retry.allowsRetryAfterAttempt(attempt)
            || clock.instant().plus(wait).isAfter(giveUp)) {
          throw e;
        }
        LOG.warn(
            "Download failed (attempt {} of {}), retrying in {} ms: {}",
            attempt,
            retry.maxAttempts(),
            wait.toMillis(),
            e.getMessage());
        sleep(wait);
      }
    }
  }

  /**
   * Stores a local file (the direct-upload path), content type sniffed from its bytes.
   *
   * @throws UnsupportedImageException if the file is not a recognised image
   */
  public StoredObject upload(Path file, String userId, String prefix) {
    Objects.requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return upload(in, userId, prefix);
    } catch (IOException e) {
      throw new StorageException("Cannot read " + file + ": " + e.getMessage(), null, e, false);
    }
  }

  /**
   * Stores a stream (a multipart upload's file part), content type sniffed from its bytes, within
   * the fetcher's byte cap.
   *
   * @throws UnsupportedImageException if the bytes are not a recognised image
   * @throws RemoteFetchRefusedException if the body is larger than the byte cap
   */
  public StoredObject upload(InputStream body, String userId, String prefix) {
    Objects.requireNonNull(body, "body");
    Args.identifier(userId, "userId", 255);
    checkSegment(userId, "userId");
    checkSegment(Args.identifier(prefix, "prefix", 64), "prefix");
    BoundedBody bounded = bounded(body);
    MediaType type = sniffImage(bounded);
    return store.put(freshKey(userId, prefix, type), bounded, PutOptions.of(type.mimeType()));
  }

  /**
   * Stores an inpainting mask given by URL content-addressed, at {@code
   * {masksPrefix}/{userId}/{sha256}.{ext}}: storing an identical mask again stores nothing and
   * returns the same URL. A URL under the store's own public base is read from the store by key;
   * any other is fetched as a user's URL (the strict fetcher).
   *
   * @throws RemoteFetchRefusedException if the URL is refused or the body is over the byte cap
   * @throws UnsupportedImageException if the bytes are not a recognised image
   */
  public StoredObject storeMask(String url, String userId) {
    return storeMask(Objects.requireNonNull(url, "url"), null, userId);
  }

  /**
   * Stores an inpainting mask from a local file content-addressed, at {@code
   * {masksPrefix}/{userId}/{sha256}.{ext}}: storing an identical mask again stores nothing and
   * returns the same URL.
   *
   * @throws RemoteFetchRefusedException if the file is over the byte cap
   * @throws UnsupportedImageException if the bytes are not a recognised image
   */
  public StoredObject storeMask(Path file, String userId) {
    return storeMask(null, Objects.requireNonNull(file, "file"), userId);
  }

  /** One of {@code url} and {@code file} is null. */
  private StoredObject storeMask(String urlOrNull, Path file, String userId) {
    Args.identifier(userId, "userId", 255);
    checkSegment(userId, "userId");
    Path temp = null;
    try {
      temp = Files.createTempFile("renderlab-mask-", ".bin");
      MediaType type;
      DigestingInputStream digest;
      if (file != null) {
        try (InputStream in = Files.newInputStream(file)) {
          BoundedBody bounded = bounded(in);
          type = sniffImage(bounded);
          digest = copy(bounded, temp);
        }
      } else {
        Optional<String> ownKey = ownKey(urlOrNull);
        if (ownKey.isPresent()) {
          try (InputStream in = openOwn(ownKey.get(), urlOrNull)) {
            BoundedBody bounded = bounded(in);
            type = sniffImage(bounded);
            digest = copy(bounded, temp);
          }
        } else {
          try (RemoteResource resource = userFetcher.openImage(urlOrNull)) {
            type = resource.mediaType().orElseThrow();
            digest = copy(resource.body(), temp);
          }
        }
      }
      String key = masksPrefix + "/" + userId + "/" + digest.sha256() + "." + type.extension();
      if (store.exists(key)) {
        return StoredObject.builder()
            .key(key)
            .url(store.publicUrl(key))
            .contentType(type.mimeType())
            .bytes(digest.count())
            .sha256(digest.sha256())
            .build();
      }
      try (InputStream in = Files.newInputStream(temp)) {
        return store.put(key, in, PutOptions.of(type.mimeType()).withLength(digest.count()));
      } catch (ObjectExistsException raced) {
        return StoredObject.builder()
            .key(key)
            .url(store.publicUrl(key))
            .contentType(type.mimeType())
            .bytes(digest.count())
            .sha256(digest.sha256())
            .build();
      }
    } catch (IOException e) {
      throw new StorageException("Could not stage the mask: " + e.getMessage(), null, e, true);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a temp file in the system temp folder
        }
      }
    }
  }

  /**
   * Opens an image an end user named, under the strict policy: an object of the store's own (read
   * from the store by key, as {@link #storeMask} does), else fetched with the {@link
   * Builder#userFetcher}, capped at its size limit. Close the stream.
   *
   * @throws RemoteFetchRefusedException if the policy refuses the URL or its content
   * @throws io.renderlab.core.RemoteFetchFailedException if the source failed
   */
  public InputStream openUserImage(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank");
    }
    Optional<String> ownKey = ownKey(url);
    if (ownKey.isPresent()) {
      return bounded(openOwn(ownKey.get(), url));
    }
    RemoteResource resource = userFetcher.openImage(url);
    return new java.io.FilterInputStream(resource.body()) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          resource.close();
        }
      }
    };
  }

  /**
   * Checks a URL an end user supplied, without fetching it, under the strict policy: an {@code
   * http(s)} URL under the store's public base URL (our own object), or one the {@link
   * Builder#userFetcher} would be allowed to fetch.
   *
   * @throws IllegalArgumentException if {@code url} is null or blank
   * @throws RemoteFetchRefusedException if the policy refuses it (one message whatever the reason
   *     the host is not reachable)
   */
  public void checkUserUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank");
    }
    String lower = url.strip().toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      throw new RemoteFetchRefusedException(
          RemoteFetchRefusedException.Reason.SCHEME,
          io.renderlab.core.Redaction.url(url),
          "Refusing "
              + io.renderlab.core.Redaction.url(url)
              + ": only http(s) URLs are accepted here.");
    }
    if (ownKey(url).isEmpty()) {
      userFetcher.check(url);
    }
  }

  /**
   * The key of {@code url} when it is under the store's public base URL (query and fragment
   * ignored), empty otherwise. A URL whose path does not decode to a valid key is not ours.
   */
  Optional<String> ownKey(String url) {
    String probe = store.publicUrl("k");
    String base = probe.substring(0, probe.length() - 1);
    String u = url.strip();
    if (!u.startsWith(base) || u.length() == base.length()) {
      return Optional.empty();
    }
    String rest = u.substring(base.length());
    int cut = indexOfAny(rest, '?', '#');
    if (cut >= 0) {
      rest = rest.substring(0, cut);
    }
    try {
      String key =
          java.net.URLDecoder.decode(
              rest.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
      return Optional.of(ObjectKeys.validate(key));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static int indexOfAny(String s, char a, char b) {
    int i = s.indexOf(a);
    int j = s.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }

  /** Opens our own object at {@code key}; a missing one is refused like an unreachable URL. */
  private InputStream openOwn(String key, String url) {
    if (!store.exists(key)) {
      String redacted = io.renderlab.core.Redaction.url(url);
      throw new RemoteFetchRefusedException(
          RemoteFetchRefusedException.Reason.UNREACHABLE,
          redacted,
          "Refusing " + redacted + ": this server's storage has no object there.");
    }
    return store.open(key);
  }

  private static DigestingInputStream copy(InputStream in, Path target) throws IOException {
    DigestingInputStream digest = new DigestingInputStream(in);
    try (OutputStream out = Files.newOutputStream(target)) {
      digest.transferTo(out);
    }
    return digest;
  }

  private BoundedBody bounded(InputStream in) {
    return new BoundedBody(
        in,
        fetcher.maxBytes(),
        () ->
            new RemoteFetchRefusedException(
                RemoteFetchRefusedException.Reason.TOO_LARGE,
                "upload",
                "Refusing the upload: it is larger than the " + fetcher.maxBytes() + "-byte cap."),
        e -> new StorageException("Reading the upload timed out", null, e, true),
        e -> new StorageException("Reading the upload failed: " + e.getMessage(), null, e, true));
  }

  private static MediaType sniffImage(BoundedBody bounded) {
    return bounded
        .sniff()
        .orElseThrow(
            () ->
                new UnsupportedImageException(
                    "The upload is not a PNG, JPEG, WebP, GIF, AVIF, HEIC, BMP or TIFF image (judged by its first bytes)."));
  }

  private String freshKey(String userId, String prefix, MediaType type) {
    StringBuilder random = new StringBuilder(10);
    for (int i = 0; i < 10; i++) {
      random.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return userId + "/" + prefix + "_" + clock.millis() + "_" + random + "." + type.extension();
  }

  private static void checkSegment(String value, String name) {
    if (value.contains("/") || value.contains("\\") || value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(
          name
              + " must not contain '/' or '\\\\' or be '.' or '..': "
              + value.toLowerCase(Locale.ROOT));
    }
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("Interrupted while waiting to retry a download", null, e, true);
    }
  }

  @Override
  public String toString() {
    return "Ingestor{store=" + store + ", fetcher=" + fetcher + '}';
  }

  /** Builds an {@link Ingestor}. Not thread-safe. */
  public static final class Builder {
    private ImageStore store;
    private RemoteFetcher fetcher;
    private RetryPolicy retry = RetryPolicy.defaults();
    private Duration deadline = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();
    private String masksPrefix = "inpaint-masks";

    private Builder() {}

    /** Where objects go (required). */
    public Builder store(ImageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * How the operator's sources (provider outputs: {@link Ingestor#ingest}, {@link
     * Ingestor#ingestTo}) are fetched, with its {@code allowHost} exemptions; a default {@link
     * RemoteFetcher} when not set.
     */
    public Builder fetcher(RemoteFetcher fetcher) {
      this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
      return this;
    }

    /**
     * How URLs that end users supply are fetched (masks, {@link Ingestor#checkUserUrl}); by default
     * {@link RemoteFetcher#strict()} of {@link #fetcher}: its limits without its exemptions, with
     * opaque errors. Keep it strict: the operator's {@code allowHost} exemptions would let a user
     * reach the operator's internal services.
     */
    public Builder userFetcher(RemoteFetcher userFetcher) {
      this.userFetcher = Objects.requireNonNull(userFetcher, "userFetcher");
      return this;
    }

    private RemoteFetcher userFetcher;

    /** Retries of transient download failures; {@link RetryPolicy#defaults()} when not set. */
    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** The time all attempts of one ingest may take together; default 5 minutes. */
    public Builder deadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive");
      }
      this.deadline = deadline;
      return this;
    }

    /** The clock for key timestamps and deadlines. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The key prefix of content-addressed masks; default {@code inpaint-masks}. */
    public Builder masksPrefix(String prefix) {
      ObjectKeys.validate(prefix);
      this.masksPrefix = prefix;
      return this;
    }

    /** Builds the ingestor. */
    public Ingestor build() {
      if (store == null) {
        throw new IllegalStateException("store is required: Ingestor.builder().store(...)");
      }
      if (fetcher == null) {
        fetcher = RemoteFetcher.builder().build();
      }
      if (userFetcher == null) {
        userFetcher = fetcher.strict();
      }
      return new Ingestor(this);
    }
  }
}
