package io.renderlab.spring.internal;

import io.renderlab.core.Generation;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.JsonValue;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.WebhookVerifier;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replicate's webhook deliveries: verified with {@link WebhookVerifier} (Standard Webhooks
 * signature, timestamp tolerance), then handed to {@link Generations#complete}, which ends the
 * generation in whichever instance started it. Served at {@code renderlab.webhook.path}. Not public
 * API.
 */
@RestController
public final class WebhookEndpoint {
  /** A prediction's JSON is small; anything larger is not Replicate's. */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private final Generations generations;
  private final Supplier<WebhookVerifier> verifier;

  /** {@code verifier} is asked on every delivery (it may be read lazily once). */
  public WebhookEndpoint(Generations generations, Supplier<WebhookVerifier> verifier) {
    this.generations = generations;
    this.verifier = verifier;
  }

  /**
   * The endpoint with {@code secret} ({@code renderlab.replicate.webhook-secret}) or, when it is
   * null or blank, with the account's secret read from Replicate on the first delivery.
   */
  public static WebhookEndpoint of(
      Generations generations, ReplicateClient replicate, String secret) {
    if (secret != null && !secret.isBlank()) {
      WebhookVerifier v = WebhookVerifier.of(secret.strip());
      return new WebhookEndpoint(generations, () -> v);
    }
    return new WebhookEndpoint(generations, new FetchedOnce(replicate));
  }

  /** Receives one delivery. */
  @PostMapping(
      path = "${renderlab.webhook.path:/renderlab/webhooks/replicate}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> receive(HttpServletRequest request)
      throws IOException {
    byte[] body;
    try (InputStream in = request.getInputStream()) {
      body = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (body.length > MAX_BODY_BYTES) {
      return error(HttpStatus.PAYLOAD_TOO_LARGE, "webhook body over " + MAX_BODY_BYTES + " bytes");
    }
    try {
      verifier
          .get()
          .verify(
              request.getHeader("webhook-id"),
              request.getHeader("webhook-timestamp"),
              request.getHeader("webhook-signature"),
              body);
    } catch (WebhookVerifier.InvalidWebhookException e) {
      return error(HttpStatus.UNAUTHORIZED, "invalid webhook: " + e.getMessage());
    }
    JsonValue json;
    try {
      json = JsonValue.parse(new String(body, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return error(HttpStatus.BAD_REQUEST, "malformed webhook body");
    }
    if (!isText(json, "id") || !isText(json, "status")) {
      return error(HttpStatus.BAD_REQUEST, "webhook body must be a prediction with id and status");
    }
    Prediction prediction = Prediction.of(json);
    Optional<Generation> generation = generations.complete(prediction);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("received", true);
    out.put("predictionId", prediction.id());
    generation.ifPresent(
        g -> {
          out.put("generationId", g.id().toString());
          out.put("status", g.status().name().toLowerCase(java.util.Locale.ROOT));
        });
    return ResponseEntity.ok(out);
  }

  private static boolean isText(JsonValue json, String field) {
    return json.get(field).map(v -> v.kind() == JsonValue.Kind.STRING).orElse(false);
  }

  private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
    return ResponseEntity.status(status).body(Map.of("error", message));
  }

  /** The account's secret, read from Replicate on first use (a failed read is tried again). */
  private static final class FetchedOnce implements Supplier<WebhookVerifier> {
    private final ReplicateClient replicate;
    private volatile WebhookVerifier verifier;

    FetchedOnce(ReplicateClient replicate) {
      this.replicate = replicate;
    }

    @Override
    public WebhookVerifier get() {
      WebhookVerifier v = verifier;
      if (v == null) {
        synchronized (this) {
          v = verifier;
          if (v == null) {
            v = WebhookVerifier.of(replicate.webhookSigningSecret());
            verifier = v;
          }
        }
      }
      return v;
    }
  }
}
