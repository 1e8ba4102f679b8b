package io.renderlab.replicate;

import io.renderlab.core.UpstreamException;

/**
 * A prediction ended failed, canceled or aborted. Not retryable as is; its logs' tail is in the
 * message.
 */
public final class PredictionFailedException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final transient Prediction prediction;

  /** Creates an exception for a prediction that ended without success. */
  public PredictionFailedException(Prediction prediction) {
    super(message(java.util.Objects.requireNonNull(prediction, "prediction")), 0, null, false);
    this.prediction = prediction;
  }

  private static String message(Prediction p) {
    String tail = p.logsTail(5);
    return "Prediction "
        + p.id()
        + " "
        + p.rawStatus()
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

  /** Its {@code error}, when Replicate gave one. */
  public java.util.Optional<String> error() {
    return prediction.error();
  }

  /** The last {@code lines} lines of its logs. */
  public String logsTail(int lines) {
    return prediction.logsTail(lines);
  }
}
