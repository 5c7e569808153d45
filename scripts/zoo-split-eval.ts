// The zoo twins on a split (issue #32's protocol): today's twins (trained on the 23 photos of images/train) and
// their continuation on the train split of images/photos (`photos-continue`), each zoo painting with the same
// photos of one split, judged by the three robust judges (depth-edge contrast, PyDNet v2 on halved images,
// PyDNet++) and the style loss against today's no-depth twin — "no depth handling" of the same network — with
// crossed-bootstrap intervals over photos and the zoo's paintings, and today's no-depth twin blended toward the
// photo at the same style cost as the cheapest alternative. Chosen on dev; test run once, after the choice.
//   node --import tsx scripts/zoo-split-eval.ts dev|test [--photos N] [--threads N] [--gallery] [--tag T]
// Writes docs/splits/zoo-SPLIT[-T].{json,md} (and docs/splits/zoo-gallery-SPLIT.jpg with --gallery).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DialJudge, type DialScores } from '../src/eval/evaluate.js';
import { crossedBootstrap, edgesOfBlendAtStyle, formatInterval, splitLabel, splitSample, type Interval } from '../src/eval/protocol.js';
import { parseSplit, splitPaths } from '../src/eval/splits.js';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { DepthEstimator, loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import type { StylizePipeline } from '../src/stylize/pipeline.js';
import { createPipeline } from '../src/stylize/pipeline.node.js';
import { blendToward } from '../src/stylize/stylize.js';

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const split = parseSplit(process.argv[2] ?? '', 'zoo-split-eval.ts SPLIT');
const store = new ModelStore();
const tag = arg('--tag') ? `-${arg('--tag')}` : '';
const runtime = new Runtime({ threads: arg('--threads') ? Number(arg('--threads')) : undefined });
const photos = splitSample(splitPaths(store.sharedDir, 'photos', split), Number(arg('--photos') ?? 12));
/** The zoo's paintings: each has its own twins. */
const ZOO = { scream: 'the_scream.jpg', starry: 'starry_night.jpg', composition: 'composition_vii.jpg' } as const;
type ZooName = keyof typeof ZOO;
const names = Object.keys(ZOO) as ZooName[];
/** The methods, as model files of a zoo name; the first is the reference (today's no-depth twin). */
const METHODS = {
  nodepth: (n: string) => `models/${n}-nodepth.onnx`,
  depth: (n: string) => `models/${n}-depth.onnx`,
  'photos-nodepth': (n: string) => `models/${n}-photos-nodepth.onnx`,
  'photos-depth': (n: string) => `models/${n}-photos-depth.onnx`,
} as const;
type MethodId = keyof typeof METHODS;
const methods = (Object.keys(METHODS) as MethodId[]).filter((m) => names.every((n) => existsSync(METHODS[m](n))));
const BLENDS = [0.9, 0.8];

const [vgg, depthModel] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store })];
const secondDepthModel = await loadDepthModel(secondJudgeFor('pydnet-v2'), { store });
type Cell = Partial<Record<MethodId, DialScores>> & { blends: { strength: number; scores: DialScores }[] };
const cells: Cell[][] = photos.map(() => names.map(() => ({ blends: [] })));
process.stderr.write(`${splitLabel(split)}: ${photos.length} photos × ${names.join(', ')}, methods ${methods.join(', ')}\n`);
const pipelines = async (n: ZooName) => {
  const out = new Map<MethodId, StylizePipeline>();
  for (const m of methods) out.set(m, await createPipeline({ model: METHODS[m](n) }, { store, runtime }));
  return out;
};
const t0 = performance.now();
for (const [q, name] of names.entries()) {
  const judge = new DialJudge({
    depthModel,
    secondDepthModel,
    vgg,
    style: await loadImage(path.join(store.sharedDir, 'images', 'styles', ZOO[name])),
    runtime,
  });
  const byMethod = await pipelines(name);
  for (const [p, file] of photos.entries()) {
    const photo = await loadImage(file, { maxSide: 512 });
    for (const m of methods) {
      const out = await byMethod.get(m)!.run(photo);
      cells[p][q][m] = await judge.judge(photo, out);
      if (m === 'nodepth') for (const k of BLENDS) cells[p][q].blends.push({ strength: k, scores: await judge.judge(photo, blendToward(out, photo, k)) });
    }
    const done = q * photos.length + p + 1;
    const eta = ((performance.now() - t0) / done) * (photos.length * names.length - done);
    process.stderr.write(`\r${done}/${photos.length * names.length} cells, ETA ${(eta / 60000).toFixed(1)} min   `);
  }
  for (const pl of byMethod.values()) await pl.dispose();
  await judge.release();
}
process.stderr.write('\n');

