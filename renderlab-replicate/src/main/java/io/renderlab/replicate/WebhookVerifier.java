package io.renderlab.replicate;

import io.renderlab.core.InputRejectedException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Replicate webhook deliveries: HMAC-SHA256 over {@code webhook-id.webhook-timestamp.body}
 * with the base64 key after {@code whsec_}, compared in constant time against every {@code v1,}
 * signature of the {@code webhook-signature} header, and a timestamp within the tolerance (5
 * minutes by default) so old deliveries cannot be replayed. Immutable and thread-safe.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(replicate.webhookSigningSecret());
 * verifier.verify(id, timestamp, signatures, body);   // throws if forged or stale
 * }</pre>
 */
public final class WebhookVerifier {
  private final byte[] key;
  private final Duration tolerance;
  private final Clock clock;

  private WebhookVerifier(byte[] key, Duration tolerance, Clock clock) {
    this.key = key;
    this.tolerance = tolerance;
    this.clock = clock;
  }

  /**
   * A verifier for the account's signing secret ({@code whsec_...}), 5-minute tolerance.
   *
   * @throws IllegalArgumentException if the secret is not base64 after {@code whsec_}
   */
  public static WebhookVerifier of(String secret) {
    return of(secret, Duration.ofMinutes(5), Clock.systemUTC());
  }

  /**
   * A verifier with another tolerance and clock.
   *
   * @param secret the signing secret, {@code whsec_<base64>} (from {@link
   *     ReplicateClient#webhookSigningSecret()})
   * @param tolerance how far the {@code webhook-timestamp} may be from now, either way
   * @param clock the clock to compare the timestamp with
   * @throws IllegalArgumentException if the secret is not base64 after {@code whsec_}
   */
  public static WebhookVerifier of(String secret, Duration tolerance, Clock clock) {
    Objects.requireNonNull(secret, "secret");
    String encoded = secret.startsWith("whsec_") ? secret.substring(6) : secret;
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "secret must be Replicate's whsec_<base64> signing secret");
    }
    if (key.length == 0) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    return new WebhookVerifier(
        key,
        Objects.requireNonNull(tolerance, "tolerance"),
        Objects.requireNonNull(clock, "clock"));
  }

  /**
   * A forged, tampered or stale delivery: answer it with 400 or 401 and do not act on it. Not
   * retryable; Replicate redelivers on its own schedule.
   */
  public static final class InvalidWebhookException extends InputRejectedException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception; the message never contains the secret or a signature. */
    public InvalidWebhookException(String message) {
      super("Refusing the webhook delivery: " + message);
    }
  }

  /**
   * Checks a delivery.
   *
   * @param id the {@code webhook-id} header
   * @param timestamp the {@code webhook-timestamp} header (seconds since the epoch)
   * @param signatures the {@code webhook-signature} header (space-separated {@code v1,<base64>})
   * @param body the raw request body, exactly as received
   * @throws InvalidWebhookException if a header is missing, the timestamp is outside the tolerance,
   *     or no signature matches
   */
  public void verify(String id, String timestamp, String signatures, byte[] body) {
    if (id == null || id.isBlank() || timestamp == null || signatures == null || body == null) {
      throw new InvalidWebhookException(
          "missing webhook-id, webhook-timestamp or webhook-signature");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      throw new InvalidWebhookException("webhook-timestamp is not a number");
    }
    // Compared as epoch seconds: Instant.ofEpochSecond would throw DateTimeException on an absurd
    // value (Long.MAX_VALUE), which is just another forged or broken header.
    long now = clock.instant().getEpochSecond();
    long slack = tolerance.toSeconds();
    if (seconds < now - slack || seconds > now + slack) {
      throw new InvalidWebhookException(
          "webhook-timestamp is outside the "
              + tolerance.toSeconds()
              + " s tolerance (stale or replayed)");
    }
    byte[] signed = sign(id.strip() + "." + seconds + ".", body);
    for (String candidate : signatures.strip().split(" ")) {
      int comma = candidate.indexOf(',');
      if (comma < 0 || !candidate.substring(0, comma).equals("v1")) {
        continue;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(candidate.substring(comma + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (MessageDigest.isEqual(signed, given)) {
        return;
      }
    }
    throw new InvalidWebhookException("no webhook signature matches");
  }

  private byte[] sign(String prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(prefix.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /**
   * Signs a delivery as Replicate does ({@code v1,<base64 HMAC-SHA256>}): for tests and local fakes
   * that post deliveries to a webhook endpoint.
   */
  public String signature(String id, long timestamp, byte[] body) {
    return "v1," + Base64.getEncoder().encodeToString(sign(id + "." + timestamp + ".", body));
  }

  /** The tolerance; never the secret. */
  @Override
  public String toString() {
    return "WebhookVerifier{secret=****, tolerance=" + tolerance + '}';
  }
}
