/**
 * A client of Replicate's HTTP API: {@link io.renderlab.replicate.ReplicateClient} and what it
 * takes and returns.
 *
 * <p><b>JSON.</b> No Jackson type is in this API (Jackson is how the client reads JSON, not part of
 * its contract): JSON values are {@link io.renderlab.replicate.JsonValue}s, with {@link
 * io.renderlab.replicate.JsonValue#rawJson()} as the escape hatch to any JSON library.
 *
 * <p><b>Serialisation.</b> A {@link io.renderlab.replicate.Prediction} and a {@link
 * io.renderlab.replicate.JsonValue} serialise with a plain Jackson {@code ObjectMapper} as the JSON
 * they hold. The other types ({@code PredictionRequest}, {@code InputSchema}, {@code InputField},
 * {@code ReplicateFile}) are not Jackson beans and do not: write the fields you publish yourself.
 */
package io.renderlab.replicate;
