// The auto stroke scale on a 12 MP photo, before and after (issue #33): the network's strokes are fixed in pixels,
// so at 4000×3000 they shrink to a fine ripple; `auto` paints the photo as at AUTO_STROKE_SIDE px on its long side.
// The shared data holds no photo of 12 MP (the largest is 1.2 MP), so the photo is the largest one, IMG_0155 of
// the seed report (1280×960), enlarged to 4000×3000 with Lanczos: its strokes are what the figure is about.
// Each run through the one pipeline (times in the JSON line; a benchmark only on an idle machine); the figure
// shows both whole and a 1:1 crop of each.
//   node --import tsx scripts/auto-strokes-figure.ts [MODEL] [OUT.jpg]
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { ModelStore } from '../src/models/resolver.js';
import { createPipeline } from '../src/stylize/pipeline.node.js';
import { AUTO_STROKE_SIDE, strokeScaleFor } from '../src/stylize/strokes.js';

const model = process.argv[2] ?? 'starry';
const out = process.argv[3] ?? 'docs/images/auto-strokes.jpg';
const store = new ModelStore();
const source = path.join(store.sharedDir, 'images', 'seed-report', 'IMG_0155_input.JPG');
const bigFile = path.join(os.tmpdir(), `depthstyle-12mp-${process.pid}.jpg`);
await sharp(source).resize(4000, 3000, { fit: 'fill', kernel: 'lanczos3' }).jpeg({ quality: 95 }).toFile(bigFile);
const photo = await loadImage(bigFile);
await rm(bigFile);
const pipeline = await createPipeline({ model }, { store, runtime: new Runtime() });
const crop = (img: RgbImage, x: number, y: number, w: number, h: number): RgbImage => {
  const n = img.width * img.height;
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++)
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) data[c * w * h + j * w + i] = img.data[c * n + (y + j) * img.width + x + i];
  return { width: w, height: h, data };
};
const runs: { label: string; img: RgbImage; seconds: number }[] = [];
for (const [label, strokeScale] of [
  ['--stroke-scale 1 (before)', 1],
  [`auto, ${strokeScaleFor('auto', photo).toFixed(1)}× (after)`, 'auto'],
] as const) {
  const t0 = performance.now();
  const img = await pipeline.run(photo, { strokeScale });
  runs.push({ label, img, seconds: (performance.now() - t0) / 1000 });
  process.stderr.write(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
await pipeline.dispose();
// A 1:1 crop of 800×600 px (a fifth of the width) from the middle of the picture.
const [cx, cy] = [1600, 1200];
await writeGrid(
  out,
  [
    [photo, ...runs.map((r) => r.img)],
    [crop(photo, cx, cy, 800, 600), ...runs.map((r) => crop(r.img, cx, cy, 800, 600))],
  ],
  [`photo ${photo.width}×${photo.height}; below: 1:1 crop`, ...runs.map((r) => r.label)],
  560,
  420,
);
console.log(
  JSON.stringify({
    out,
    model,
    size: [photo.width, photo.height],
    autoScale: strokeScaleFor('auto', photo),
    workingSide: AUTO_STROKE_SIDE,
    seconds: runs.map((r) => +r.seconds.toFixed(1)),
  }),
);
