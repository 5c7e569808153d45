// The README's gallery: every zoo style (models/NAME-depth.onnx with its NAME-nodepth twin) on a few photos,
// each picture beside its depth map (PyDNet v2, near = warm): photo | depth | NAME-depth | its depth |
// NAME-nodepth | its depth | where the twins differ (mean absolute difference × 4: a 300-step branch changes
// the picture too little to see side by side). One docs/gallery/NAME.jpg per style, and docs/gallery/experiments/NAME.jpg for
// the pairs in models/experiments.
//   node --import tsx scripts/zoo-gallery.ts [OUT_DIR] [PHOTO...]      (defaults: docs/gallery, three content photos)
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { loadTransformOnnx, zooDir, zooModels, type ZooModel } from '../src/stylize/models.js';
import { Stylizer } from '../src/stylize/stylize.js';

const shared = process.env.DEPTHSTYLE_SHARED ?? path.join(import.meta.dirname, '..', '..', 'shared');
const [outDir = 'docs/gallery', ...given] = process.argv.slice(2);
const photos = given.length ? given : ['golden_gate.jpg', 'stata.jpg', 'hoovertowernight.jpg'].map((f) => path.join(shared, 'images', 'content', f));
const size = Number(process.env.SIZE ?? 512);

const runtime = new Runtime();
const depthModel = await loadDepthModel();
const depth = new DepthEstimator(depthModel, runtime);
const depthPicture = async (img: RgbImage) => colorizeDepth(normalizeDepth(await depth.estimate(img), depthModel.polarity), img.width, img.height);
const images = await Promise.all(photos.map((p) => loadImage(p, { maxSide: size })));
const photoDepths = await Promise.all(images.map(depthPicture));

for (const [dir, sub] of [
  [zooDir(), ''],
  [path.join(zooDir(), 'experiments'), 'experiments'],
] as const) {
  const zoo = await zooModels(dir);
  const styles = zoo
    .filter((m) => m.name.endsWith('-depth') && zoo.some((t) => t.name === m.name.replace(/-depth$/, '-nodepth')))
    .map((m) => m.name.replace(/-depth$/, ''));
  for (const style of styles) await galleryOf(style, zoo, path.join(outDir, sub));
}

/** Where two pictures differ: the mean absolute difference over R, G and B, × 4, in gray (black: the same). */
function differencePicture(a: RgbImage, b: RgbImage): RgbImage {
  const n = a.width * a.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(a.data[c * n + i] - b.data[c * n + i]);
    data[i] = data[n + i] = data[2 * n + i] = Math.min(255, (4 * d) / 3);
  }
  return { width: a.width, height: a.height, data };
}

async function galleryOf(style: string, zoo: ZooModel[], outDir: string): Promise<void> {
  const twins = [`${style}-depth`, `${style}-nodepth`];
  const stylizers = await Promise.all(twins.map(async (n) => new Stylizer((await loadTransformOnnx(zoo.find((m) => m.name === n)!.file)).model, runtime)));
  const rows: RgbImage[][] = [];
  for (const [i, img] of images.entries()) {
    const row = [img, photoDepths[i]];
    const outs: RgbImage[] = [];
    for (const s of stylizers) {
      const out = await s.stylizeLarge(img);
      outs.push(out);
      row.push(out, await depthPicture(out));
    }
    rows.push([...row, differencePicture(outs[0], outs[1])]);
  }
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${style}.jpg`);
  const cell = 320; // rows as tall as the tallest photo needs
  const cellHeight = Math.min(cell, Math.ceil(cell * Math.max(...images.map((m) => m.height / m.width))));
  await writeGrid(file, rows, ['photo', 'depth', twins[0], 'its depth', twins[1], 'its depth', 'difference ×4'], cell, cellHeight);
  console.log(`wrote ${file}`);
}
