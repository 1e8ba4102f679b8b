package io.renderlab.spring.boot4.internal;

import io.renderlab.spring.internal.HealthChecks;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** RenderLab's health checks as Boot 4 health indicators. Not public API. */
public final class RenderLabHealth {
  private RenderLabHealth() {}

  /** The indicator that runs {@code check} (see {@link HealthChecks}). */
  public static HealthIndicator of(Supplier<HealthChecks.Result> check) {
    return () -> {
      HealthChecks.Result r = check.get();
      return (r.up() ? Health.up() : Health.down()).withDetails(r.details()).build();
    };
  }
}
