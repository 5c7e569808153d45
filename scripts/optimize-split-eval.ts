// `optimize`'s default depth weight on a split (issue #32's protocol): each photo × painting of a fixed sample
// optimized twice — with the default depth loss (OPTIMIZE_DEFAULTS: weighted-content, 8e4) and with none (depth
// weight 0), same seed, same everything else — and judged by the three robust judges and the style loss, with
// crossed-bootstrap intervals over photos and paintings, and the no-depth result blended toward the photo at
// the same style cost as the cheapest alternative. The default runs at 512 px for 200 iterations (about ten
// minutes a photo on 2 cores), which 2 × photos × paintings runs cannot afford here: the judgement is at
// --size (256) and --iterations (100), stated in the output.
//   node --import tsx scripts/optimize-split-eval.ts dev|test [--photos 6] [--paintings 2] [--size 256] [--iterations 100]
//     [--weight W (another depth weight than the default)] [--reuse-none RUN.json (the no-depth scores of an
//     earlier run on the same cells: optimize is deterministic for a seed, so they need not be run again)]
// Writes docs/splits/optimize-SPLIT[-wW].{json,md}.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DialJudge, type DialScores } from '../src/eval/evaluate.js';
import { crossedBootstrap, edgesOfBlendAtStyle, formatInterval, splitLabel, splitSample } from '../src/eval/protocol.js';
import { parseSplit, splitPaths } from '../src/eval/splits.js';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage } from '../src/io/image.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { OPTIMIZE_DEFAULTS, optimize } from '../src/optimize/optimize.js';
import { blendToward } from '../src/stylize/stylize.js';

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const split = parseSplit(process.argv[2] ?? '', 'optimize-split-eval.ts SPLIT');
const [nPhotos, nPaintings] = [Number(arg('--photos') ?? 6), Number(arg('--paintings') ?? 2)];
const [size, iterations] = [Number(arg('--size') ?? 256), Number(arg('--iterations') ?? 100)];
const store = new ModelStore();
const runtime = new Runtime();
const photos = splitSample(splitPaths(store.sharedDir, 'photos', split), nPhotos);
const paintings = splitSample(splitPaths(store.sharedDir, 'paintings', split), nPaintings);
const [vgg, depthModel] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store })];
const secondDepthModel = await loadDepthModel(secondJudgeFor('pydnet-v2'), { store });
const weight = arg('--weight') ? Number(arg('--weight')) : OPTIMIZE_DEFAULTS.depthWeight;
const tag = arg('--weight') ? `-w${arg('--weight')}` : '';
const METHODS = { none: 0, default: weight } as const;
/** An earlier run's cells: their no-depth scores and blends are reused when the photos, paintings and size agree. */
const reused = arg('--reuse-none')
  ? (JSON.parse(readFileSync(arg('--reuse-none')!, 'utf8')) as { photos: string[]; paintings: string[]; size: number; iterations: number; cells: Cell[][] })
  : undefined;
if (
  reused &&
  (reused.size !== size ||
    reused.iterations !== iterations ||
    reused.photos.join() !== photos.map((x) => path.basename(x)).join() ||
    reused.paintings.join() !== paintings.map((x) => path.basename(x)).join())
)
  throw new Error(`--reuse-none ${arg('--reuse-none')}: another sample, size or length than this run`);
type Cell = { none: DialScores; default: DialScores; blends: DialScores[] };
const BLENDS = [0.9, 0.8];
const cells: Cell[][] = photos.map(() => []);
process.stderr.write(`${splitLabel(split)}: ${photos.length} photos × ${paintings.length} paintings at ${size} px, ${iterations} iterations\n`);
const t0 = performance.now();
for (const [q, paintingFile] of paintings.entries()) {
  const painting = await loadImage(paintingFile);
  const judge = new DialJudge({ depthModel, secondDepthModel, vgg, style: painting, runtime });
  for (const [p, file] of photos.entries()) {
    const photo = await loadImage(file, { maxSide: size });
    const out: Partial<Cell> = {};
    if (reused) Object.assign(out, { none: reused.cells[p][q].none, blends: reused.cells[p][q].blends });
    for (const [m, depthWeight] of Object.entries(METHODS) as [keyof typeof METHODS, number][]) {
      if (m === 'none' && reused) continue;
      const r = await optimize({ content: photo, styles: [painting], size, iterations, depthWeight, vgg, depthModel, runtime });
      out[m] = await judge.judge(photo, r.image);
      if (m === 'none') out.blends = await Promise.all(BLENDS.map((k) => judge.judge(photo, blendToward(r.image, photo, k))));
    }
    cells[p][q] = out as Cell;
    const done = q * photos.length + p + 1;
    const eta = ((performance.now() - t0) / done) * (photos.length * paintings.length - done);
    process.stderr.write(`\r${done}/${photos.length * paintings.length} cells, ETA ${(eta / 60000).toFixed(1)} min   `);
  }
  await judge.release();
}
process.stderr.write('\n');

const diff = (f: (c: Cell) => number) => cells.map((row) => row.map(f));
const summary = {
  edges: crossedBootstrap(diff((c) => c.default.edges - c.none.edges)),
  resampled: crossedBootstrap(diff((c) => c.default.resampled - c.none.resampled)),
  second: crossedBootstrap(diff((c) => c.default.second - c.none.second)),
  styleRatio: crossedBootstrap(diff((c) => c.default.style / c.none.style)),
  aboveBlend: crossedBootstrap(diff((c) => c.default.edges - edgesOfBlendAtStyle([c.none, ...c.blends], c.default.style))),
  photosUp: cells.filter((row) => row.reduce((a, c) => a + c.default.edges - c.none.edges, 0) > 0).length,
};
const f = formatInterval;
const table = [
  `${splitLabel(split)}, ${photos.length} photos × ${paintings.length} paintings, optimize at ${size} px for ${iterations} iterations, ${new Date().toISOString().slice(0, 10)}; the depth loss (weighted-content) at ${weight} against depth weight 0, 95 % crossed bootstrap:`,
  '',
  '| method | depth-edge contrast | PyDNet v2 (halved) | PyDNet++ | style loss × | edges above a blend at the same style | photos up |',
  '| --- | --- | --- | --- | --- | --- | ---: |',
  `| depth weight ${weight} vs none | ${f(summary.edges)} | ${f(summary.resampled)} | ${f(summary.second)} | ${f(summary.styleRatio, 2).replace(/\+/g, '')} | ${f(summary.aboveBlend)} | ${summary.photosUp}/${photos.length} |`,
].join('\n');
console.log(table);
await writeFileAtomic(
  `docs/splits/optimize-${split}${tag}.json`,
  `${JSON.stringify({ split, label: splitLabel(split), date: new Date().toISOString(), size, iterations, depthWeight: weight, photos: photos.map((x) => path.basename(x)), paintings: paintings.map((x) => path.basename(x)), summary, cells }, null, 1)}\n`,
);
await writeFileAtomic(`docs/splits/optimize-${split}${tag}.md`, `${table}\n`);
