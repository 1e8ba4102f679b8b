package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JwtVerifierTest {
  static final String SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
  final Clock clock = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
  final JwtVerifier verifier = JwtVerifier.hs256(SECRET, clock);

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void acceptsAValidTokenAndReturnsItsSubject() {
    assertThat(verifier.verify(verifier.issue("user-123", Duration.ofHours(1)))).isEqualTo("user-123");
  }

  @Test
  void refusesAlgNoneAndOtherAlgorithms() {
    String payload = b64("{\"sub\":\"admin\",\"exp\":9999999999}");
    assertThatThrownBy(() -> verifier.verify(b64("{\"alg\":\"none\"}") + "." + payload + "."))
        .hasMessageContaining("HS256");
    assertThatThrownBy(() -> verifier.verify(b64("{\"alg\":\"RS256\"}") + "." + payload + ".c2ln"))
        .hasMessageContaining("HS256");
  }

  @Test
  void refusesATamperedPayload() {
    String token = verifier.issue("user-123", Duration.ofHours(1));
    String[] parts = token.split("\\.");
    String forged = parts[0] + "." + b64("{\"sub\":\"admin\",\"exp\":9999999999}") + "." + parts[2];
    assertThatThrownBy(() -> verifier.verify(forged)).hasMessageContaining("signature");
  }

  @Test
  void refusesATokenSignedWithAnotherSecret() {
    String other = JwtVerifier.hs256(SECRET + "x", clock).issue("user-123", Duration.ofHours(1));
    assertThatThrownBy(() -> verifier.verify(other)).hasMessageContaining("signature");
  }

  @Test
  void refusesExpiredTokensButToleratesSmallSkew() {
    JwtVerifier past = JwtVerifier.hs256(SECRET, Clock.offset(clock, Duration.ofHours(-2)));
    assertThatThrownBy(() -> verifier.verify(past.issue("u", Duration.ofHours(1)))).hasMessageContaining("expired");
    JwtVerifier justNow = JwtVerifier.hs256(SECRET, Clock.offset(clock, Duration.ofSeconds(-70)));
    assertThat(verifier.verify(justNow.issue("u", Duration.ofSeconds(60)))).isEqualTo("u");
  }

  @Test
  void refusesTokensNotValidYet() {
    JwtVerifier future = JwtVerifier.hs256(SECRET, Clock.offset(clock, Duration.ofHours(1)));
    String token = future.issue("u", Duration.ofHours(1));
    // issue() sets no nbf; craft one with nbf in the future, signed properly.
    String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    String payload = b64("{\"sub\":\"u\",\"exp\":9999999999,\"nbf\":" + (clock.instant().getEpochSecond() + 3600) + "}");
    String withNbf = resign(header + "." + payload);
    assertThat(verifier.verify(token)).isEqualTo("u");
    assertThatThrownBy(() -> verifier.verify(withNbf)).hasMessageContaining("nbf");
  }

  @Test
  void refusesTokensWithoutExpiryOrSubjectAndGarbage() {
    String header = b64("{\"alg\":\"HS256\"}");
    assertThatThrownBy(() -> verifier.verify(resign(header + "." + b64("{\"sub\":\"u\"}")))).hasMessageContaining("exp");
    assertThatThrownBy(() -> verifier.verify(resign(header + "." + b64("{\"exp\":9999999999}")))).hasMessageContaining("sub");
    assertThatThrownBy(() -> verifier.verify("not-a-jwt")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> verifier.verify("")).hasMessageContaining("missing");
    assertThatThrownBy(() -> JwtVerifier.hs256("short", clock)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void neverPrintsTheSecret() {
    assertThat(verifier.toString()).doesNotContain(SECRET);
  }

  private static String resign(String signingInput) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput
          + "."
          + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
