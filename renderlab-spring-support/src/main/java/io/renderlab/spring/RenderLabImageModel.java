package io.renderlab.spring;

import io.renderlab.core.ImageRecord;
import io.renderlab.core.InputRejectedException;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.ai.image.Image;
import org.springframework.ai.image.ImageGeneration;
import org.springframework.ai.image.ImageGenerationMetadata;
import org.springframework.ai.image.ImageMessage;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImageOptions;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.ImageResponse;

/**
 * Spring AI's {@link ImageModel} on Replicate, through a durable generation: the answer's URLs are
 * the permanent ones of the stored images (not Replicate's expiring outputs), each image is
 * recorded in the catalog (history, lineage) and gets its thumbnail, and a prediction paid for ends
 * as records even if this instance stops while it runs. Registered by the starter when Spring AI is
 * on the class path; thread-safe.
 *
 * <pre>{@code
 * ImageResponse r = imageModel.call(new ImagePrompt("a lighthouse at dusk"));
 * String permanentUrl = r.getResult().getOutput().getUrl();
 * }</pre>
 *
 * <p>Options: {@code model} picks the Replicate model (else the default); {@code n} is sent as
 * {@code num_outputs}, {@code width} and {@code height} as themselves (models that do not take them
 * refuse the request with a message naming the field); {@code responseFormat} {@code b64_json} is
 * not offered: the point is the permanent URL.
 */
public final class RenderLabImageModel implements ImageModel {
  private final Generations generations;
  private final String defaultModel;
  private final String userId;

  private RenderLabImageModel(Generations generations, String defaultModel, String userId) {
    this.generations = generations;
    this.defaultModel = defaultModel;
    this.userId = userId;
  }

  /**
   * A model that runs generations with {@code generations}, on {@code defaultModel} unless the
   * options name another, recording the images for {@code userId}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code defaultModel} or {@code userId} is blank
   */
  public static RenderLabImageModel of(
      Generations generations, String defaultModel, String userId) {
    Objects.requireNonNull(generations, "generations");
    if (Objects.requireNonNull(defaultModel, "defaultModel").isBlank()) {
      throw new IllegalArgumentException("defaultModel must name a Replicate model (owner/name)");
    }
    if (Objects.requireNonNull(userId, "userId").isBlank()) {
      throw new IllegalArgumentException("userId must not be blank");
    }
    return new RenderLabImageModel(generations, defaultModel.strip(), userId.strip());
  }

  /**
   * Runs one durable generation and answers with its stored images.
   *
   * @throws InputRejectedException if the prompt has no text or asks for base64 images
   * @throws io.renderlab.core.RenderLabException as {@link Generations#run} does
   */
  @Override
  public ImageResponse call(ImagePrompt request) {
    Objects.requireNonNull(request, "request");
    String prompt =
        request.getInstructions().stream()
            .map(ImageMessage::getText)
            .filter(t -> t != null && !t.isBlank())
            .collect(Collectors.joining("\n"));
    if (prompt.isBlank()) {
      throw new InputRejectedException("The image prompt has no text: give at least one message.");
    }
    ImageOptions options = request.getOptions();
    String model = defaultModel;
    PredictionRequest.Builder prediction;
    if (options != null && options.getModel() != null && !options.getModel().isBlank()) {
      model = options.getModel().strip();
    }
    prediction = PredictionRequest.model(model).put("prompt", prompt);
    if (options != null) {
      if ("b64_json".equals(options.getResponseFormat())) {
        throw new InputRejectedException(
            "responseFormat b64_json is not offered: RenderLab answers with the stored images'"
                + " permanent URLs. Leave responseFormat unset or url.");
      }
      if (options.getN() != null) {
        prediction.put("num_outputs", options.getN());
      }
      if (options.getWidth() != null) {
        prediction.put("width", options.getWidth());
      }
      if (options.getHeight() != null) {
        prediction.put("height", options.getHeight());
      }
    }
    List<ImageRecord> records =
        generations.run(
            GenerationRequest.builder()
                .userId(userId)
                .prompt(prompt)
                .prediction(prediction.build())
                .build());
    return new ImageResponse(
        records.stream()
            .map(
                r ->
                    new ImageGeneration(
                        new Image(r.url(), null), new Metadata(r.id(), r.storageKey())))
            .toList());
  }

  @Override
  public String toString() {
    return "RenderLabImageModel{model=" + defaultModel + ", userId=" + userId + '}';
  }

  /**
   * What an answer's image is in RenderLab: its record's id (for history, lineage and the
   * thumbnail) and its key in the store.
   *
   * @param imageId the image record's id
   * @param storageKey the stored object's key
   */
  public record Metadata(UUID imageId, String storageKey) implements ImageGenerationMetadata {}
}
