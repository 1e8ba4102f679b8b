package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final long NOW = 1_731_567_890L;
  final Clock clock = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
  final WebhookVerifier verifier = WebhookVerifier.of(SECRET, Duration.ofMinutes(5), clock);
  final byte[] body = "{\"id\":\"p1\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void matchesThePublishedStandardWebhooksVector() {
    // Replicate signs as Standard Webhooks (svix) does; this is that spec's example delivery.
    WebhookVerifier at =
        WebhookVerifier.of(
            SECRET,
            Duration.ofMinutes(5),
            Clock.fixed(Instant.ofEpochSecond(1_614_265_330L), ZoneOffset.UTC));
    byte[] payload = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

    assertThatCode(
            () ->
                at.verify(
                    "msg_p5jXN8AQM9LWM0D4loKWxJek",
                    "1614265330",
                    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                    payload))
        .doesNotThrowAnyException();
    assertThat(at.signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330L, payload))
        .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void refusesAFutureTimestampAndANonNumericOne() {
    long future = NOW + 301;
    assertThatThrownBy(
            () ->
                verifier.verify(
                    "msg_1",
                    Long.toString(future),
                    verifier.signature("msg_1", future, body),
                    body))
        .isInstanceOf(WebhookVerifier.InvalidWebhookException.class);
    assertThatThrownBy(
            () ->
                verifier.verify("msg_1", "yesterday", verifier.signature("msg_1", NOW, body), body))
        .hasMessageContaining("not a number");
  }

  @Test
  void anAbsurdTimestampIsAnInvalidWebhookNotADateTimeException() {
    for (long absurd :
        new long[] {
          Long.MAX_VALUE, Long.MIN_VALUE, 31_556_889_864_403_200L, -31_557_014_167_219_200L
        }) {
      assertThatThrownBy(
              () ->
                  verifier.verify(
                      "msg_1", Long.toString(absurd), verifier.signature("msg_1", NOW, body), body))
          .as("timestamp %d", absurd)
          .isInstanceOf(WebhookVerifier.InvalidWebhookException.class)
          .hasMessageContaining("tolerance");
    }
    long edge = NOW + 300;
    assertThatCode(
            () ->
                verifier.verify(
                    "msg_1", Long.toString(edge), verifier.signature("msg_1", edge, body), body))
        .as("the nearest good timestamp")
        .doesNotThrowAnyException();
  }

  @Test
  void refusesASecretThatIsNotBase64() {
    assertThatThrownBy(() -> WebhookVerifier.of("whsec_not base64!"))
        .hasMessageContaining("whsec_");
    assertThat(WebhookVerifier.of(SECRET).toString())
        .doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  }

  @Test
  void acceptsAGoodSignature() {
    String sig = verifier.signature("msg_1", NOW, body);
    assertThatCode(() -> verifier.verify("msg_1", Long.toString(NOW), sig, body))
        .doesNotThrowAnyException();
  }

  @Test
  void acceptsWhenAnyOfSeveralSignaturesMatches() {
    String good = verifier.signature("msg_1", NOW, body);
    String other =
        WebhookVerifier.of("whsec_b3RoZXJzZWNyZXQ=", Duration.ofMinutes(5), clock)
            .signature("msg_1", NOW, body);
    assertThatCode(() -> verifier.verify("msg_1", Long.toString(NOW), other + " " + good, body))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesATamperedBody() {
    String sig = verifier.signature("msg_1", NOW, body);
    byte[] tampered = "{\"id\":\"p1\",\"status\":\"failed\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> verifier.verify("msg_1", Long.toString(NOW), sig, tampered))
        .hasMessageContaining("no webhook signature");
  }

  @Test
  void refusesTheWrongSecret() {
    String sig =
        WebhookVerifier.of("whsec_d3JvbmdzZWNyZXQ=", Duration.ofMinutes(5), clock)
            .signature("msg_1", NOW, body);
    assertThatThrownBy(() -> verifier.verify("msg_1", Long.toString(NOW), sig, body))
        .hasMessageContaining("no webhook signature");
  }

  @Test
  void refusesAnOldTimestampButAcceptsOneJustInsideTheTolerance() {
    long old = NOW - 301;
    assertThatThrownBy(
            () ->
                verifier.verify(
                    "msg_1", Long.toString(old), verifier.signature("msg_1", old, body), body))
        .hasMessageContaining("tolerance");
    long recent = NOW - 299;
    assertThatCode(
            () ->
                verifier.verify(
                    "msg_1",
                    Long.toString(recent),
                    verifier.signature("msg_1", recent, body),
                    body))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesMissingHeadersAndAnotherIdsSignature() {
    assertThatThrownBy(() -> verifier.verify(null, Long.toString(NOW), "v1,x", body))
        .hasMessageContaining("missing");
    String sig = verifier.signature("msg_1", NOW, body);
    assertThatThrownBy(() -> verifier.verify("msg_2", Long.toString(NOW), sig, body))
        .hasMessageContaining("no webhook signature");
  }
}
