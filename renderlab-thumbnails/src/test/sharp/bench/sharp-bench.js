// sharp side of the comparison: the seed's exact call (+ .rotate() for EXIF), one thread, median of --runs.
const sharp = require('sharp');
const fs = require('fs'), path = require('path');
const [dir, outDir, runsArg] = process.argv.slice(2);
const runs = parseInt(runsArg || '15', 10);
sharp.concurrency(1);
sharp.cache(false);
const thumb = b => sharp(b).rotate().resize(400, 400, { fit: 'cover', position: 'centre', kernel: sharp.kernel.lanczos3 })
  .webp({ quality: 75, effort: 4 }).toBuffer();
(async () => {
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  let total = 0, totalNs = 0n;
  for (const f of fs.readdirSync(dir).filter(f => !f.startsWith('.')).sort()) {
    const b = fs.readFileSync(path.join(dir, f));
    const warm = await thumb(b);
    if (outDir) fs.writeFileSync(path.join(outDir, f.replace(/\.[^.]+$/, '') + '.webp'), warm);
    const t = [];
    const w0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) { const s = process.hrtime.bigint(); await thumb(b); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
    totalNs += process.hrtime.bigint() - w0; total += runs;
    t.sort((a, b) => a - b);
    const med = runs % 2 ? t[(runs - 1) / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    console.log(f + ' ' + med.toFixed(2));
  }
  console.log('throughput ' + (total / (Number(totalNs) / 1e9)).toFixed(2));
})();
