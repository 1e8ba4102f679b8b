package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageRecordTest {
  static ImageRecord.Builder valid() {
    return ImageRecord.builder()
        .userId("user-1")
        .kind(ImageKind.UPLOADED)
        .name("photo.png")
        .url("https://cdn.example.com/user-1/photo.png")
        .storageKey("user-1/photo.png");
  }

  static void rejects(UnaryOperator<ImageRecord.Builder> change, String field) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(field);
  }

  @Test
  void buildsWithGeneratedIdAndTimestamp() {
    ImageRecord r = valid().build();
    assertThat(r.id()).isNotNull();
    assertThat(r.createdAt()).isNotNull();
    assertThat(r.thumbUrl()).isEmpty();
    assertThat(r.displayUrl()).isEqualTo(r.url());
    assertThat(r.withThumbUrl("https://cdn.example.com/t.webp").displayUrl())
        .isEqualTo("https://cdn.example.com/t.webp");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "tab\there"})
  void rejectsBlankOrControlCharacterUserIds(String userId) {
    rejects(b -> b.userId(userId), "userId");
  }

  @Test
  void acceptsTheLongestUserIdAndRejectsOneMore() {
    assertThat(valid().userId("u".repeat(ImageRecord.MAX_ID_LENGTH)).build().userId()).hasSize(255);
    rejects(b -> b.userId("u".repeat(ImageRecord.MAX_ID_LENGTH + 1)), "userId");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"photo.png", "/relative/path.png", "://missing-scheme", "https://bad host/x.png"})
  void rejectsUrlsThatAreNotAbsolute(String url) {
    rejects(b -> b.url(url), "url");
  }

  @Test
  void acceptsAbsoluteUrlsUpToTheLimit() {
    String longUrl = "https://cdn.example.com/" + "a".repeat(ImageRecord.MAX_URL_LENGTH - 24);
    assertThat(valid().url(longUrl).build().url()).hasSize(ImageRecord.MAX_URL_LENGTH);
    rejects(b -> b.url(longUrl + "a"), "url");
    assertThat(valid().url("file:///tmp/renderlab/a.png").build().url()).startsWith("file:");
  }

  @Test
  void rejectsOverLongPromptsAndNames() {
    assertThat(valid().prompt("p".repeat(ImageRecord.MAX_PROMPT_LENGTH)).build().prompt())
        .isPresent();
    rejects(b -> b.prompt("p".repeat(ImageRecord.MAX_PROMPT_LENGTH + 1)), "prompt");
    rejects(b -> b.name("n".repeat(ImageRecord.MAX_NAME_LENGTH + 1)), "name");
    rejects(b -> b.referenceUrl("not a url"), "referenceUrl");
    rejects(b -> b.maskUrl("mask.png"), "maskUrl");
  }

  @Test
  void promptsMayHoldAnyTextIncludingNewlines() {
    String prompt = "line one\nline two — 'quoted' 🦄";
    assertThat(valid().prompt(prompt).build().prompt()).contains(prompt);
  }

  @Test
  void missingRequiredFieldsAreNamed() {
    assertThatThrownBy(() -> ImageRecord.builder().userId("u").build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("kind");
  }

  @Test
  void toBuilderRoundTripsEveryFieldAndEqualityComparesThemAll() {
    ImageRecord r =
        valid()
            .thumbUrl("https://cdn.example.com/t.webp")
            .referenceUrl("https://cdn.example.com/ref.png")
            .maskUrl("https://cdn.example.com/mask.png")
            .rawUrl("https://cdn.example.com/raw.png")
            .prompt("a lighthouse")
            .model("google/nano-banana")
            .predictionId("p1")
            .collectionId(java.util.UUID.randomUUID())
            .build();

    assertThat(r.toBuilder().build()).isEqualTo(r).hasSameHashCodeAs(r);
    assertThat(r.toBuilder().prompt("another").build()).isNotEqualTo(r);
    assertThat(r.toBuilder().rawUrl(null).build().rawUrl()).isEmpty();
    assertThat(r.withThumbUrl("https://cdn.example.com/u.webp")).isNotEqualTo(r);
  }

  @Test
  void toStringRedactsSignedQueryStringsAndLeavesThePromptOut() {
    ImageRecord r =
        valid()
            .url("https://bucket.example.com/user-1/photo.png?X-Amz-Signature=abcdef123456")
            .thumbUrl("https://bucket.example.com/t.webp?token=s3cr3t")
            .prompt("my private prompt")
            .predictionId("p1")
            .build();

    assertThat(r.toString())
        .contains(r.id().toString())
        .contains("https://bucket.example.com/user-1/photo.png?…")
        .contains("p1")
        .doesNotContain("abcdef123456")
        .doesNotContain("s3cr3t")
        .doesNotContain("my private prompt");
  }
}
