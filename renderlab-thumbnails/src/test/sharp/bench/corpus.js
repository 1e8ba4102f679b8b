// Procedural photograph-like corpus for the sharp comparison: node corpus.js OUT_DIR (7 images, ~14 MB).
// Multi-octave value noise (sky/terrain), soft and hard shapes, grain, text; EXIF orientation 6 on one JPEG.
const sharp = require('sharp');
const path = require('path');
const out = process.argv[2] || 'corpus';

function rng(seed) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; }; }

function field(w, h, seed, cell) {
  const r = rng(seed); const gw = Math.ceil(w / cell) + 2, gh = Math.ceil(h / cell) + 2;
  const g = new Float32Array(gw * gh); for (let i = 0; i < g.length; i++) g[i] = r();
  return (x, y) => { const fx = x / cell, fy = y / cell; const ix = fx | 0, iy = fy | 0; let tx = fx - ix, ty = fy - iy;
    tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty);
    const a = g[iy * gw + ix], b = g[iy * gw + ix + 1], c = g[(iy + 1) * gw + ix], d = g[(iy + 1) * gw + ix + 1];
    return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty; };
}

function photo(w, h, seed, channels) {
  const r = rng(seed);
  const s = Math.min(w, h);
  const oct = [field(w, h, seed + 1, s / 3), field(w, h, seed + 2, s / 9), field(w, h, seed + 3, s / 30), field(w, h, seed + 4, s / 100), field(w, h, seed + 5, 6)];
  const amp = [0.5, 0.25, 0.12, 0.08, 0.05];
  const shapes = [];
  for (let i = 0; i < 40; i++) shapes.push({ x: r() * w, y: r() * h, rad: (0.02 + r() * 0.12) * s, soft: r() < 0.5 ? 1.5 : 0.15 * s * r(),
    c: [r() * 255, r() * 255, r() * 255], o: 0.4 + 0.6 * r(), rect: r() < 0.35 });
  const buf = Buffer.alloc(w * h * channels);
  const horizon = h * (0.35 + 0.3 * r());
  const sky0 = [60 + 80 * r(), 110 + 80 * r(), 200 + 50 * r()], ground0 = [60 + 90 * r(), 70 + 80 * r(), 30 + 50 * r()];
  const gr = rng(seed + 99);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let n = 0; for (let k = 0; k < oct.length; k++) n += amp[k] * oct[k](x, y);
      const hz = horizon + (oct[1](x, 0) - 0.5) * h * 0.2;
      let c;
      if (y < hz) { const t = y / hz; c = [sky0[0] * (0.7 + 0.5 * t) + 40 * n, sky0[1] * (0.8 + 0.3 * t) + 40 * n, sky0[2] + 30 * n]; }
      else { c = [ground0[0] * (0.4 + 1.2 * n), ground0[1] * (0.4 + 1.3 * n), ground0[2] * (0.5 + n)]; }
      for (const sh of shapes) {
        const dx = x - sh.x, dy = y - sh.y;
        const d = sh.rect ? Math.max(Math.abs(dx), Math.abs(dy) * 1.6) : Math.sqrt(dx * dx + dy * dy);
        if (d < sh.rad + sh.soft) { const a = sh.o * Math.min(1, Math.max(0, (sh.rad + sh.soft - d) / (2 * sh.soft)));
          const shade = 0.75 + 0.5 * oct[2](x, y);
          c = [c[0] + (sh.c[0] * shade - c[0]) * a, c[1] + (sh.c[1] * shade - c[1]) * a, c[2] + (sh.c[2] * shade - c[2]) * a]; }
      }
      const grain = (gr() - 0.5) * 14;
      const i = (y * w + x) * channels;
      for (let k = 0; k < 3; k++) buf[i + k] = Math.max(0, Math.min(255, Math.round(c[k] + grain)));
      if (channels === 4) { // a sticker: opaque blob with soft edge on transparent ground
        const dx = (x - w / 2) / (w * 0.38), dy = (y - h / 2) / (h * 0.42);
        const d = Math.sqrt(dx * dx + dy * dy) + 0.15 * (oct[1](x, y) - 0.5);
        buf[i + 3] = Math.max(0, Math.min(255, Math.round((1.03 - d) * 255 / 0.06)));
      }
    }
  }
  return buf;
}

function text(w, h, label) {
  const fs = Math.round(Math.min(w, h) / 14);
  return Buffer.from(`<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">
    <text x="${w * 0.08}" y="${h * 0.9}" font-family="sans-serif" font-size="${fs}" fill="white" stroke="black" stroke-width="${fs / 25}">${label}</text>
    <line x1="0" y1="${h * 0.5}" x2="${w}" y2="${h * 0.55}" stroke="#202020" stroke-width="3"/>
    </svg>`);
}

async function make(name, w, h, seed, channels, enc, dir = out) {
  const t0 = Date.now();
  const raw = photo(w, h, seed, channels);
  let img = sharp(raw, { raw: { width: w, height: h, channels } }).composite([{ input: text(w, h, 'RenderLab ' + name) }]);
  img = enc(img);
  await img.toFile(path.join(dir, name));
  console.log(name, w + 'x' + h, (Date.now() - t0) + ' ms');
}

module.exports = { photo, text, make };
if (require.main === module) (async () => {
  // Stored as 4000 wide x 3000 high (sensor order) with orientation 6: upright is 3000x4000 portrait.
  await make('a_square_1024.png', 1024, 1024, 1, 3, i => i.png({ compressionLevel: 6 }));
  await make('b_wide_1344x768.png', 1344, 768, 2, 3, i => i.png({ compressionLevel: 6 }));
  await make('c_alpha_1024.png', 1024, 1024, 3, 4, i => i.png({ compressionLevel: 6 }));
  await make('d_photo_2048x1536.jpg', 2048, 1536, 4, 3, i => i.jpeg({ quality: 90 }));
  await make('e_photo_3000x4000.jpg', 3000, 4000, 5, 3, i => i.jpeg({ quality: 90 }));
  await make('f_exif6_4000x3000.jpg', 4000, 3000, 6, 3, i => i.jpeg({ quality: 90 }).withMetadata({ orientation: 6 }));
  await make('g_square_4096.webp', 4096, 4096, 7, 3, i => i.webp({ quality: 85 }));
})();
