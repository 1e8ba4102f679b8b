package io.renderlab.spring.boot;

import io.renderlab.spring.RenderLabProperties;
import io.renderlab.spring.internal.RenderLabConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * RenderLab's clients from {@code renderlab.*} properties: the store, the catalog (with its
 * generation store and thumbnail job queue) on the application's {@code DataSource} and
 * transactions, the fetcher, the ingestor, the thumbnail service and, with a Replicate token, the
 * Replicate client and the durable generations engine. Each bean backs off when the application
 * defines its own. Background workers start with the application and stop with it. The beans are
 * those of renderlab-spring-support, shared with the Boot 4 starter.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"
    })
@EnableConfigurationProperties(RenderLabProperties.class)
@Import(RenderLabConfiguration.class)
public class RenderLabAutoConfiguration {

  /** For Spring. */
  public RenderLabAutoConfiguration() {}
}
