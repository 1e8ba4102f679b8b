package io.renderlab.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Supabase-style access tokens: JWTs signed with HS256 and the project's JWT secret.
 *
 * <p>Only {@code HS256} is accepted ({@code alg: none} and every other algorithm are refused, so a
 * token cannot choose how it is checked); the signature is compared in constant time; {@code exp}
 * is required and {@code nbf} honoured, with a small clock-skew leeway; {@code sub} is the user
 * id. Thread-safe.
 */
public final class JwtVerifier {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();

  private final byte[] secret;
  private final Clock clock;
  private final Duration leeway;

  private JwtVerifier(byte[] secret, Clock clock, Duration leeway) {
    this.secret = secret;
    this.clock = clock;
    this.leeway = leeway;
  }

  /**
   * A verifier for tokens signed with {@code secret} (Supabase: Settings → API → JWT secret).
   *
   * @throws IllegalArgumentException if the secret is shorter than 32 bytes
   */
  public static JwtVerifier hs256(String secret, Clock clock) {
    Objects.requireNonNull(secret, "secret");
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    if (key.length < 32) {
      throw new IllegalArgumentException("secret must be at least 32 bytes for HS256");
    }
    return new JwtVerifier(key, Objects.requireNonNull(clock, "clock"), Duration.ofSeconds(30));
  }

  /** Why a token was refused; the message is safe to return to the client. */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message);
    }
  }

  /**
   * Checks a token and returns its subject (the user id).
   *
   * @throws InvalidTokenException if the token is malformed, not HS256, badly signed, expired,
   *     not yet valid, or has no subject
   */
  public String verify(String token) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException("missing bearer token");
    }
    String[] parts = token.strip().split("\\.", -1);
    if (parts.length != 3) {
      throw new InvalidTokenException("malformed token");
    }
    JsonNode header = json(parts[0]);
    if (!"HS256".equals(header.path("alg").asText())) {
      throw new InvalidTokenException("unsupported token algorithm; only HS256 is accepted");
    }
    byte[] expected = sign(parts[0] + "." + parts[1]);
    byte[] actual;
    try {
      actual = B64.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("malformed token signature");
    }
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new InvalidTokenException("invalid token signature");
    }
    JsonNode claims = json(parts[1]);
    Instant now = clock.instant();
    JsonNode exp = claims.get("exp");
    if (exp == null || !exp.isNumber()) {
      throw new InvalidTokenException("token has no expiry (exp)");
    }
    if (now.isAfter(Instant.ofEpochSecond(exp.asLong()).plus(leeway))) {
      throw new InvalidTokenException("token expired");
    }
    JsonNode nbf = claims.get("nbf");
    if (nbf != null && nbf.isNumber() && now.plus(leeway).isBefore(Instant.ofEpochSecond(nbf.asLong()))) {
      throw new InvalidTokenException("token not valid yet (nbf)");
    }
    String sub = claims.path("sub").asText("");
    if (sub.isBlank() || sub.length() > 255) {
      throw new InvalidTokenException("token has no subject (sub)");
    }
    return sub;
  }

  /** Signs a token for {@code sub} valid for {@code lifetime}: for tests and local trials. */
  public String issue(String sub, Duration lifetime) {
    long now = clock.instant().getEpochSecond();
    String header = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    String payload =
        encode(
            MAPPER.createObjectNode()
                .put("sub", sub)
                .put("iat", now)
                .put("exp", now + lifetime.toSeconds())
                .put("role", "authenticated")
                .toString());
    String signingInput = header + "." + payload;
    return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sign(signingInput));
  }

  private static String encode(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] sign(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  private static JsonNode json(String part) {
    try {
      JsonNode node = MAPPER.readTree(B64.decode(part));
      if (node == null || !node.isObject()) {
        throw new InvalidTokenException("malformed token");
      }
      return node;
    } catch (IllegalArgumentException | java.io.IOException e) {
      throw new InvalidTokenException("malformed token");
    }
  }

  @Override
  public String toString() {
    return "JwtVerifier{alg=HS256, secret=****, leeway=" + leeway + '}';
  }
}
