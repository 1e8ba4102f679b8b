package io.renderlab.spring.internal;

import io.renderlab.generations.Generations;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.RenderLabProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The webhook endpoint's bean, imported by each starter's {@code RenderLabWebhookAutoConfiguration}
 * (which decides when it applies). Not public API.
 */
@Configuration(proxyBeanMethods = false)
public class WebhookConfiguration {

  /** For Spring. */
  public WebhookConfiguration() {}

  /** The endpoint. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({Generations.class, ReplicateClient.class})
  public WebhookEndpoint renderLabWebhookEndpoint(
      Generations generations, ReplicateClient replicate, RenderLabProperties properties) {
    return WebhookEndpoint.of(generations, replicate, properties.getReplicate().getWebhookSecret());
  }
}
