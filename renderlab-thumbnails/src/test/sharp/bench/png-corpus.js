// The harder PNG corpus of issue 14, derived from corpus.js's images: node png-corpus.js CORPUS_DIR OUT_DIR
// 1024² RGB at zlib level 9, 1024² RGB (level 6), 1024² RGBA, 1344×768 RGB, a 2809×2074 greyscale
// photograph, a 1024² palette PNG.
const sharp = require('sharp');
const path = require('path');
const [src, out] = process.argv.slice(2);
const p = n => path.join(src, n);
(async () => {
  require('fs').mkdirSync(out, { recursive: true });
  await sharp(p('a_square_1024.png')).png({ compressionLevel: 9 }).toFile(path.join(out, 'a_rgb_1024_z9.png'));
  await sharp(p('a_square_1024.png')).png({ compressionLevel: 6 }).toFile(path.join(out, 'b_rgb_1024.png'));
  await sharp(p('c_alpha_1024.png')).png({ compressionLevel: 6 }).toFile(path.join(out, 'c_rgba_1024.png'));
  await sharp(p('b_wide_1344x768.png')).png({ compressionLevel: 6 }).toFile(path.join(out, 'd_rgb_1344x768.png'));
  await sharp(p('e_photo_3000x4000.jpg')).rotate().resize(2809, 2074, { fit: 'cover' }).greyscale().png({ compressionLevel: 6 })
    .toFile(path.join(out, 'e_grey_2809x2074.png'));
  await sharp(p('a_square_1024.png')).png({ compressionLevel: 9, palette: true, colours: 256, dither: 0.5 })
    .toFile(path.join(out, 'f_palette_1024.png'));
})();
