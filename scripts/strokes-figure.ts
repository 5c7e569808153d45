// The README's stroke-size figure: one photo through a zoo model with its own strokes, strokes twice as large,
// and depth-guided strokes (large near, fine far), each beside its PyDNet v2 depth for reference.
//   node --import tsx scripts/strokes-figure.ts [OUT]      (default docs/images/strokes.jpg)
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { stylize } from '../src/stylize/stylize.js';
import { loadTransformModel } from '../src/stylize/models.js';

const [out = 'docs/images/strokes.jpg'] = process.argv.slice(2);
const store = new ModelStore();
const runtime = new Runtime();
const photo = await loadImage(path.join(store.dir, '..', 'images', 'content', 'golden_gate.jpg'), { maxSide: 512 });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const depth = colorizeDepth(normalizeDepth(await new DepthEstimator(depthModel, runtime).estimate(photo), depthModel.polarity), photo.width, photo.height);
const model = await loadTransformModel('starry-depth', store);
const panels = [
  photo,
  depth,
  await stylize(photo, model, { runtime }),
  await stylize(photo, model, { runtime, strokeScale: 2 }),
  await stylize(photo, model, { runtime, depthStrokes: { near: 2.5, far: 0.5 }, depthModel }),
];
await writeGrid(out, [panels], ['photo', 'its depth (near = warm)', 'starry-depth', '--stroke-scale 2', '--depth-strokes 2.5,0.5'], photo.width, photo.height);
process.stderr.write(`wrote ${out}\n`);
