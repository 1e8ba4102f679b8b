package io.renderlab.generations.internal;

import io.renderlab.core.EventListener;
import io.renderlab.core.Generation;
import io.renderlab.core.MediaType;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StoredObject;
import io.renderlab.core.UnsupportedImageException;
import io.renderlab.storage.Ingestor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  private final Ingestor ingestor;
  private final EventListener events;

  OutputObjects(Ingestor ingestor, EventListener events) {
    this.ingestor = ingestor;
    this.events = events;
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
      try {
        object = ingestor.ingestNamed(url, g.userId(), name);
      } catch (ObjectExistsException e) {
        String key = e.key().orElseThrow(() -> e);
        LOG.info("Replacing {} left by an earlier attempt of generation {}", key, g.id());
        ingestor.store().delete(key);
        object = ingestor.ingestNamed(url, g.userId(), name);
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
