package io.renderlab.pipeline;

import io.renderlab.core.ImageRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Text-to-image (no reference images) or image-to-image (reference image URLs, passed to the model
 * as URLs, never downloaded and re-sent).
 *
 * @param userId the owner of the result
 * @param prompt the prompt
 * @param model the model, {@code owner/name}; the pipeline's default when empty
 * @param referenceUrls reference images, as URLs the model can fetch
 * @param timeout how long to wait for the prediction; the pipeline's default when empty
 */
public record GenerateRequest(
    String userId,
    String prompt,
    Optional<String> model,
    List<String> referenceUrls,
    Optional<Duration> timeout) {
  /** Validates the fields. */
  public GenerateRequest {
    Pipelines.requireText(userId, "userId", ImageRecord.MAX_ID_LENGTH, true);
    Pipelines.requireText(prompt, "prompt", ImageRecord.MAX_PROMPT_LENGTH, false);
    Objects.requireNonNull(model, "model")
        .ifPresent(m -> Pipelines.requireText(m, "model", ImageRecord.MAX_ID_LENGTH, true));
    referenceUrls = List.copyOf(Objects.requireNonNull(referenceUrls, "referenceUrls"));
    for (String url : referenceUrls) {
      Pipelines.requireHttpUrl(url, "referenceUrls");
    }
    Objects.requireNonNull(timeout, "timeout")
        .ifPresent(t -> Pipelines.requirePositive(t, "timeout"));
  }

  /**
   * Text-to-image with the pipeline's default model: {@code google/nano-banana} ({@value
   * RenderLabPipeline#DEFAULT_MODEL}) unless the pipeline was built with another {@link
   * RenderLabPipeline.Builder#defaultModel(String) defaultModel}. Choose one with {@link
   * #withModel(String)}.
   *
   * @param userId the owner of the result
   * @param prompt the prompt
   * @return the request
   */
  public static GenerateRequest of(String userId, String prompt) {
    return new GenerateRequest(userId, prompt, Optional.empty(), List.of(), Optional.empty());
  }

  /** This request with another model. */
  public GenerateRequest withModel(String model) {
    return new GenerateRequest(userId, prompt, Optional.of(model), referenceUrls, timeout);
  }

  /** This request with reference images (image-to-image). */
  public GenerateRequest withReferenceUrls(List<String> urls) {
    return new GenerateRequest(userId, prompt, model, urls, timeout);
  }

  /** This request with another timeout. */
  public GenerateRequest withTimeout(Duration timeout) {
    return new GenerateRequest(userId, prompt, model, referenceUrls, Optional.of(timeout));
  }
}
