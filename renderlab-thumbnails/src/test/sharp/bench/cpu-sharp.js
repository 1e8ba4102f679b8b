// sharp side of the CPU-time comparison: process CPU (user+system) per render, median after warm-up.
//   node cpu-sharp.js DIR [RUNS] [WARM]   (sharp.concurrency(1), so this is one render's work)
const sharp = require('sharp'); const fs = require('fs'), path = require('path');
const [dir, runsArg, warmArg] = process.argv.slice(2); const runs = +runsArg || 15, warm = +warmArg || 5;
sharp.concurrency(1); sharp.cache(false);
const thumb = b => sharp(b).rotate().resize(400, 400, { fit: 'cover', position: 'centre', kernel: sharp.kernel.lanczos3 }).webp({ quality: 75, effort: 4 }).toBuffer();
(async () => { for (const f of fs.readdirSync(dir).sort()) { const b = fs.readFileSync(path.join(dir, f));
  for (let i = 0; i < warm; i++) await thumb(b);
  const t = []; for (let i = 0; i < runs; i++) { const c = process.cpuUsage(); await thumb(b); const d = process.cpuUsage(c); t.push((d.user + d.system) / 1000); }
  t.sort((a, b) => a - b); console.log(f + ' ' + t[(runs - 1) >> 1].toFixed(1)); } })();
