// Makes the colour and orientation likeness fixtures ONCE; CI never runs this (it needs sharp).
//
//   cd renderlab-thumbnails/src/test/sharp && npm install
//   node make-likeness.js /path/to/a/checkout/of/lovell/sharp [/path/to/pngsuite]
//
// 1. Copies the EXIF orientation photos of sharp's test fixtures (Landscape_1..8, Portrait_5/6:
//    from github.com/recurser/exif-orientation-examples, MIT licence) and its tiny P3 and ProPhoto
//    PNGs.
// 2. Derives ICC-tagged images from Landscape_1 with sharp's withIccProfile (pixels converted into
//    the profile, profile embedded): Display P3 (libvips' built-in), and three matrix profiles made
//    by mkicc.py for these tests (gamma 1.8 "Generic RGB"-like, Adobe RGB compatible, ProPhoto
//    compatible); a CMYK JPEG without a profile (libvips' default CMYK profile, inverted Adobe
//    CMYK as libjpeg writes it). likeness/ycck.jpg is that CMYK JPEG re-encoded as YCCK (Adobe
//    transform 2) by ImageMagick 6.9.11: `convert cmyk.jpg -quality 80 ycck.jpg`, run before this.
//    cmyk-jpeg.tif and cmyk-deflate.tif are cmyk.jpg at 200 px wide as CMYK TIFFs (JPEG-in-TIFF,
//    which ImageIO inverts, and Deflate), no profile. rgb16-*-predictor*.tif are Landscape_1 at
//    120 px wide, 16-bit RGB with horizontal differencing (Deflate in strips; LZW in 32² tiles).
//    cielab16-predictor.tif is Landscape_1 at 96 px wide as 16-bit CIELab, LZW with differencing.
//    Reference names drop the extension, so every fixture needs a distinct base name.
// 3. Renders every fixture (and every PngSuite image) with the seed's call plus .rotate() into
//    <name>.sharp.webp beside it.
const sharp = require('sharp');
const fs = require('fs');
const path = require('path');

sharp.cache(false);
const SHARP = process.argv[2];
const OUT = path.join(__dirname, '..', 'resources', 'io', 'renderlab', 'thumbnails', 'likeness');
const SUITE = path.join(__dirname, '..', 'resources', 'io', 'renderlab', 'thumbnails', 'pngsuite');
const fixture = n => path.join(SHARP, 'test', 'fixtures', n);

const render = (input, out) => sharp(input).rotate()
  .resize(400, 400, { fit: 'cover', position: 'centre', kernel: sharp.kernel.lanczos3 })
  .webp({ quality: 75, effort: 4 }).toFile(out);

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  if (SHARP && !fs.existsSync(path.join(OUT, 'cmyk.jpg'))) {
    for (const n of ['Landscape_1', 'Landscape_2', 'Landscape_3', 'Landscape_4', 'Landscape_5', 'Landscape_6', 'Landscape_7',
      'Landscape_8', 'Portrait_5', 'Portrait_6']) {
      fs.copyFileSync(fixture(n + '.jpg'), path.join(OUT, n.toLowerCase().replace('_', '-') + '.jpg'));
    }
    fs.copyFileSync(fixture('p3.png'), path.join(OUT, 'p3-8x8.png'));
    fs.copyFileSync(fixture('prophoto.png'), path.join(OUT, 'prophoto-1x1.png'));
    const src = fixture('Landscape_1.jpg');
    const icc = n => path.join(__dirname, n);
    await sharp(src).withIccProfile('p3').jpeg({ quality: 90 }).toFile(path.join(OUT, 'icc-p3.jpg'));
    await sharp(src).withIccProfile('p3').webp({ quality: 90 }).toFile(path.join(OUT, 'icc-p3-webp.webp'));
    await sharp(src).withIccProfile(icc('gamma18.icc')).jpeg({ quality: 90 }).toFile(path.join(OUT, 'icc-gamma18.jpg'));
    // Softened so the PNG stays small; still a photograph's colours.
    await sharp(src).resize(400).blur(1.2).withIccProfile(icc('gamma18.icc')).png({ compressionLevel: 9 }).toFile(path.join(OUT, 'icc-gamma18-png.png'));
    await sharp(src).withIccProfile(icc('adobergb.icc')).jpeg({ quality: 90 }).toFile(path.join(OUT, 'icc-adobergb.jpg'));
    await sharp(src).withIccProfile(icc('prophoto.icc')).jpeg({ quality: 90 }).toFile(path.join(OUT, 'icc-prophoto.jpg'));
    await sharp(src).toColourspace('cmyk').jpeg({ quality: 75 }).toFile(path.join(OUT, 'cmyk.jpg'));
    for (const compression of ['jpeg', 'deflate']) {
      await sharp(path.join(OUT, 'cmyk.jpg')).resize(200).toColourspace('cmyk').tiff({ compression, quality: 90 })
        .toFile(path.join(OUT, `cmyk-${compression}.tif`));
    }
    const rgb16 = () => sharp(src).resize(120).toColourspace('rgb16');
    await rgb16().tiff({ compression: 'deflate', predictor: 'horizontal' })
      .toFile(path.join(OUT, 'rgb16-deflate-predictor.tif'));
    await rgb16().tiff({ compression: 'lzw', predictor: 'horizontal', tile: true, tileWidth: 32, tileHeight: 32 })
      .toFile(path.join(OUT, 'rgb16-lzw-predictor-tiled.tif'));
    await sharp(src).resize(96).toColourspace('labs').tiff({ compression: 'lzw', predictor: 'horizontal' })
      .toFile(path.join(OUT, 'cielab16-predictor.tif'));
  }
  for (const f of fs.readdirSync(OUT)) {
    if (/\.(jpg|png|webp|tif)$/.test(f) && !f.includes('.sharp.')) {
      await render(path.join(OUT, f), path.join(OUT, f.replace(/\.[a-z]+$/, '') + '.sharp.webp'));
    }
  }
  for (const f of fs.readdirSync(SUITE)) {
    if (/^[^x].*\.png$/.test(f)) {
      try {
        await render(path.join(SUITE, f), path.join(SUITE, f.replace(/\.png$/, '') + '.sharp.webp'));
      } catch (e) {
        console.error(f, e.message);
      }
    }
  }
})();
