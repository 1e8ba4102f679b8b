package io.renderlab.thumbnails.internal;

/** Turns one unfiltered row of any depth and colour type into 8-bit RGB or RGBA. */
final class PngExpander {
  final int ct;
  final int depth;
  final int channels;
  final int[] key;
  final byte[] lut; // palette (or low-depth grey) as RGBA, 256 entries; null when unused
  final boolean paletteImage;

  PngExpander(
      PngDecoder.Header header, byte[] palette, byte[] paletteAlpha, int[] key, int channels) {
    this.ct = header.colourType();
    this.depth = header.bitDepth();
    this.channels = channels;
    this.key = key;
    this.paletteImage = ct == 3;
    if (ct == 3) {
      lut = new byte[256 * 4];
      int entries = palette.length / 3;
      for (int i = 0; i < 256; i++) {
        if (i < entries) {
          lut[i * 4] = palette[i * 3];
          lut[i * 4 + 1] = palette[i * 3 + 1];
          lut[i * 4 + 2] = palette[i * 3 + 2];
          lut[i * 4 + 3] =
              paletteAlpha != null && i < paletteAlpha.length ? paletteAlpha[i] : (byte) 255;
        }
      }
      this.paletteEntries = entries;
    } else {
      lut = null;
      this.paletteEntries = 0;
    }
  }

  final int paletteEntries;

  /** True when unfiltered rows already are 8-bit RGB or RGBA, as the sink wants them. */
  boolean direct() {
    return depth == 8 && ((ct == 2 && key == null) || ct == 6);
  }

  byte[] expand(byte[] in, int p, int w, byte[] out) {
    switch (ct) {
      case 0 -> grey(in, p, w, out);
      case 3 -> indexed(in, p, w, out);
      case 2 -> {
        if (depth == 8 && key == null) {
          System.arraycopy(in, p, out, 0, w * 3);
        } else {
          rgb(in, p, w, out);
        }
      }
      case 4 -> {
        int step = depth == 16 ? 4 : 2;
        for (int x = 0, o = 0; x < w; x++, o += 4, p += step) {
          byte v = in[p];
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
          out[o + 3] = in[p + step / 2];
        }
      }
      default -> {
        if (depth == 8) {
          System.arraycopy(in, p, out, 0, w * 4);
        } else {
          for (int x = 0, o = 0; x < w; x++, o += 4, p += 8) {
            out[o] = in[p];
            out[o + 1] = in[p + 2];
            out[o + 2] = in[p + 4];
            out[o + 3] = in[p + 6];
          }
        }
      }
    }
    return out;
  }

  private void grey(byte[] in, int p, int w, byte[] out) {
    int ch = channels;
    if (depth == 16) {
      for (int x = 0, o = 0; x < w; x++, o += ch, p += 2) {
        byte v = in[p];
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
        if (ch == 4) {
          out[o + 3] = ((in[p] & 0xff) << 8 | (in[p + 1] & 0xff)) == key[0] ? 0 : (byte) 255;
        }
      }
      return;
    }
    int mask = (1 << depth) - 1;
    int scale = 255 / mask;
    int perByte = 8 / depth;
    // A key wider than the depth keeps its low bits, as libspng compares it.
    int k = key == null ? -1 : key[0] & mask;
    for (int x = 0, o = 0; x < w; x++, o += ch) {
      int raw =
          depth == 8
              ? in[p + x] & 0xff
              : ((in[p + x / perByte] & 0xff) >>> (8 - depth - (x % perByte) * depth)) & mask;
      byte v = (byte) (raw * scale);
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
      if (ch == 4) {
        out[o + 3] = raw == k ? 0 : (byte) 255;
      }
    }
  }

  private IllegalArgumentException badIndex(int idx) {
    return new IllegalArgumentException(
        "PNG palette index " + idx + " is out of range (" + paletteEntries + " entries)");
  }

  private void rgb(byte[] in, int p, int w, byte[] out) {
    int ch = channels;
    int step = depth == 16 ? 6 : 3;
    int half = depth == 16 ? 2 : 1;
    for (int x = 0, o = 0; x < w; x++, o += ch, p += step) {
      out[o] = in[p];
      out[o + 1] = in[p + half];
      out[o + 2] = in[p + 2 * half];
      if (ch == 4) {
        boolean transparent =
            depth == 16
                ? PngDecoder.u16(in, p) == key[0]
                    && PngDecoder.u16(in, p + 2) == key[1]
                    && PngDecoder.u16(in, p + 4) == key[2]
                : (in[p] & 0xff) == key[0]
                    && (in[p + 1] & 0xff) == key[1]
                    && (in[p + 2] & 0xff) == key[2];
        out[o + 3] = transparent ? 0 : (byte) 255;
      }
    }
  }

  private void indexed(byte[] in, int p, int w, byte[] out) {
    int ch = channels;
    if (depth == 8) {
      byte[] lut = this.lut;
      int entries = paletteEntries;
      if (ch == 3) {
        for (int x = 0, o = 0; x < w; x++, o += 3) {
          int idx = in[p + x] & 0xff;
          if (idx >= entries) {
            throw badIndex(idx);
          }
          int l = idx << 2;
          out[o] = lut[l];
          out[o + 1] = lut[l + 1];
          out[o + 2] = lut[l + 2];
        }
      } else {
        for (int x = 0, o = 0; x < w; x++, o += 4) {
          int idx = in[p + x] & 0xff;
          if (idx >= entries) {
            throw badIndex(idx);
          }
          int l = idx << 2;
          out[o] = lut[l];
          out[o + 1] = lut[l + 1];
          out[o + 2] = lut[l + 2];
          out[o + 3] = lut[l + 3];
        }
      }
      return;
    }
    int mask = (1 << depth) - 1;
    int perByte = 8 / depth;
    for (int x = 0, o = 0; x < w; x++, o += ch) {
      int idx =
          depth == 8
              ? in[p + x] & 0xff
              : ((in[p + x / perByte] & 0xff) >>> (8 - depth - (x % perByte) * depth)) & mask;
      if (idx >= paletteEntries) {
        throw badIndex(idx);
      }
      int l = idx * 4;
      out[o] = lut[l];
      out[o + 1] = lut[l + 1];
      out[o + 2] = lut[l + 2];
      if (ch == 4) {
        out[o + 3] = lut[l + 3];
      }
    }
  }
}
