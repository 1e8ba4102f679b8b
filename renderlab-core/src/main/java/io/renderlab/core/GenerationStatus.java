package io.renderlab.core;

import java.util.Locale;

/**
 * Where a {@link Generation} is. It moves forward only: {@code PENDING} (row written, the create
 * not answered yet) → {@code RUNNING} (the prediction id is saved) → {@code INGESTING} (outputs
 * being copied) → one of the terminal states. Serialised lower case ({@link #wireName()}).
 */
public enum GenerationStatus {
  /** Written before the prediction is created; no prediction id yet. */
  PENDING(false),
  /** Replicate answered the create; the prediction id is saved. */
  RUNNING(false),
  /** The prediction succeeded; its outputs are being stored and recorded. */
  INGESTING(false),
  /** Every output is stored and recorded (with its thumbnail job). */
  SUCCEEDED(true),
  /** The prediction failed, or its create was refused or lost; nothing was recorded. */
  FAILED(true),
  /** The prediction was canceled (or timed out and was canceled); nothing was recorded. */
  CANCELED(true),
  /** The prediction succeeded but Replicate deleted its outputs before they were stored. */
  EXPIRED(true);

  private final boolean terminal;

  GenerationStatus(boolean terminal) {
    this.terminal = terminal;
  }

  /** Whether the generation has ended (succeeded, failed, canceled or expired). */
  public boolean isTerminal() {
    return terminal;
  }

  /** The lower-case name used in JSON and on the command line ({@code "succeeded"}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a status name, any case.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static GenerationStatus parse(String name) {
    if (name != null) {
      for (GenerationStatus s : values()) {
        if (s.name().equalsIgnoreCase(name.strip())) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException(
        "status must be one of pending, running, ingesting, succeeded, failed, canceled, expired; was '"
            + name
            + "'");
  }
}
