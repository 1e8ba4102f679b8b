package io.renderlab.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.RetryPolicy;
import io.renderlab.replicate.Prediction;
import io.renderlab.replicate.PredictionOutcomeUnknownException;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.WebhookVerifier;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakeReplicateTest {
  private final FakeReplicate fake = FakeReplicate.start();
  private final ReplicateClient replicate =
      ReplicateClient.builder()
          .token("r8_test")
          .baseUrl(fake.baseUrl())
          .retryPolicy(RetryPolicy.none())
          .build();

  @AfterEach
  void close() {
    replicate.close();
    fake.close();
  }

  @Test
  void aPredictionHeldWithPreferWaitIsAnsweredEndedInOneRequest() {
    Prediction p =
        replicate
            .predictions()
            .run(
                PredictionRequest.model("black-forest-labs/flux-schnell")
                    .put("prompt", "a red bicycle")
                    .build(),
                Duration.ofSeconds(30));

    assertThat(p.rawStatus()).isEqualTo("succeeded");
    assertThat(p.outputUrls()).singleElement().asString().contains("/files/fake");
    assertThat(fake.predictionRequests()).isEqualTo(1);
    assertThat(fake.creates()).isEqualTo(1);
  }

  @Test
  void promptsSteerOutcomesAndHeldPredictionsRunUntilReleased() {
    fake.hold();
    Prediction running =
        replicate
            .predictions()
            .create(PredictionRequest.model("a/b").put("prompt", "please fail").build());
    assertThat(replicate.predictions().get(running.id()).rawStatus()).isEqualTo("processing");
    fake.release();
    Prediction failed = replicate.predictions().get(running.id());
    assertThat(failed.rawStatus()).isEqualTo("failed");
    assertThat(failed.error()).hasValue("NSFW content detected");
  }

  @Test
  void aLostCreateAnswerStillStartsThePrediction() {
    fake.loseCreateAnswers();
    assertThatThrownBy(
            () ->
                replicate
                    .predictions()
                    .create(PredictionRequest.model("a/b").put("prompt", "x").build()))
        .isInstanceOf(PredictionOutcomeUnknownException.class);
    assertThat(fake.creates()).isEqualTo(1);
    assertThat(fake.predictionIds()).hasSize(1);

    fake.answerCreates();
    Prediction answered =
        replicate.predictions().create(PredictionRequest.model("a/b").put("prompt", "y").build());
    assertThat(fake.predictionIds()).hasSize(2).contains(answered.id());
  }

  @Test
  void deliveriesAreSignedLikeReplicatesAndVerify() throws Exception {
    Prediction p =
        replicate
            .predictions()
            .create(
                PredictionRequest.model("a/b")
                    .put("prompt", "x")
                    .webhook("https://app.example.com/hook", java.util.List.of("completed"))
                    .build());
    WebhookDelivery d = fake.delivery(p.id());

    assertThat(d.url()).isEqualTo(Optional.of("https://app.example.com/hook"));
    WebhookVerifier.of(fake.webhookSecret())
        .verify(
            d.headers().get("webhook-id"),
            d.headers().get("webhook-timestamp"),
            d.headers().get("webhook-signature"),
            d.body());
    assertThat(d.bodyText()).contains("\"status\":\"succeeded\"");
    byte[] tampered = d.body();
    tampered[tampered.length - 2] ^= 1;
    assertThatThrownBy(
            () ->
                WebhookVerifier.of(fake.webhookSecret())
                    .verify(
                        d.headers().get("webhook-id"),
                        d.headers().get("webhook-timestamp"),
                        d.headers().get("webhook-signature"),
                        tampered))
        .isInstanceOf(WebhookVerifier.InvalidWebhookException.class);
  }
}
