package io.renderlab.thumbnails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.thumbnails.internal.BytesImageInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class BytesImageInputStreamTest {
  @Test
  void readsSeeksAndKnowsItsLength() throws IOException {
    byte[] bytes = {1, 2, (byte) 0xf0, 4, 5};
    BytesImageInputStream in = new BytesImageInputStream(bytes);
    assertThat(in.length()).isEqualTo(5);
    assertThat(in.read()).isEqualTo(1);
    byte[] b = new byte[8];
    assertThat(in.read(b, 1, 2)).isEqualTo(2);
    assertThat(b[1]).isEqualTo((byte) 2);
    assertThat(b[2]).isEqualTo((byte) 0xf0);
    in.seek(2);
    assertThat(in.readBits(4)).isEqualTo(0xf); // ImageInputStreamImpl's bit reading over read()
    in.seek(3);
    assertThat(in.read(b, 0, 8)).isEqualTo(2);
    assertThat(in.read(b, 0, 8)).isEqualTo(-1);
    assertThat(in.read()).isEqualTo(-1);
    in.close();
    assertThatThrownBy(in::read).isInstanceOf(IOException.class);
  }
}
