package io.renderlab.storage;

import io.renderlab.core.ImageStore;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.ObjectKeys;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.internal.DigestingInputStream;
import io.renderlab.storage.internal.OverlappedCopy;
import io.renderlab.storage.internal.UrlPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Objects as files under a local folder: the embedded default, no server needed.
 *
 * <p>Writes go to a temporary file in the target's own directory, are flushed to disk, and are then
 * published atomically: with a hard link when overwriting is not allowed (so of several concurrent
 * writers of one key exactly one wins, and the others get {@link ObjectExistsException}), with an
 * atomic rename when it is. Readers never see a half-written object. Thread-safe, and safe across
 * processes sharing the folder.
 *
 * <pre>{@code
 * ImageStore store = FolderImageStore.of(Path.of("renderlab-data/objects"));
 * StoredObject stored = store.put("user-1/a.png", in, PutOptions.of("image/png"));
 * }</pre>
 */
public final class FolderImageStore implements ImageStore {
  private static final String TEMP_PREFIX = ".renderlab-tmp-";

  private final Path root;
  private final String publicBaseUrl;

  private FolderImageStore(Path root, String publicBaseUrl) {
    this.root = root;
    this.publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl : publicBaseUrl + "/";
  }

  /** A store under {@code root} whose public URLs are {@code file:} URLs. Creates the folder. */
  public static FolderImageStore of(Path root) {
    Path absolute = createRoot(root);
    return new FolderImageStore(absolute, absolute.toUri().toString());
  }

  /**
   * A store under {@code root} whose public URLs start with {@code publicBaseUrl} (for example the
   * sample server's {@code http://host/files/}).
   */
  public static FolderImageStore of(Path root, String publicBaseUrl) {
    Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
    return new FolderImageStore(createRoot(root), publicBaseUrl);
  }

  private static Path createRoot(Path root) {
    Objects.requireNonNull(root, "root");
    try {
      return Files.createDirectories(root.toAbsolutePath().normalize());
    } catch (IOException e) {
      throw new StorageException(
          "Cannot create the storage folder " + root + ": " + e.getMessage(), null, e, false);
    }
  }

  /** The folder objects live in. */
  public Path root() {
    return root;
  }

  private Path path(String key) {
    Path p = root.resolve(ObjectKeys.validate(key)).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("key escapes the storage folder: " + key);
    }
    return p;
  }

  @Override
  public StoredObject put(String key, InputStream body, PutOptions options) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(options, "options");
    Path target = path(key);
    if (target.getFileName().toString().startsWith(TEMP_PREFIX)) {
      throw new IllegalArgumentException("key must not start with " + TEMP_PREFIX);
    }
    if (!options.overwrite() && Files.exists(target)) {
      throw new ObjectExistsException(key);
    }
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
      DigestingInputStream in = new DigestingInputStream(body);
      try (FileChannel channel =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OverlappedCopy.copy(in, channel);
        channel.force(true);
        // Confirm what the file keeps before it is published: a short write never becomes the
        // object.
        long kept = channel.size();
        if (kept != in.count()) {
          throw new StorageException(
              "The file for '"
                  + key
                  + "' keeps "
                  + kept
                  + " bytes but "
                  + in.count()
                  + " were written; nothing was stored. "
                  + "The likely cause: a full or failing disk, or a file system that drops writes (a network mount); "
                  + "check the storage folder "
                  + root
                  + ".",
              key,
              null,
              true);
        }
      }
      if (options.length().isPresent() && options.length().getAsLong() != in.count()) {
        throw new StorageException(
            "The body of '"
                + key
                + "' had "
                + in.count()
                + " bytes, not the announced "
                + options.length().getAsLong()
                + "; nothing was stored.",
            key,
            null,
            false);
      }
      publish(temp, target, key, options.overwrite());
      syncDirectory(target.getParent());
      return StoredObject.builder()
          .key(key)
          .url(publicUrl(key))
          .contentType(options.contentType())
          .bytes(in.count())
          .sha256(in.sha256())
          .build();
    } catch (IOException e) {
      throw new StorageException(
          "Writing '" + key + "' to " + root + " failed: " + e.getMessage(), key, e, true);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // the temp file has a name no reader uses; a later write of the folder is unaffected
        }
      }
    }
  }

  private static void publish(Path temp, Path target, String key, boolean overwrite)
      throws IOException {
    if (overwrite) {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try {
      // A hard link fails if the target exists: the atomic "create if absent" of file systems.
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      throw new ObjectExistsException(key);
    } catch (UnsupportedOperationException | IOException noLinks) {
      if (noLinks instanceof FileAlreadyExistsException) {
        throw noLinks;
      }
      // File systems without hard links: a move that refuses to replace (not atomic against a
      // concurrent writer of the same key, but never overwrites what is already there).
      try {
        Files.move(temp, target);
      } catch (FileAlreadyExistsException e) {
        throw new ObjectExistsException(key);
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // not every platform can sync a directory; the file itself is already on disk
    }
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(path(key));
  }

  @Override
  public InputStream open(String key) {
    try {
      return Files.newInputStream(path(key));
    } catch (NoSuchFileException e) {
      throw new StorageException("No object at key '" + key + "' in " + root + ".", key, e, false);
    } catch (IOException e) {
      throw new StorageException("Reading '" + key + "' failed: " + e.getMessage(), key, e, true);
    }
  }

  @Override
  public boolean delete(String key) {
    try {
      return Files.deleteIfExists(path(key));
    } catch (IOException e) {
      throw new StorageException("Deleting '" + key + "' failed: " + e.getMessage(), key, e, true);
    }
  }

  @Override
  public String publicUrl(String key) {
    return publicBaseUrl + UrlPaths.encode(ObjectKeys.validate(key));
  }

  @Override
  public String signedUrl(String key, Duration lifetime) {
    throw new StorageException(
        "A local folder cannot sign URLs; serve it (the sample server's /files/) or use S3 or Supabase storage.",
        key,
        null,
        false);
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "FolderImageStore{root=" + root + ", publicBaseUrl=" + publicBaseUrl + '}';
  }
}
