package io.renderlab.generations.internal;

import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.MediaType;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.PutOptions;
import io.renderlab.core.Redaction;
import io.renderlab.core.RemoteFetchRefusedException;
import io.renderlab.core.RenderLabException;
import io.renderlab.core.StorageException;
import io.renderlab.core.StoredObject;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.storage.Ingestor;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A generation's objects in the store: each output under its own name, the composite of an edit by
 * a model without a mask input, and the clean-up of what a dead attempt left (objects nothing
 * records, unfinished multipart uploads). The engine decides when; this class does the storing. Not
 * public API.
 */
final class OutputObjects {
  private static final Logger LOG = LoggerFactory.getLogger(OutputObjects.class);

  /** Replicate's file-delivery domain: its outputs are served from it and its subdomains. */
  static final String DELIVERY_DOMAIN = "replicate.delivery";

  private final Ingestor ingestor;
  private final EventListener events;
  private final Supplier<URI> provider;

  /**
   * @param provider the Replicate API's base URL: an output on its origin (a proxy, a test server)
   *     is the provider's too
   */
  OutputObjects(Ingestor ingestor, EventListener events, Supplier<URI> provider) {
    this.ingestor = ingestor;
    this.events = events;
    this.provider = provider;
  }

  /**
   * Whether an output URL is the provider's delivery: {@code https} on {@value #DELIVERY_DOMAIN} or
   * a subdomain, the Replicate API's own origin, or a {@code data:} URL (nothing is fetched). Only
   * those are fetched with the ingestor's fetcher and its {@code allowHost} exemptions: a model's
   * output is whatever the model printed, and a text model prints what its user asks for, such as
   * the URL of an internal service the exemptions reach (issue 22).
   */
  boolean isDelivery(String url) {
    String trimmed = url.strip();
    if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
      return true;
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (uri.getRawUserInfo() != null || host.isEmpty()) {
      return false;
    }
    if (scheme.equals("https")
        && (host.equals(DELIVERY_DOMAIN) || host.endsWith("." + DELIVERY_DOMAIN))
        && (uri.getPort() == -1 || uri.getPort() == 443)) {
      return true;
    }
    URI base;
    try {
      base = provider.get();
    } catch (RuntimeException e) {
      return false; // no Replicate configured: nothing is the provider's
    }
    return base != null
        && scheme.equals(String.valueOf(base.getScheme()).toLowerCase(Locale.ROOT))
        && host.equals(String.valueOf(base.getHost()).toLowerCase(Locale.ROOT))
        && port(uri) == port(base);
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * Fetches an output that is not the provider's delivery under the strict policy (the ingestor's
   * user fetcher: no exemptions, opaque errors) and stores it under {@code name}. Whatever goes
   * wrong before the object is stored (a refused or unreachable host, an HTTP error, a body that is
   * not an image) is one refusal with one message, so the answers map nothing behind the server.
   */
  private StoredObject storeUntrusted(Generation g, String url, String name) {
    String redacted = Redaction.url(url);
    try (InputStream fetched = ingestor.openUserImage(url);
        BufferedInputStream in = new BufferedInputStream(fetched, 64 * 1024)) {
      in.mark(MediaType.SNIFF_LENGTH);
      byte[] head = in.readNBytes(MediaType.SNIFF_LENGTH);
      in.reset();
      MediaType type =
          MediaType.sniff(head, head.length)
              .orElseThrow(() -> new UnsupportedImageException("not an image"));
      return ingestor
          .store()
          .put(
              g.userId() + "/" + name + "." + type.extension(), in, PutOptions.of(type.mimeType()));
    } catch (StorageException e) {
      throw e; // ours, not the URL's (ObjectExistsException included)
    } catch (RenderLabException | IOException e) {
      LOG.debug("Refusing the output {} of generation {}: {}", redacted, g.id(), e.toString());
      throw new RemoteFetchRefusedException(
          RemoteFetchRefusedException.Reason.UNREACHABLE,
          redacted,
          "The model's output "
              + redacted
              + " is not an image this server can fetch: outputs are fetched only from public"
              + " http(s) URLs that answer with an image.");
    }
  }

