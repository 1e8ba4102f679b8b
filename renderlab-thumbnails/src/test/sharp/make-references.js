// Makes the thumbnail test fixtures ONCE; CI never runs this (it needs Node and sharp).
//
//   cd renderlab-thumbnails/src/test/sharp && npm install && node make-references.js
//
// 1. Draws small photograph-like inputs procedurally (smooth multi-octave noise for sky and
//    ground, soft and hard-edged shapes, sensor-like grain, a text label, a red marker in the
//    upright top-left corner of the centre square) and encodes them in the shapes users send.
// 2. Renders each with the seed's exact sharp call (plus .rotate() so EXIF orientation applies)
//    and writes the reference thumbnails next to them.
// Everything written is made by this script: CC0, see ../resources/io/renderlab/thumbnails/images/LICENSE.txt.
const sharp = require('sharp');
const fs = require('fs');
const path = require('path');

const OUT = path.join(__dirname, '..', 'resources', 'io', 'renderlab', 'thumbnails', 'images');

function rng(seed) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; }; }

function field(w, h, seed, cell) {
  const r = rng(seed); const gw = Math.ceil(w / cell) + 2, gh = Math.ceil(h / cell) + 2;
  const g = new Float32Array(gw * gh); for (let i = 0; i < g.length; i++) g[i] = r();
  return (x, y) => { const fx = x / cell, fy = y / cell; const ix = fx | 0, iy = fy | 0; let tx = fx - ix, ty = fy - iy;
    tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty);
    const a = g[iy * gw + ix], b = g[iy * gw + ix + 1], c = g[(iy + 1) * gw + ix], d = g[(iy + 1) * gw + ix + 1];
    return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty; };
}

// An upright w x h scene; channels 4 gives a soft-edged "sticker" on a transparent ground.
function scene(w, h, seed, channels, grainAmount) {
  const r = rng(seed); const s = Math.min(w, h);
  const oct = [field(w, h, seed + 1, s / 3), field(w, h, seed + 2, s / 9), field(w, h, seed + 3, s / 30), field(w, h, seed + 4, 6)];
  const amp = [0.55, 0.25, 0.12, 0.08 * Math.min(1, grainAmount)];
  const shapes = [];
  for (let i = 0; i < 24; i++) shapes.push({ x: r() * w, y: r() * h, rad: (0.03 + r() * 0.12) * s, soft: r() < 0.5 ? 1.5 : 0.1 * s * r(),
    c: [r() * 255, r() * 255, r() * 255], o: 0.5 + 0.5 * r(), rect: r() < 0.35 });
  const horizon = h * (0.35 + 0.3 * r());
  const sky = [70 + 60 * r(), 120 + 60 * r(), 210 + 40 * r()], ground = [70 + 80 * r(), 80 + 70 * r(), 40 + 40 * r()];
  const grain = rng(seed + 99);
  const buf = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let n = 0; for (let k = 0; k < oct.length; k++) n += amp[k] * oct[k](x, y);
    let c = y < horizon + (oct[1](x, 0) - 0.5) * h * 0.2
      ? [sky[0] + 40 * n, sky[1] + 40 * n, sky[2] + 30 * n]
      : [ground[0] * (0.4 + 1.2 * n), ground[1] * (0.4 + 1.3 * n), ground[2] * (0.5 + n)];
    for (const sh of shapes) {
      const dx = x - sh.x, dy = y - sh.y;
      const d = sh.rect ? Math.max(Math.abs(dx), Math.abs(dy) * 1.6) : Math.sqrt(dx * dx + dy * dy);
      if (d < sh.rad + sh.soft) { const a = sh.o * Math.min(1, Math.max(0, (sh.rad + sh.soft - d) / (2 * sh.soft)));
        c = c.map((v, k) => v + (sh.c[k] - v) * a); }
    }
    // The marked corner: top-left of the centre square a cover crop keeps (upright).
    const mx = x - (w - s) / 2, my = y - (h - s) / 2;
    if (mx >= 0 && my >= 0 && mx < s / 6 && my < s / 6) c = [230, 20, 20];
    const g = (grain() - 0.5) * grainAmount;
    const i = (y * w + x) * channels;
    for (let k = 0; k < 3; k++) buf[i + k] = Math.max(0, Math.min(255, Math.round(c[k] + g)));
    if (channels === 4) {
      const ex = (x - w / 2) / (w * 0.36), ey = (y - h / 2) / (h * 0.40);
      const d = Math.sqrt(ex * ex + ey * ey) + 0.12 * (oct[1](x, y) - 0.5);
      buf[i + 3] = Math.max(0, Math.min(255, Math.round((1.03 - d) * 255 / 0.06)));
    }
  }
  return buf;
}

