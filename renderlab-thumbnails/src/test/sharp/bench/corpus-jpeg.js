// A harder JPEG corpus than corpus.js's (issue 14): node corpus-jpeg.js OUT_DIR (8 images, ~45 MB).
// 12 MP and larger at q90-q95, 4:2:0 and 4:4:4, baseline and progressive, with the grain of a
// high-ISO photo (which is what makes entropy decoding expensive); plus the shapes users send.
const fs = require('fs');
const { make } = require('./corpus.js');
const out = process.argv[2] || 'corpus-jpeg';
fs.mkdirSync(out, { recursive: true });
(async () => {
  await make('j1_4000x3000_q92_420.jpg', 4000, 3000, 11, 3, i => i.jpeg({ quality: 92 }), out);
  await make('j2_4000x3000_q95_444.jpg', 4000, 3000, 12, 3, i => i.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }), out);
  await make('j3_4032x3024_q92_420_progressive.jpg', 4032, 3024, 13, 3, i => i.jpeg({ quality: 92, progressive: true }), out);
  await make('j4_4000x3000_q90_444_progressive.jpg', 4000, 3000, 14, 3,
    i => i.jpeg({ quality: 90, chromaSubsampling: '4:4:4', progressive: true }), out);
  await make('j5_3000x4000_q92.jpg', 3000, 4000, 15, 3, i => i.jpeg({ quality: 92 }), out);
  await make('j6_2048x1536_q90.jpg', 2048, 1536, 16, 3, i => i.jpeg({ quality: 90 }), out);
  await make('j7_1200x800_exif6_q90.jpg', 1200, 800, 17, 3, i => i.jpeg({ quality: 90 }).withMetadata({ orientation: 6 }), out);
  await make('j8_6000x4000_q93_420.jpg', 6000, 4000, 18, 3, i => i.jpeg({ quality: 93 }), out);
})();
