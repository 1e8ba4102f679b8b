package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.thumbnails.internal.Tiffs;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Predictor-tag patch never reads outside the bytes and changes only that tag's value. */
class TiffsTest {
  @Test
  void onlyThePredictorValueChanges() {
    byte[] tiff = TestImages.resource("likeness/rgb16-deflate-predictor.tif");
    byte[] patched = Tiffs.withoutPredictor(tiff);
    assertThat(patched).isNotNull().hasSameSizeAs(tiff);
    int changed = 0;
    for (int i = 0; i < tiff.length; i++) {
      changed += tiff[i] != patched[i] ? 1 : 0;
    }
    assertThat(changed).isEqualTo(1); // 2 -> 1 in the low byte of the tag's value
    assertThat(Tiffs.withoutPredictor(patched)).as("no differencing left").isNull();
  }

  @Test
  void notATiffOrACutIfdGivesNull() {
    byte[] tiff = TestImages.resource("likeness/rgb16-deflate-predictor.tif");
    assertThat(Tiffs.withoutPredictor(new byte[0])).isNull();
    assertThat(Tiffs.withoutPredictor("II*\0".getBytes())).isNull();
    assertThat(Tiffs.withoutPredictor(TestImages.resource("likeness/cmyk.jpg"))).isNull();
    Random random = new Random(7);
    for (int cut = 0; cut < 200; cut++) {
      // Headers cut anywhere, or pointing anywhere: null or a same-size copy, never an exception.
      byte[] t = Arrays.copyOf(tiff, random.nextInt(tiff.length));
      if (t.length > 8) {
        t[4 + random.nextInt(4)] = (byte) random.nextInt();
      }
      byte[] p = Tiffs.withoutPredictor(t);
      assertThat(p == null || p.length == t.length).isTrue();
    }
  }
}
