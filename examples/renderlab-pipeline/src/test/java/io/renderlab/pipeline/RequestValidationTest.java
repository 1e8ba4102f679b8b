package io.renderlab.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ImageRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Requests are checked before any paid prediction starts; each refusal names the argument. */
class RequestValidationTest {
  static final String PNG = "https://example.com/a.png";

  @Test
  void generateRefusesBlankUsersAndAcceptsTheShortestId() {
    assertThatThrownBy(() -> GenerateRequest.of(" ", "a house"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId");
    assertThat(GenerateRequest.of("u", "a house").userId()).isEqualTo("u");
  }

  @Test
  void generateRefusesControlCharactersInUserIdsButKeepsThemInPrompts() {
    assertThatThrownBy(() -> GenerateRequest.of("u\n1", "a house")).hasMessageContaining("userId");
    assertThat(GenerateRequest.of("u1", "line one\nline two").prompt())
        .isEqualTo("line one\nline two");
  }

  @Test
  void generateRefusesPromptsOverTheLimitAndAcceptsOneAtIt() {
    String atLimit = "p".repeat(ImageRecord.MAX_PROMPT_LENGTH);
    assertThatThrownBy(() -> GenerateRequest.of("u", atLimit + "p")).hasMessageContaining("prompt");
    assertThat(GenerateRequest.of("u", atLimit).prompt()).hasSize(ImageRecord.MAX_PROMPT_LENGTH);
  }

  @Test
  void referenceImagesMustBeHttpUrlsTheModelCanFetch() {
    GenerateRequest base = GenerateRequest.of("u", "a house");
    assertThatThrownBy(() -> base.withReferenceUrls(List.of("file:///etc/passwd")))
        .hasMessageContaining("referenceUrls");
    assertThatThrownBy(() -> base.withReferenceUrls(List.of("/relative.png")))
        .hasMessageContaining("referenceUrls");
    assertThat(base.withReferenceUrls(List.of(PNG)).referenceUrls()).containsExactly(PNG);
  }

  @Test
  void timeoutsMustBePositive() {
    GenerateRequest base = GenerateRequest.of("u", "a house");
    assertThatThrownBy(() -> base.withTimeout(Duration.ZERO)).hasMessageContaining("timeout");
    assertThat(base.withTimeout(Duration.ofMillis(1)).timeout()).contains(Duration.ofMillis(1));
  }

  @Test
  void editMasksAreUrlsOrFilesAndBaseUrlsMustBeAbsolute() {
    assertThat(EditRequest.Mask.parse("https://example.com/m.png"))
        .isInstanceOf(EditRequest.Mask.Url.class);
    assertThat(EditRequest.Mask.parse("data:image/png;base64,AAAA"))
        .isInstanceOf(EditRequest.Mask.Url.class);
    assertThat(EditRequest.Mask.parse("masks/m.png"))
        .isEqualTo(new EditRequest.Mask.File(Path.of("masks/m.png")));

    EditRequest edit = EditRequest.of("u", PNG, EditRequest.Mask.parse("m.png"), "fill");
    assertThatThrownBy(() -> edit.withBaseUrl("v1.png")).hasMessageContaining("baseUrl");
    assertThat(edit.withBaseUrl(PNG).baseUrl()).contains(PNG);
  }

  @Test
  void uploadsCannotClaimToBeGeneratedAndNamesAreSingleLine() {
    assertThatThrownBy(() -> UploadRequest.of("u", "a\u0000.png")).hasMessageContaining("name");
    UploadRequest upload = UploadRequest.of("u", "photo.png");
    assertThatThrownBy(() -> upload.asEditOf("relative", null))
        .hasMessageContaining("referenceUrl");
    assertThat(upload.asEditOf(PNG, "touched up").referenceUrl()).contains(PNG);
  }

  @Test
  void inputFieldNamesMustBeShortSingleLineNames() {
    assertThatThrownBy(() -> new InputFields("prompt", "image_input", "image", ""))
        .hasMessageContaining("mask");
    assertThatThrownBy(() -> new InputFields("p".repeat(65), "image_input", "image", "mask"))
        .hasMessageContaining("prompt");
    assertThat(new InputFields("p".repeat(64), "image_input", "image", "mask").prompt())
        .hasSize(64);
  }
}
