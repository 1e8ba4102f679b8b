package io.renderlab.spring.boot;

import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.boot.internal.RenderLabHealth;
import io.renderlab.spring.internal.HealthChecks;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator's {@code renderlab} health component, with {@code catalog}, {@code store} and {@code
 * replicate} (the token, checked without spending money, at most once a minute). Off with {@code
 * management.health.renderlab.enabled=false}.
 */
@AutoConfiguration(
    after = {RenderLabAutoConfiguration.class},
    afterName =
        "org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnEnabledHealthIndicator("renderlab")
public class RenderLabHealthAutoConfiguration {

  /** For Spring. */
  public RenderLabHealthAutoConfiguration() {}

  /** The {@code renderlab} component (Actuator names it after the bean, less its suffix). */
  @Bean
  @ConditionalOnMissingBean(name = "renderlabHealthContributor")
  public HealthContributor renderlabHealthContributor(
      ObjectProvider<ImageCatalog> catalog,
      ObjectProvider<ImageStore> store,
      ObjectProvider<ReplicateClient> replicate) {
    Map<String, HealthContributor> parts = new LinkedHashMap<>();
    catalog.ifUnique(c -> parts.put("catalog", RenderLabHealth.of(HealthChecks.catalog(c))));
    store.ifUnique(s -> parts.put("store", RenderLabHealth.of(HealthChecks.store(s))));
    replicate.ifUnique(
        r ->
            parts.put(
                "replicate",
                RenderLabHealth.of(
                    HealthChecks.replicate(r, Duration.ofMinutes(1), Clock.systemUTC()))));
    return CompositeHealthContributor.fromMap(parts);
  }
}
