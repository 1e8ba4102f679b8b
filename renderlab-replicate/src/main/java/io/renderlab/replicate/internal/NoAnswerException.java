package io.renderlab.replicate.internal;

import io.renderlab.core.UpstreamException;

/**
 * A create got no usable answer; the predictions API turns this into a {@link
 * io.renderlab.replicate.PredictionOutcomeUnknownException} naming the request.
 */
public final class NoAnswerException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param status the HTTP status when one came, or 0
   * @param cause what went wrong
   */
  public NoAnswerException(int status, Throwable cause) {
    super("No usable answer to a create (HTTP " + status + ")", status, cause, false);
  }
}
