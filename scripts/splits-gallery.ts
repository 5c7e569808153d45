// Pictures to judge the --style default by eye, on test photos and test paintings nobody chose on: each row a
// photo with a painting, the columns the photo, Google's network, magenta-depth and its twin, each beside its
// depth (PyDNet v2, near = warm). Fixed before looking: the first four photos of the test sample, each with the
// test painting of the same index.
//   node --import tsx scripts/splits-gallery.ts [SPLIT] [OUT.jpg]
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { splitSample } from '../src/eval/protocol.js';
import { parseSplit, splitPaths } from '../src/eval/splits.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { createPipeline } from '../src/stylize/pipeline.node.js';

const split = parseSplit(process.argv[2] ?? 'test');
const out = process.argv[3] ?? `docs/splits/gallery-${split}.jpg`;
const store = new ModelStore();
const shared = store.sharedDir;
const runtime = new Runtime();
const photos = splitSample(splitPaths(shared, 'photos', split), 12).slice(0, 4);
const paintings = splitSample(splitPaths(shared, 'paintings', split), 8);
const depthModel = await loadDepthModel('pydnet-v2', { store });
const est = new DepthEstimator(depthModel, runtime);
const pic = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), depthModel.polarity), img.width, img.height);
const rows: RgbImage[][] = [];
for (const [k, file] of photos.entries()) {
  const photo = await loadImage(file, { maxSide: 384 });
  const painting = paintings[k % paintings.length];
  const row: RgbImage[] = [photo, await pic(photo)];
  for (const network of ['original', 'magenta-depth', 'magenta-nodepth'] as const) {
    const p = await createPipeline({ paintings: [painting], network }, { store, runtime, depthStrength: 'off' });
    const img = await p.run(photo);
    await p.dispose();
    row.push(img, await pic(img));
  }
  rows.push(row);
  process.stderr.write(`${path.basename(file)} × ${path.basename(painting)}\n`);
}
await writeGrid(out, rows, [
  'photo',
  'its depth',
  "Google's network",
  'its depth',
  'magenta-depth (default)',
  'its depth',
  'its twin, no depth term',
  'its depth',
]);
console.log(`wrote ${out}`);
