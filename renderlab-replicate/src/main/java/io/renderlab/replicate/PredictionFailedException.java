package io.renderlab.replicate;

import io.renderlab.core.UpstreamException;

/** A prediction ended failed, canceled or aborted. Not retryable as is; its logs' tail is in the message. */
public final class PredictionFailedException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final transient Prediction prediction;

  PredictionFailedException(Prediction prediction) {
    super(message(prediction), 0, null, false);
    this.prediction = prediction;
  }

  private static String message(Prediction p) {
    String tail = p.logsTail(5);
    return "Prediction " + p.id() + " " + p.status()
        + p.error().map(e -> ": " + e).orElse("")
        + (tail.isEmpty() ? "" : " (last log lines: " + tail.replace('\n', ' ') + ")")
        + ". Nothing was stored.";
  }

  /** The prediction as it ended. */
  public Prediction prediction() {
    return prediction;
  }

  /** Its id. */
  public String predictionId() {
    return prediction.id();
  }
}
