package io.renderlab.spring.boot;

import io.renderlab.spring.internal.SpringAiConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Import;

/**
 * Spring AI's {@code ImageModel} on RenderLab's durable generations, when Spring AI is on the class
 * path and no other {@code ImageModel} is defined: {@code renderlab.spring-ai.model} (default
 * {@code black-forest-labs/flux-schnell}) and {@code renderlab.spring-ai.user-id} (the user the
 * images are recorded for, default {@code spring-ai}).
 */
@AutoConfiguration(after = RenderLabAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.ai.image.ImageModel")
@Import(SpringAiConfiguration.class)
public class RenderLabSpringAiAutoConfiguration {

  /** For Spring. */
  public RenderLabSpringAiAutoConfiguration() {}
}
