package io.renderlab.spring.internal;

import io.renderlab.generations.Generations;
import io.renderlab.spring.RenderLabImageModel;
import io.renderlab.spring.RenderLabProperties;
import org.springframework.ai.image.ImageModel;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring AI {@code ImageModel} bean, imported by each starter's {@code
 * RenderLabSpringAiAutoConfiguration} (which applies only when Spring AI is on the class path). Not
 * public API.
 */
@Configuration(proxyBeanMethods = false)
public class SpringAiConfiguration {

  /** For Spring. */
  public SpringAiConfiguration() {}

  /** The image model. */
  @Bean
  @ConditionalOnMissingBean(ImageModel.class)
  @ConditionalOnBean(Generations.class)
  public RenderLabImageModel renderLabImageModel(
      Generations generations, RenderLabProperties properties) {
    return RenderLabImageModel.of(
        generations, properties.getSpringAi().getModel(), properties.getSpringAi().getUserId());
  }
}
