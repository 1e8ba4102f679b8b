package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void removesCredentialsQueryStringsAndFragments() {
    assertThat(
            Redaction.url(
                "https://user:secret@cdn.example.com:8443/a/b.png?X-Amz-Signature=abc&token=t#frag"))
        .isEqualTo("https://…@cdn.example.com:8443/a/b.png?…")
        .doesNotContain("secret", "abc", "token");
  }

  @Test
  void redactsTheCredentialsOfAJdbcUrl() {
    assertThat(Redaction.url("jdbc:postgresql://renderlab:s3cret@db.internal:5432/app?password=x"))
        .isEqualTo("jdbc:postgresql://…@db.internal:5432/app?…")
        .doesNotContain("s3cret");
    assertThat(Redaction.url("jdbc:h2:file:/tmp/catalog")).isEqualTo("jdbc:h2:file:/tmp/catalog");
  }

  @Test
  void keepsPlainUrlsAsTheyAre() {
    assertThat(Redaction.url("https://replicate.delivery/pbxt/abc.png"))
        .isEqualTo("https://replicate.delivery/pbxt/abc.png");
  }

  @Test
  void reducesDataUrlsToTheirType() {
    assertThat(Redaction.url("data:image/png;base64,iVBORw0KGgo=")).isEqualTo("data:image/png,…");
  }

  @Test
  void neverThrowsOnGarbageAndStripsControlCharacters() {
    assertThat(Redaction.url("ht tp://x y/\n?sig=1")).doesNotContain("sig=1").doesNotContain("\n");
    assertThat(Redaction.url(null)).isEqualTo("null");
    assertThat(Redaction.url("x".repeat(1000))).hasSizeLessThan(210);
    assertThat(Redaction.secret("r8_abc")).isEqualTo("****");
  }

  @Test
  void scrubsSecretShapedPartsOfFreeText() {
    String message =
        "401 for r8_AbCdEfGhIjKlMnOp12345 with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig-nature_x, "
            + "key AKIAIOSFODNN7EXAMPLE, secret whsec_c2VjcmV0c2VjcmV0, url https://h.example/a.png?X-Amz-Signature=deadbeef&x=1, "
            + "jdbc:postgresql://db/x?password=hunter2 and password=hunter3;";

    String scrubbed = Redaction.text(message);

    assertThat(scrubbed)
        .doesNotContain(
            "r8_AbCd",
            "eyJhbGci",
            "AKIAIOSFODNN7EXAMPLE",
            "whsec_c2V",
            "deadbeef",
            "hunter2",
            "hunter3")
        .contains("401 for", "https://h.example/a.png?…", "password=…");
  }

  @Test
  void leavesOrdinaryTextAlone() {
    String ordinary =
        "Prediction abc123 failed: CUDA out of memory (r8 model, key frame 3); see https://replicate.com/p/abc123";
    assertThat(Redaction.text(ordinary)).isEqualTo(ordinary);
    assertThat(Redaction.text(null)).isEqualTo("null");
  }
}
