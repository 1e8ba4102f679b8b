package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy exact =
      RetryPolicy.builder()
          .jitter(0)
          .initialBackoff(Duration.ofMillis(100))
          .maxBackoff(Duration.ofSeconds(1))
          .build();

  @Test
  void backoffGrowsExponentiallyUpToTheCap() {
    assertThat(exact.backoff(1, Optional.empty())).isEqualTo(Duration.ofMillis(100));
    assertThat(exact.backoff(2, Optional.empty())).isEqualTo(Duration.ofMillis(200));
    assertThat(exact.backoff(4, Optional.empty())).isEqualTo(Duration.ofMillis(800));
    assertThat(exact.backoff(5, Optional.empty())).isEqualTo(Duration.ofSeconds(1));
    assertThat(exact.backoff(60, Optional.empty())).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void jitterStaysWithinItsSpread() {
    RetryPolicy jittery = exact.toBuilder().jitter(0.5).build();
    for (int i = 0; i < 200; i++) {
      assertThat(jittery.backoff(2, Optional.empty()))
          .isBetween(Duration.ofMillis(100), Duration.ofMillis(300));
    }
  }

  @Test
  void retryAfterIsHonouredButCapped() {
    assertThat(exact.backoff(1, Optional.of(Duration.ofSeconds(7))))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(exact.backoff(1, Optional.of(Duration.ofHours(5))))
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(exact.backoff(3, Optional.of(Duration.ZERO))).isEqualTo(Duration.ofMillis(400));
  }

  @Test
  void attemptsAreCounted() {
    assertThat(RetryPolicy.defaults().maxAttempts()).isEqualTo(4);
    assertThat(RetryPolicy.defaults().allowsRetryAfterAttempt(3)).isTrue();
    assertThat(RetryPolicy.defaults().allowsRetryAfterAttempt(4)).isFalse();
    assertThat(RetryPolicy.none().allowsRetryAfterAttempt(1)).isFalse();
  }

  @Test
  void parsesRetryAfterSecondsAndDates() {
    Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:27:00Z"), ZoneOffset.UTC);
    assertThat(RetryPolicy.parseRetryAfter("30", clock)).contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.parseRetryAfter("1.5", clock)).contains(Duration.ofMillis(1500));
    assertThat(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", clock))
        .contains(Duration.ofSeconds(60));
    assertThat(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", clock))
        .contains(Duration.ZERO);
    assertThat(RetryPolicy.parseRetryAfter("-4", clock)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter("soon", clock)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter(null, clock)).isEmpty();
  }

  @Test
  void rejectsNonsenseSettings() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5)).hasMessageContaining("jitter");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(-1)))
        .hasMessageContaining("initialBackoff");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofMinutes(1)).build())
        .hasMessageContaining("maxBackoff");
    assertThat(RetryPolicy.builder().maxAttempts(1).build().maxAttempts()).isEqualTo(1);
  }
}
