package io.renderlab.spring.boot4.app;

import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import java.util.List;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A minimal Boot 4 web application on the starter: one endpoint, no wiring code. */
@SpringBootApplication
@RestController
public class Boot4Application {
  private final Generations generations;

  Boot4Application(Generations generations) {
    this.generations = generations;
  }

  @PostMapping("/generate")
  List<String> generate(@RequestParam("prompt") String prompt) {
    return generations
        .run(
            GenerationRequest.builder()
                .userId("u1")
                .prompt(prompt)
                .prediction(
                    PredictionRequest.model("black-forest-labs/flux-schnell")
                        .put("prompt", prompt)
                        .build())
                .build())
        .stream()
        .map(ImageRecord::url)
        .toList();
  }
}
