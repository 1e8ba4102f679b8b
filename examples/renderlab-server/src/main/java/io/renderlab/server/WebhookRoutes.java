package io.renderlab.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.renderlab.core.RenderLabException;
import io.renderlab.replicate.JsonValue;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/webhooks/replicate}: a Replicate delivery read through {@link WebhookIntake},
 * verified with the configured signing secret (or the one fetched from Replicate at the first
 * delivery), and handed to {@link AsyncGenerations} to complete its generation. Thread-safe.
 */
final class WebhookRoutes {
  // The server's log category, as before the routes left RenderLabServer.
  private static final Logger LOG = LoggerFactory.getLogger(RenderLabServer.class);

  private final RenderLabServer.Builder config;
  private final AsyncGenerations async;
  private final Object secretLock = new Object();
  private volatile WebhookVerifier webhooks;

  WebhookRoutes(RenderLabServer.Builder config, AsyncGenerations async) {
    this.config = config;
    this.async = async;
    this.webhooks = config.webhookSecret == null ? null : WebhookVerifier.of(config.webhookSecret);
  }

  void webhook(Context ctx) {
    WebhookVerifier verifier = webhookVerifier();
    byte[] body = WebhookIntake.read(ctx, config.clock, RenderLabServer.MAX_JSON_BYTES);
    try {
      verifier.verify(
          ctx.header("webhook-id"),
          ctx.header("webhook-timestamp"),
          ctx.header("webhook-signature"),
          body);
    } catch (WebhookVerifier.InvalidWebhookException e) {
      throw new ApiError(401, "invalid webhook: " + e.getMessage());
    }
    JsonValue json;
    try {
      json = JsonValue.parse(new String(body, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("malformed webhook body");
    }
    if (!isText(json, "id") || !isText(json, "status")) {
      throw ApiError.badRequest("webhook body must be a prediction with 'id' and 'status'");
    }
    Prediction prediction = Prediction.of(json);
    String id = prediction.id();
    Optional<ObjectNode> durable =
        config.pipeline == null ? Optional.empty() : async.deliver(prediction);
    if (durable.isPresent()) {
      ctx.json(durable.get()); // a generation row: completed here, whichever instance started it
      return;
    }
    // No generation has this prediction: nothing of ours to complete (every prediction this server
    // creates has its row before the create is sent).
    boolean recorded = !config.catalog.findByPrediction(id).isEmpty();
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.put("received", true);
    out.put("predictionId", id);
    out.put("outcome", recorded ? "duplicate" : "unknown");
    out.put("alreadyRecorded", recorded);
    ctx.json(out);
  }

  private static boolean isText(JsonValue json, String field) {
    return json.get(field).map(v -> v.kind() == JsonValue.Kind.STRING).orElse(false);
  }

  /**
   * The webhook verifier: from the configured secret, or the secret fetched once from Replicate.
   */
  private WebhookVerifier webhookVerifier() {
    WebhookVerifier v = webhooks;
    if (v != null) {
      return v;
    }
    if (config.webhookSecretSource == null) {
      // A route this server does not serve: 404, not a server fault.
      throw new ApiError(
          404,
          "webhooks are not enabled on this server: set REPLICATE_WEBHOOK_SECRET or"
              + " REPLICATE_API_TOKEN");
    }
    synchronized (secretLock) {
      if (webhooks == null) {
        String secret;
        try {
          secret = config.webhookSecretSource.get();
        } catch (RenderLabException e) {
          // Not remembered: the next delivery (Replicate retries) tries again.
          LOG.warn("Could not fetch the webhook signing secret from Replicate: {}", e.getMessage());
          throw new ApiError(
              503,
              "the webhook signing secret is not available yet; retry later",
              Duration.ofSeconds(30));
        }
        webhooks = WebhookVerifier.of(secret);
      }
      return webhooks;
    }
  }
}
