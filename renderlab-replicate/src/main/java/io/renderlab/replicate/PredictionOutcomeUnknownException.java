package io.renderlab.replicate;

import io.renderlab.core.UpstreamException;
import java.time.Instant;
import java.util.Objects;

/**
 * A create was sent but no usable answer came back (the connection dropped, the request timed out,
 * a gateway answered 5xx): the prediction may or may not exist. The client never re-sends a create,
 * because that could start a second paid prediction. {@link Predictions#run} first looks for it
 * ({@link Predictions#findLost}) and carries on waiting if it finds it; this exception means it was
 * not found (or {@link Predictions#create} was used, which does not look). Check {@code
 * predictions().list()} or replicate.com/predictions before trying again.
 */
public final class PredictionOutcomeUnknownException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  private final transient PredictionRequest request;
  private final Instant sentAt;

  /**
   * Creates an exception.
   *
   * @param request the create that was sent
   * @param sentAt when it was sent (by the client's clock)
   * @param status the HTTP status when one came (5xx), or 0
   * @param cause the underlying failure
   */
  public PredictionOutcomeUnknownException(
      PredictionRequest request, Instant sentAt, int status, Throwable cause) {
    super(
        "Creating a prediction of "
            + Objects.requireNonNull(request, "request")
                .kind()
                .name()
                .toLowerCase(java.util.Locale.ROOT)
            + " "
            + request.target()
            + " got no usable answer"
            + (status == 0 ? "" : " (HTTP " + status + ")")
            + "; it may have started. It was not re-sent, to avoid paying twice: check predictions().list() "
            + "(or replicate.com/predictions) before retrying.",
        status,
        cause,
        false);
    this.request = request;
    this.sentAt = Objects.requireNonNull(sentAt, "sentAt");
  }

  /** The create that was sent. */
  public PredictionRequest request() {
    return request;
  }

  /** When it was sent, by the client's clock; a prediction it started was created around then. */
  public Instant sentAt() {
    return sentAt;
  }
}
