package io.renderlab.spring.boot;

import io.renderlab.spring.internal.WebhookConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Import;

/**
 * The Replicate webhook endpoint ({@code renderlab.webhook.path}, default {@code
 * /renderlab/webhooks/replicate}) in a servlet web application with the generations engine: it
 * verifies each delivery's signature and completes the generation; the application writes no code
 * for it. The signing secret is {@code renderlab.replicate.webhook-secret}, or read once from
 * Replicate on the first delivery. Off with {@code renderlab.webhook.enabled=false}.
 */
@AutoConfiguration(after = RenderLabAutoConfiguration.class)
@Import(WebhookConfiguration.class)
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
}
