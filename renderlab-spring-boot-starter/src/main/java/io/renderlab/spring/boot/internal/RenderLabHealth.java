package io.renderlab.spring.boot.internal;

import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.replicate.ReplicateApiException;
import io.renderlab.replicate.ReplicateClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** RenderLab's health indicators. Not public API. */
public final class RenderLabHealth {
  private RenderLabHealth() {}

  /** The catalog answers a read: its schema version, or a lookup by id. */
  public static HealthIndicator catalog(ImageCatalog catalog) {
    return () -> {
      try {
        if (catalog instanceof JdbcImageCatalog) {
          int version = ((JdbcImageCatalog) catalog).schemaVersion();
          Health.Builder h = version > 0 ? Health.up() : Health.down();
          return h.withDetail("schemaVersion", version).build();
        }
        catalog.find(UUID.randomUUID());
        return Health.up().build();
      } catch (RuntimeException e) {
        return Health.down().withDetail("error", e.getMessage()).build();
      }
    };
  }

  /** The store answers an existence check (no write, no cost beyond one request). */
  public static HealthIndicator store(ImageStore store) {
    return () -> {
      try {
        store.exists(".renderlab-health");
        return Health.up().withDetail("store", store.toString()).build();
      } catch (RuntimeException e) {
        return Health.down().withDetail("error", e.getMessage()).build();
      }
    };
  }

  /**
   * The Replicate token is accepted: one page of the account's predictions ({@code GET
   * /v1/predictions}, which costs nothing), at most once per {@code every}; between checks the last
   * answer is repeated, so a probe every few seconds does not become a request every few seconds.
   */
  public static HealthIndicator replicate(ReplicateClient replicate, Duration every, Clock clock) {
    return new HealthIndicator() {
      private Health last;
      private Instant checkedAt = Instant.MIN;

      @Override
      public synchronized Health health() {
        Instant now = clock.instant();
        if (last != null && now.isBefore(checkedAt.plus(every))) {
          return last;
        }
        Health h;
        try {
          replicate.predictions().list().iterator().hasNext();
          h = Health.up().withDetail("baseUrl", replicate.baseUrl().toString()).build();
        } catch (ReplicateApiException.AuthenticationException e) {
          h =
              Health.down()
                  .withDetail(
                      "error", "Replicate refused the token: check renderlab.replicate.token")
                  .build();
        } catch (RuntimeException e) {
          h = Health.down().withDetail("error", e.getMessage()).build();
        }
        last = h;
        checkedAt = now;
        return h;
      }
    };
  }
}
