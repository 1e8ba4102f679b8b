package io.renderlab.replicate;

import io.renderlab.core.UpstreamException;

/**
 * A create request was sent but no answer came back (connection dropped, 5xx). The prediction may
 * or may not exist. The client does not re-send it, because that could start a second paid
 * prediction: list recent predictions ({@code predictions().list()}) or check the dashboard before
 * trying again.
 */
public final class PredictionOutcomeUnknownException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param target what was being created, {@code "model owner/name"}
   * @param status the HTTP status when one came (5xx), or 0
   * @param cause the underlying failure
   */
  public PredictionOutcomeUnknownException(String target, int status, Throwable cause) {
    super(
        "Creating a prediction of " + target + " got no usable answer" + (status == 0 ? "" : " (HTTP " + status + ")")
            + "; it may have started. It was not re-sent, to avoid paying twice: check predictions().list() "
            + "(or replicate.com/predictions) before retrying.",
        status,
        cause,
        false);
  }
}