function label(w, h, text) {
  const fs = Math.round(Math.min(w, h) / 12);
  return Buffer.from(`<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">
    <text x="${w * 0.2}" y="${h * 0.88}" font-family="sans-serif" font-size="${fs}" fill="white" stroke="black" stroke-width="1">${text}</text></svg>`);
}

const inputs = [
  // name, upright width, height, seed, channels, encoder; rotate90: store sideways with EXIF orientation 6
  // Artwork-like PNGs have no sensor grain (and stay small); photographs do.
  ['square.png', 512, 512, 11, 3, 0, i => i.png({ compressionLevel: 9, palette: true, colours: 256, dither: 0.5 })], // palette PNG
  ['wide.png', 640, 360, 12, 3, 0, i => i.png({ compressionLevel: 9 })],
  ['alpha.png', 480, 480, 13, 4, 0, i => i.png({ compressionLevel: 9 })],
  ['photo.jpg', 1024, 768, 14, 3, 8, i => i.jpeg({ quality: 80 })],
  ['portrait.jpg', 600, 800, 15, 3, 8, i => i.jpeg({ quality: 80 })],
  ['exif6.jpg', 600, 800, 16, 3, 8, i => i.jpeg({ quality: 80 }).withMetadata({ orientation: 6 }), true],
  ['large.webp', 1600, 1600, 17, 3, 8, i => i.webp({ quality: 70 })],
  // The rarer shapes the issue lists: progressive and CMYK JPEG, 16-bit PNG, lossless WebP with
  // alpha, animated WebP (its first frame is the thumbnail).
  ['progressive.jpg', 800, 600, 18, 3, 8, i => i.jpeg({ quality: 80, progressive: true })],
  ['cmyk.jpg', 480, 360, 19, 3, 8, i => i.toColourspace('cmyk').jpeg({ quality: 85 })],
  ['deep.png', 256, 256, 20, 3, 0, i => i.toColourspace('rgb16').png({ compressionLevel: 9 })],
  ['lossless.webp', 480, 480, 21, 4, 0, i => i.webp({ lossless: true })],
  ['animated.webp', 480, 480, 22, 3, 0, null],
];

// Three frames: the scene, then two others; only the first should reach the thumbnail.
async function animated(first, w, h) {
  const frames = [await first.png().toBuffer()];
  for (const seed of [23, 24]) {
    frames.push(await sharp(scene(w, h, seed, 3, 0), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
  }
  return sharp(frames, { join: { animated: true } }).webp({ quality: 80, loop: 0, delay: [200, 200, 200] }).toBuffer();
}

const thumb = b => sharp(b).rotate().resize(400, 400, { fit: 'cover', position: 'centre', kernel: sharp.kernel.lanczos3 })
  .webp({ quality: 75, effort: 4 }).toBuffer();

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, w, h, seed, channels, grainAmount, encode, rotate90] of inputs) {
    let img = sharp(scene(w, h, seed, channels, grainAmount), { raw: { width: w, height: h, channels } })
      .composite([{ input: label(w, h, name) }]);
    if (channels === 3) {
      // The text overlay adds an alpha channel; opaque inputs should not carry one.
      img = sharp(await img.png().toBuffer()).removeAlpha();
    }
    if (rotate90) {
      // Store the pixels turned 90° anticlockwise; orientation 6 tells readers to turn them back.
      img = sharp(await img.png().toBuffer()).rotate(-90);
    }
    const bytes = encode ? await encode(img).toBuffer() : await animated(img, w, h);
    fs.writeFileSync(path.join(OUT, name), bytes);
    const ref = await thumb(bytes);
    fs.writeFileSync(path.join(OUT, name.replace(/\.[a-z]+$/, '') + '.sharp.webp'), ref);
    console.log(name, bytes.length, 'bytes; reference', ref.length, 'bytes');
  }
  console.log('sharp', sharp.versions.sharp, 'libvips', sharp.versions.vips);
})();