  /**
   * After a takeover ({@code attempts > 0}): aborts the multipart uploads an earlier attempt that
   * died mid-upload left under this generation's names (billed until aborted).
   */
  void abortUnfinishedUploads(Generation g, String base) {
    if (g.attempts() == 0) {
      return;
    }
    try {
      int aborted = ingestor.store().abortIncompleteUploads(g.userId() + "/" + base);
      if (aborted > 0) {
        LOG.info("Aborted {} unfinished upload(s) of generation {}", aborted, g.id());
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not list the unfinished uploads of generation {}: {}", g.id(), e.getMessage());
    }
  }

  /**
   * Deletes what an earlier attempt of this generation stored and nothing records: objects at this
   * generation's output names, whatever their extension. Only after a takeover ({@code attempts >
   * 0}); a first attempt deletes what it stored itself.
   */
  void cleanLeftovers(Generation g, String base, int outputs) {
    if (g.attempts() == 0) {
      return;
    }
    for (int i = 0; i < outputs; i++) {
      List<String> keys = new ArrayList<>();
      for (MediaType type : MediaType.values()) {
        keys.add(g.userId() + "/" + base + "_" + i + "." + type.extension());
        if (g.compositeOutsideMask()) {
          keys.add(g.userId() + "/" + base + "_" + i + "_raw." + type.extension());
        }
      }
      for (String key : keys) {
        try {
          if (ingestor.store().delete(key)) {
            LOG.info("Deleted {}, left by an earlier attempt of generation {}", key, g.id());
          }
        } catch (RuntimeException e) {
          LOG.warn("Could not delete {} left by an earlier attempt: {}", key, e.getMessage());
        }
      }
    }
  }

  /**
   * Stores one output under its own name. An object already there was left by an earlier attempt of
   * this generation (this instance holds the claim and nothing records it): it is replaced.
   */
  StoredObject store(Generation g, String url, String name) {
    events.ingestStarted(g.userId() + "/" + name);
    long started = System.nanoTime();
    StoredObject object;
    try {
      boolean delivery = isDelivery(url);
      try {
        object =
            delivery ? ingestor.ingestNamed(url, g.userId(), name) : storeUntrusted(g, url, name);
      } catch (ObjectExistsException e) {
        String key = e.key().orElseThrow(() -> e);
        LOG.info("Replacing {} left by an earlier attempt of generation {}", key, g.id());
        ingestor.store().delete(key);
        object =
            delivery ? ingestor.ingestNamed(url, g.userId(), name) : storeUntrusted(g, url, name);
      }
    } catch (RuntimeException e) {
      events.ingestFailed(g.userId() + "/" + name, e);
      throw e;
    }
    events.ingestEnded(object.key(), object.bytes(), Duration.ofNanos(System.nanoTime() - started));
    return object;
  }

  /**
   * Puts the model's output (stored at {@code raw}) onto the image edited inside the mask and
   * stores the PNG under {@code name}: every pixel outside the mask stays the original's. The image
   * and the mask are read under the strict policy (or from the store, for its own objects).
   */
  StoredObject composite(Generation g, StoredObject raw, String name) {
    byte[] png;
    try (InputStream original = ingestor.openUserImage(g.imageUrl().orElseThrow());
        InputStream mask = ingestor.openUserImage(g.maskUrl().orElseThrow());
        InputStream output = ingestor.store().open(raw.key())) {
      png = MaskCompositor.composite(original, mask, output);
    } catch (IOException e) {
      throw new UnsupportedImageException(
          "Cannot composite the edit of generation " + g.id() + ": " + e.getMessage(), e);
    }
    String key = g.userId() + "/" + name + ".png";
    PutOptions options = PutOptions.of("image/png").withLength(png.length);
    try {
      return ingestor.store().put(key, new ByteArrayInputStream(png), options);
    } catch (ObjectExistsException e) {
      ingestor.store().delete(key); // left by an earlier attempt of this generation
      return ingestor.store().put(key, new ByteArrayInputStream(png), options);
    }
  }

  void deleteQuietly(List<StoredObject> objects) {
    for (StoredObject o : objects) {
      try {
        ingestor.store().delete(o.key());
      } catch (RuntimeException e) {
        LOG.warn("Could not delete {} after a failure; it is orphaned", o.key(), e);
      }
    }
  }
}
