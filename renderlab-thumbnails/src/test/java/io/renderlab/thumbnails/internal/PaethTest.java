package io.renderlab.thumbnails.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The fast Paeth predictor against the PNG specification's own, on every input. */
class PaethTest {
  @Test
  void choosesAsTheSpecificationDoesForEveryTripleOfBytes() {
    long mismatches = 0;
    String first = null;
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        for (int c = 0; c < 256; c++) {
          if (PngUnfilter.paeth(a, b, c) != specification(a, b, c)) {
            mismatches++;
            if (first == null) {
              first = a + "," + b + "," + c;
            }
          }
        }
      }
    }
    assertThat(mismatches).as("first mismatch at a,b,c = %s", first).isZero();
  }

  /** PNG specification, section 9.4 (ties to a, then b). */
  private static int specification(int a, int b, int c) {
    int p = a + b - c;
    int pa = Math.abs(p - a);
    int pb = Math.abs(p - b);
    int pc = Math.abs(p - c);
    if (pa <= pb && pa <= pc) {
      return a;
    }
    return pb <= pc ? b : c;
  }
}
