package io.renderlab.replicate;

import io.renderlab.core.InputRejectedException;
import java.util.List;
import java.util.Objects;

/**
 * A create was refused before anything was sent (so nothing was paid): its input does not fit the
 * model's input schema. It holds a field the model does not declare, misses a required one, has a
 * value of the wrong JSON type, or a value outside the field's allowed values. Cog would silently
 * drop an undeclared field and the prediction would run (and be charged) without it.
 *
 * <p>Carries the model, the problems and the fields the model takes. Never retryable. Turn the
 * check off with {@link ReplicateClient.Builder#validateInputs(boolean)}.
 */
public final class ModelInputRejectedException extends InputRejectedException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final List<String> problems;
  private final List<String> fields;

  /**
   * Creates an exception.
   *
   * @param model the model ({@code owner/name}, with {@code :version} when one was named)
   * @param problems what is wrong, one line per field ({@code "mask: the model has no such input"})
   * @param fields the names of the inputs the model takes
   * @param takes the inputs the model takes, described for the message
   */
  public ModelInputRejectedException(
      String model, List<String> problems, List<String> fields, String takes) {
    super(
        "Refusing to create a prediction of "
            + Objects.requireNonNull(model, "model")
            + ": its input does not fit the model's schema ("
            + String.join("; ", problems)
            + "). "
            + model
            + " takes: "
            + takes
            + ". Nothing was sent, so nothing was charged. Rename or drop the fields; if the schema"
            + " is wrong, turn the check off with ReplicateClient.builder().validateInputs(false).");
    this.model = model;
    this.problems = List.copyOf(problems);
    this.fields = List.copyOf(fields);
  }

  /** The model, {@code owner/name} (with {@code :version} when one was named). */
  public String model() {
    return model;
  }

  /** What is wrong, one line per field. */
  public List<String> problems() {
    return problems;
  }

  /** The names of the inputs the model takes, in the model's order. */
  public List<String> fields() {
    return fields;
  }
}
