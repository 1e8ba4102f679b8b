package io.renderlab.spring.boot;

import io.renderlab.generations.Generations;
import io.renderlab.spring.RenderLabProperties;
import org.springframework.ai.image.ImageModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring AI's {@code ImageModel} on RenderLab's durable generations, when Spring AI is on the class
 * path and no other {@code ImageModel} is defined: {@code renderlab.spring-ai.model} (default
 * {@code black-forest-labs/flux-schnell}) and {@code renderlab.spring-ai.user-id} (the user the
 * images are recorded for, default {@code spring-ai}).
 */
@AutoConfiguration(after = RenderLabAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.ai.image.ImageModel")
public class RenderLabSpringAiAutoConfiguration {

  /** For Spring. */
  public RenderLabSpringAiAutoConfiguration() {}

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
