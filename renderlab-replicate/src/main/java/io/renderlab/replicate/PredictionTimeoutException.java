package io.renderlab.replicate;

import io.renderlab.core.DeadlineExceededException;
import java.time.Duration;

/** A prediction did not end before the caller's deadline; says whether it was canceled. */
public final class PredictionTimeoutException extends DeadlineExceededException {
  private static final long serialVersionUID = 1L;

  private final String predictionId;
  private final boolean canceled;

  /**
   * Creates an exception.
   *
   * @param predictionId the prediction
   * @param limit how long the caller waited
   * @param canceled whether the prediction was canceled at the deadline
   */
  public PredictionTimeoutException(String predictionId, Duration limit, boolean canceled) {
    super(
        "Prediction "
            + predictionId
            + " did not finish within "
            + limit.toSeconds()
            + " s"
            + (canceled
                ? "; it was canceled so it stops costing money."
                : "; it is still running on Replicate."),
        limit,
        null);
    this.predictionId = predictionId;
    this.canceled = canceled;
  }

  /** The prediction's id. */
  public String predictionId() {
    return predictionId;
  }

  /** Whether the client canceled it on the deadline. */
  public boolean canceled() {
    return canceled;
  }
}