const JUDGES = ['edges', 'resampled', 'second'] as const;
type Summary = Record<(typeof JUDGES)[number] | 'styleRatio' | 'aboveBlend', Interval> & { photosUp: number };
/** A method against a reference over the given zoo paintings (columns). */
function summarize(m: MethodId, ref: MethodId, cols: number[]): Summary {
  const diff = (f: (c: Cell) => number) => cells.map((row) => cols.map((q) => f(row[q])));
  const s = {} as Summary;
  for (const j of JUDGES) s[j] = crossedBootstrap(diff((c) => c[m]![j] - c[ref]![j]));
  s.styleRatio = crossedBootstrap(diff((c) => c[m]!.style / c[ref]!.style));
  s.aboveBlend = crossedBootstrap(diff((c) => c[m]!.edges - edgesOfBlendAtStyle([c.nodepth!, ...c.blends.map((b) => b.scores)], c[m]!.style)));
  s.photosUp = cells.filter((row) => cols.reduce((a, q) => a + row[q][m]!.edges - row[q][ref]!.edges, 0) > 0).length;
  return s;
}
const f = formatInterval;
const rows: { label: string; s: Summary }[] = [];
const groups: [string, number[]][] = [['all three', names.map((_, q) => q)], ...names.map((n, q): [string, number[]] => [n, [q]])];
for (const [group, cols] of groups) {
  for (const m of methods.filter((x) => x !== 'nodepth')) rows.push({ label: `${group}: \`${m}\` vs \`nodepth\``, s: summarize(m, 'nodepth', cols) });
  if (methods.includes('photos-depth'))
    rows.push({ label: `${group}: \`photos-depth\` vs \`photos-nodepth\``, s: summarize('photos-depth', 'photos-nodepth', cols) });
}
const table = [
  `${splitLabel(split)}, ${photos.length} photos × the zoo's ${names.length} paintings at ≤ 512 px, ${new Date().toISOString().slice(0, 10)}; paired differences, 95 % crossed bootstrap over photos and paintings (over photos alone for one painting); "above a blend": edges above today's no-depth twin blended toward the photo at the same style loss:`,
  '',
  '| method | depth-edge contrast | PyDNet v2 (halved) | PyDNet++ | style loss × | edges above a blend at the same style | photos up |',
  '| --- | --- | --- | --- | --- | --- | ---: |',
  ...rows.map(
    ({ label, s }) =>
      `| ${label} | ${f(s.edges)} | ${f(s.resampled)} | ${f(s.second)} | ${f(s.styleRatio, 2).replace(/\+/g, '')} | ${f(s.aboveBlend)} | ${s.photosUp}/${photos.length} |`,
  ),
].join('\n');
console.log(table);
await writeFileAtomic(
  `docs/splits/zoo-${split}${tag}.json`,
  `${JSON.stringify({ split, label: splitLabel(split), date: new Date().toISOString(), photos: photos.map((x) => path.basename(x)), zoo: ZOO, methods, rows, cells }, null, 1)}\n`,
);
await writeFileAtomic(`docs/splits/zoo-${split}${tag}.md`, `${table}\n`);

if (process.argv.includes('--gallery')) {
  // Fixed before looking: the first three photos of the sample, each with one zoo painting in turn.
  const est = new DepthEstimator(depthModel, runtime);
  const pic = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), depthModel.polarity), img.width, img.height);
  const grid: RgbImage[][] = [];
  for (const [k, name] of names.entries()) {
    const photo = await loadImage(photos[k], { maxSide: 384 });
    const row: RgbImage[] = [photo, await pic(photo)];
    for (const m of ['depth', 'photos-depth'] as const) {
      const pl = await createPipeline({ model: METHODS[m](name) }, { store, runtime });
      const img = await pl.run(photo);
      await pl.dispose();
      row.push(img, await pic(img));
    }
    grid.push(row);
  }
  const out = `docs/splits/zoo-gallery-${split}.jpg`;
  await writeGrid(out, grid, ['photo', 'its depth', 'today (23 photos)', 'its depth', 'continued on 711 photos', 'its depth']);
  console.log(`wrote ${out}`);
}
