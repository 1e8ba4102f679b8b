package io.renderlab.spring.internal;

import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.replicate.ReplicateApiException;
import io.renderlab.replicate.ReplicateClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * RenderLab's health checks, whatever Boot's health API: each starter turns a {@link Result} into
 * its Boot's {@code Health}. Not public API.
 */
public final class HealthChecks {
  private HealthChecks() {}

  /**
   * One check's answer.
   *
   * @param up whether the part works
   * @param details what Actuator shows (never a secret)
   */
  public record Result(boolean up, Map<String, Object> details) {
    static Result up(String key, Object value) {
      return new Result(true, Map.of(key, value));
    }

    static Result down(String error) {
      return new Result(false, Map.of("error", String.valueOf(error)));
    }
  }

  /** The catalog answers a read: its schema version, or a lookup by id. */
  public static Supplier<Result> catalog(ImageCatalog catalog) {
    return () -> {
      try {
        if (catalog instanceof JdbcImageCatalog) {
          int version = ((JdbcImageCatalog) catalog).schemaVersion();
          return new Result(version > 0, Map.of("schemaVersion", version));
        }
        catalog.find(UUID.randomUUID());
        return new Result(true, Map.of());
      } catch (RuntimeException e) {
        return Result.down(e.getMessage());
      }
    };
  }

  /** The store answers an existence check (no write, no cost beyond one request). */
  public static Supplier<Result> store(ImageStore store) {
    return () -> {
      try {
        store.exists(".renderlab-health");
        return Result.up("store", store.toString());
      } catch (RuntimeException e) {
        return Result.down(e.getMessage());
      }
    };
  }

  /**
   * The Replicate token is accepted: one page of the account's predictions ({@code GET
   * /v1/predictions}, which costs nothing), at most once per {@code every}; between checks the last
   * answer is repeated, so a probe every few seconds does not become a request every few seconds.
   */
  public static Supplier<Result> replicate(ReplicateClient replicate, Duration every, Clock clock) {
    return new Supplier<>() {
      private Result last;
      private Instant checkedAt = Instant.MIN;

      @Override
      public synchronized Result get() {
        Instant now = clock.instant();
        if (last != null && now.isBefore(checkedAt.plus(every))) {
          return last;
        }
        Result r;
        try {
          replicate.predictions().list().iterator().hasNext();
          r = Result.up("baseUrl", replicate.baseUrl().toString());
        } catch (ReplicateApiException.AuthenticationException e) {
          r = Result.down("Replicate refused the token: check renderlab.replicate.token");
        } catch (RuntimeException e) {
          r = Result.down(e.getMessage());
        }
        last = r;
        checkedAt = now;
        return r;
      }
    };
  }
}
