package io.renderlab.spring.boot;

import io.renderlab.generations.Generations;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.WebhookVerifier;
import io.renderlab.spring.boot.internal.WebhookEndpoint;
import java.util.function.Supplier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * The Replicate webhook endpoint ({@code renderlab.webhook.path}, default {@code
 * /renderlab/webhooks/replicate}) in a servlet web application with the generations engine: it
 * verifies each delivery's signature and completes the generation; the application writes no code
 * for it. The signing secret is {@code renderlab.replicate.webhook-secret}, or read once from
 * Replicate on the first delivery. Off with {@code renderlab.webhook.enabled=false}.
 */
@AutoConfiguration(after = RenderLabAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
@ConditionalOnProperty(
    prefix = "renderlab.webhook",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class RenderLabWebhookAutoConfiguration {

  /** For Spring. */
  public RenderLabWebhookAutoConfiguration() {}

  /** The endpoint. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({Generations.class, ReplicateClient.class})
  public WebhookEndpoint renderLabWebhookEndpoint(
      Generations generations, ReplicateClient replicate, RenderLabProperties properties) {
    String secret = properties.getReplicate().getWebhookSecret();
    Supplier<WebhookVerifier> verifier =
        secret != null && !secret.isBlank()
            ? constant(WebhookVerifier.of(secret.strip()))
            : new FetchedOnce(replicate);
    return new WebhookEndpoint(generations, verifier);
  }

  private static Supplier<WebhookVerifier> constant(WebhookVerifier v) {
    return () -> v;
  }

  /** The account's secret, read from Replicate on first use (a failed read is tried again). */
  private static final class FetchedOnce implements Supplier<WebhookVerifier> {
    private final ReplicateClient replicate;
    private volatile WebhookVerifier verifier;

    FetchedOnce(ReplicateClient replicate) {
      this.replicate = replicate;
    }

    @Override
    public WebhookVerifier get() {
      WebhookVerifier v = verifier;
      if (v == null) {
        synchronized (this) {
          v = verifier;
          if (v == null) {
            v = WebhookVerifier.of(replicate.webhookSigningSecret());
            verifier = v;
          }
        }
      }
      return v;
    }
  }
}
