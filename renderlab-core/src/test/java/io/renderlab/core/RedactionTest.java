package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void removesCredentialsQueryStringsAndFragments() {
    assertThat(Redaction.url("https://user:secret@cdn.example.com:8443/a/b.png?X-Amz-Signature=abc&token=t#frag"))
        .isEqualTo("https://…@cdn.example.com:8443/a/b.png?…")
        .doesNotContain("secret", "abc", "token");
  }

  @Test
  void keepsPlainUrlsAsTheyAre() {
    assertThat(Redaction.url("https://replicate.delivery/pbxt/abc.png")).isEqualTo("https://replicate.delivery/pbxt/abc.png");
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
}
