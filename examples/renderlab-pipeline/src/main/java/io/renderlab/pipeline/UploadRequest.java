package io.renderlab.pipeline;

import io.renderlab.core.ImageKind;
import io.renderlab.core.ImageRecord;
import java.util.Objects;
import java.util.Optional;

/**
 * A direct upload (the web app's multipart route): a file or stream stored, recorded and
 * thumbnailed. An image edited elsewhere (a canvas in the browser) can be recorded as {@link
 * ImageKind#EDITED} with the image it came from, so lineage works for it too.
 *
 * @param userId the owner
 * @param name display name (a file name)
 * @param kind {@link ImageKind#UPLOADED} or {@link ImageKind#EDITED}
 * @param referenceUrl the image it was made from, when any
 * @param prompt a prompt or note, when any
 */
public record UploadRequest(
    String userId,
    String name,
    ImageKind kind,
    Optional<String> referenceUrl,
    Optional<String> prompt) {
  /** Validates the fields. */
  public UploadRequest {
    Pipelines.requireText(userId, "userId", ImageRecord.MAX_ID_LENGTH, true);
    Pipelines.requireText(name, "name", ImageRecord.MAX_NAME_LENGTH, true);
    Objects.requireNonNull(kind, "kind");
    if (kind == ImageKind.GENERATED) {
      throw new IllegalArgumentException("kind of an upload must be UPLOADED or EDITED");
    }
    Objects.requireNonNull(referenceUrl, "referenceUrl")
        .ifPresent(
            u -> Pipelines.requireAbsoluteUrl(u, "referenceUrl", ImageRecord.MAX_URL_LENGTH));
    Objects.requireNonNull(prompt, "prompt")
        .ifPresent(p -> Pipelines.requireText(p, "prompt", ImageRecord.MAX_PROMPT_LENGTH, false));
  }

  /** A plain upload. */
  public static UploadRequest of(String userId, String name) {
    return new UploadRequest(userId, name, ImageKind.UPLOADED, Optional.empty(), Optional.empty());
  }

  /** This upload recorded as an edit of {@code referenceUrl}. */
  public UploadRequest asEditOf(String referenceUrl, String prompt) {
    return new UploadRequest(
        userId, name, ImageKind.EDITED, Optional.of(referenceUrl), Optional.ofNullable(prompt));
  }
}
