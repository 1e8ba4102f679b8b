package io.renderlab.example.spring;

import io.renderlab.core.GenerationKind;
import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageRecord;
import io.renderlab.generations.GenerationRequest;
import io.renderlab.generations.Generations;
import io.renderlab.replicate.PredictionRequest;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application on renderlab-spring-boot-starter: generate, edit and history here;
 * Replicate's signed webhooks, the workers, health and metrics come from the starter and {@code
 * application.properties}, with no wiring code.
 */
@SpringBootApplication
@RestController
public class RenderLabSpringApplication {
  private final Generations generations;
  private final ImageCatalog catalog;

  RenderLabSpringApplication(Generations generations, ImageCatalog catalog) {
    this.generations = generations;
    this.catalog = catalog;
  }

  public static void main(String[] args) {
    SpringApplication.run(RenderLabSpringApplication.class, args);
  }

  @PostMapping("/generate")
  List<Map<String, String>> generate(@RequestParam String user, @RequestParam String prompt) {
    return view(
        generations.run(
            GenerationRequest.builder()
                .userId(user)
                .prompt(prompt)
                .prediction(
                    PredictionRequest.model("black-forest-labs/flux-schnell")
                        .put("prompt", prompt)
                        .build())
                .build()));
  }

  @PostMapping("/edit")
  List<Map<String, String>> edit(
      @RequestParam String user, @RequestParam String prompt, @RequestParam String imageUrl) {
    return view(
        generations.run(
            GenerationRequest.builder()
                .userId(user)
                .prompt(prompt)
                .kind(GenerationKind.EDIT)
                .imageUrl(imageUrl)
                .prediction(
                    PredictionRequest.model("black-forest-labs/flux-kontext-pro")
                        .put("prompt", prompt)
                        .put("input_image", imageUrl)
                        .build())
                .build()));
  }

  @GetMapping("/history")
  List<Map<String, String>> history(@RequestParam String user) {
    return view(catalog.history(HistoryQuery.of(user)).images());
  }

  private static List<Map<String, String>> view(List<ImageRecord> records) {
    return records.stream()
        .map(r -> Map.of("id", r.id().toString(), "kind", r.kind().name(), "url", r.url()))
        .toList();
  }
}
