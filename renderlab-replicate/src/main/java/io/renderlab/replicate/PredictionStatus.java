package io.renderlab.replicate;

import java.util.Locale;

/**
 * The states of a prediction. Statuses this client does not know map to {@link #UNKNOWN} and keep
 * the wait going.
 */
public enum PredictionStatus {
  /** Queued or booting. */
  STARTING(false),
  /** Running. */
  PROCESSING(false),
  /** Ended with output. */
  SUCCEEDED(true),
  /** Ended with an error. */
  FAILED(true),
  /** Ended by a cancel request. */
  CANCELED(true),
  /**
   * Ended by Replicate before it started, because its {@code Cancel-After} deadline passed (not
   * charged for public models).
   */
  ABORTED(true),
  /** A status this client does not know; not terminal. */
  UNKNOWN(false);

  private final boolean terminal;

  PredictionStatus(boolean terminal) {
    this.terminal = terminal;
  }

  /** Whether the prediction has ended. */
  public boolean isTerminal() {
    return terminal;
  }

  /** Parses Replicate's lower-case status. */
  public static PredictionStatus parse(String status) {
    if (status == null) {
      return UNKNOWN;
    }
    switch (status.toLowerCase(Locale.ROOT)) {
      case "starting":
        return STARTING;
      case "processing":
        return PROCESSING;
      case "succeeded":
        return SUCCEEDED;
      case "failed":
        return FAILED;
      case "canceled":
      case "cancelled":
        return CANCELED;
      case "aborted":
        return ABORTED;
      default:
        return UNKNOWN;
    }
  }
}
