package io.renderlab.pipeline;

import io.renderlab.core.ImageRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Inpainting: an image URL, a mask (a URL or a local file), a prompt, and optionally the base image
 * the edit descends from (for lineage; the edited image itself when absent).
 *
 * @param userId the owner of the result
 * @param imageUrl the image to edit, as a URL the model can fetch
 * @param mask where the mask comes from
 * @param prompt what to paint into the masked area
 * @param baseUrl the original image this edit descends from, when it is not {@code imageUrl}
 * @param model the model; the pipeline's default when empty
 * @param timeout how long to wait for the prediction; the pipeline's default when empty
 */
public record EditRequest(
    String userId,
    String imageUrl,
    Mask mask,
    String prompt,
    Optional<String> baseUrl,
    Optional<String> model,
    Optional<Duration> timeout) {

  /**
   * The mask: a URL (fetched under the fetch policy) or a local file. Either way it is stored once
   * per content.
   */
  public sealed interface Mask permits Mask.Url, Mask.File {
    /** A mask at a URL. */
    record Url(String url) implements Mask {
      /** Validates the URL. */
      public Url {
        Pipelines.requireAbsoluteUrl(url, "mask", ImageRecord.MAX_URL_LENGTH);
      }
    }

    /** A mask in a local file. */
    record File(Path path) implements Mask {
      /** Validates the path. */
      public File {
        Objects.requireNonNull(path, "mask");
      }
    }

    /**
     * A mask from a URL ({@code http(s):}, {@code data:}) or, for anything else, a local file path.
     */
    static Mask parse(String urlOrPath) {
      Objects.requireNonNull(urlOrPath, "mask");
      String lower = urlOrPath.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("http://")
          || lower.startsWith("https://")
          || lower.startsWith("data:")) {
        return new Url(urlOrPath);
      }
      return new File(Path.of(urlOrPath));
    }
  }

  /** Validates the fields. */
  public EditRequest {
    Pipelines.requireText(userId, "userId", ImageRecord.MAX_ID_LENGTH, true);
    Pipelines.requireHttpUrl(imageUrl, "imageUrl");
    Objects.requireNonNull(mask, "mask");
    Pipelines.requireText(prompt, "prompt", ImageRecord.MAX_PROMPT_LENGTH, false);
    Objects.requireNonNull(baseUrl, "baseUrl")
        .ifPresent(u -> Pipelines.requireAbsoluteUrl(u, "baseUrl", ImageRecord.MAX_URL_LENGTH));
    Objects.requireNonNull(model, "model")
        .ifPresent(m -> Pipelines.requireText(m, "model", ImageRecord.MAX_ID_LENGTH, true));
    Objects.requireNonNull(timeout, "timeout")
        .ifPresent(t -> Pipelines.requirePositive(t, "timeout"));
  }

  /** An edit with the default model and no separate base image. */
  public static EditRequest of(String userId, String imageUrl, Mask mask, String prompt) {
    return new EditRequest(
        userId, imageUrl, mask, prompt, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** This request with the base image it descends from. */
  public EditRequest withBaseUrl(String baseUrl) {
    return new EditRequest(userId, imageUrl, mask, prompt, Optional.of(baseUrl), model, timeout);
  }

  /** This request with another model. */
  public EditRequest withModel(String model) {
    return new EditRequest(userId, imageUrl, mask, prompt, baseUrl, Optional.of(model), timeout);
  }

  /** This request with another timeout. */
  public EditRequest withTimeout(Duration timeout) {
    return new EditRequest(userId, imageUrl, mask, prompt, baseUrl, model, Optional.of(timeout));
  }
}
