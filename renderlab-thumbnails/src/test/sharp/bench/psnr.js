// PSNR of each ours/*.webp against sharp/*.webp, both decoded by sharp. Alpha images: RGB premultiplied + alpha.
const sharp = require('sharp');
const fs = require('fs'), path = require('path');
const [oursDir, refDir] = process.argv.slice(2);
(async () => {
  for (const f of fs.readdirSync(refDir).filter(f => f.endsWith('.webp')).sort()) {
    const a = await sharp(path.join(oursDir, f)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(path.join(refDir, f)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    if (a.info.width !== b.info.width || a.info.height !== b.info.height) { console.log(f, 'SIZE MISMATCH', a.info, b.info); continue; }
    let se = 0, n = 0;
    for (let i = 0; i < a.data.length; i += 4) {
      const aa = a.data[i + 3] / 255, ba = b.data[i + 3] / 255;
      for (let k = 0; k < 3; k++) { const d = a.data[i + k] * aa - b.data[i + k] * ba; se += d * d; n++; }
      const d = a.data[i + 3] - b.data[i + 3]; se += d * d; n++;
    }
    const mse = se / n;
    console.log(f + ' ' + (mse === 0 ? 'inf' : (10 * Math.log10(255 * 255 / mse)).toFixed(2)));
  }
})();
