// Pictures a viewer can judge: each row one held-out photo, the columns "no depth handling" and each depth control
// at its recommended setting (docs/dial/summary.json, chosen from the curves, not by eye), each beside its depth
// map (PyDNet v2, near = warm); under each row, the same 2× crop of every column where the controls change most.
//   node --import tsx scripts/depth-gallery.ts NAME zoo|arbitrary [OUT.jpg]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { writeGrid } from '../src/io/montage.js';
import { resizeRgb, toGray } from '../src/io/rgb.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { DIAL_METHODS, dialRenderer, type DialPainting } from './depth-dial-methods.js';

const [name, network, out = `docs/dial/${process.argv[2]}-${process.argv[3]}-gallery.jpg`] = process.argv.slice(2) as [
  DialPainting,
  'zoo' | 'arbitrary',
  string?,
];
// Fixed before any result was seen: four held-out photos with near and far things.
const PHOTOS = ['images/content/golden_gate.jpg', 'images/content/tubingen.jpg', 'images/content/chicago.jpg', 'images/rgbd/tum/TUM_color.png'];
const CELL = 256;
const CROP = 96;
const summary = JSON.parse(readFileSync('docs/dial/summary.json', 'utf8'))[name] as { recommended: Record<string, string | null> };
const keys = [
  `${network === 'zoo' ? 'zoo' : 'arb'}-none@-`,
  ...Object.entries(summary.recommended)
    .filter(([id, k]) => k && DIAL_METHODS.find((m) => m.id === id)!.network === network)
    .map(([, k]) => k!),
];
const store = new ModelStore();
const runtime = new Runtime();
const depthModel = await loadDepthModel('pydnet-v2', { store });
const renderer = await dialRenderer(name, store, runtime, depthModel);
const est = new DepthEstimator(depthModel, runtime);
const depthPic = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), depthModel.polarity), img.width, img.height);

function crop(img: RgbImage, x0: number, y0: number, s: number): RgbImage {
  const n = img.width * img.height;
  const data = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < s; y++) data.set(img.data.subarray(c * n + (y0 + y) * img.width + x0, c * n + (y0 + y) * img.width + x0 + s), c * s * s + y * s);
  return resizeRgb({ width: s, height: s, data }, 2 * s, 2 * s);
}
/** The CROP² window where the results differ most from the first (no depth handling), in luminance. */
function where(results: RgbImage[]): [number, number] {
  const [w, h] = [results[0].width, results[0].height];
  const base = toGray(results[0]);
  const diff = new Float32Array(w * h);
  for (const r of results.slice(1)) toGray(r).forEach((v, i) => (diff[i] += Math.abs(v - base[i])));
  let best: [number, number, number] = [0, 0, -1];
  for (let y = 0; y + CROP <= h; y += 8)
    for (let x = 0; x + CROP <= w; x += 8) {
      let s = 0;
      for (let yy = y; yy < y + CROP; yy += 2) for (let xx = x; xx < x + CROP; xx += 2) s += diff[yy * w + xx];
      if (s > best[2]) best = [x, y, s];
    }
  return [best[0], best[1]];
}

const rows: RgbImage[][] = [];
for (const rel of PHOTOS) {
  const photo = await loadImage(path.join(store.dir, '..', rel), { maxSide: 512 });
  const results: RgbImage[] = [];
  for (const k of keys) {
    const [id, label] = k.split('@');
    const m = DIAL_METHODS.find((x) => x.id === id)!;
    results.push(await renderer.render(m, m.settings.find((s) => s.label === label)!, photo));
  }
  const row: RgbImage[] = [photo, await depthPic(photo)];
  for (const r of results) row.push(r, await depthPic(r));
  rows.push(row);
  const [x, y] = where(results);
  rows.push([
    crop(photo, x, y, CROP),
    await depthPic(crop(photo, x, y, CROP)),
    ...results.flatMap((r) => [crop(r, x, y, CROP), { width: 1, height: 1, data: new Float32Array([255, 255, 255]) }]),
  ]);
  process.stderr.write(`${rel}: crop at (${x}, ${y})\n`);
}
const labels = ['photo', 'its depth', ...keys.flatMap((k) => [k.replace('@-', ''), 'depth'])];
await writeGrid(out, rows, labels, CELL, Math.round(CELL * 0.75));
await est.release();
await renderer.release();
console.log(out);
