import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage } from '../src/io/image.js';
import { DialJudge, type DialScores } from '../src/eval/evaluate.js';
import { crossedBootstrap, edgesOfBlendAtStyle, formatInterval, splitLabel, splitSample, type Interval } from '../src/eval/protocol.js';
import { parseSplit, splitPaths } from '../src/eval/splits.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { type ArbitraryNetwork, DEFAULT_ARBITRARY_NETWORK } from '../src/stylize/arbitrary.node.js';
import type { StylizePipeline } from '../src/stylize/pipeline.js';
import { createPipeline } from '../src/stylize/pipeline.node.js';
import { DEFAULT_DEPTH_STRENGTH, type DepthStrength } from '../src/stylize/depth-strength.js';
import { blendToward } from '../src/stylize/stylize.js';

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const split = parseSplit(process.argv[2] ?? '', 'split-eval.ts SPLIT');
const [nPhotos, nPaintings] = [Number(arg('--photos') ?? 12), Number(arg('--paintings') ?? 6)];
const tag = arg('--tag') ? `-${arg('--tag')}` : '';
const store = new ModelStore();
const shared = store.sharedDir;
const runtime = new Runtime({ threads: arg('--threads') ? Number(arg('--threads')) : undefined });
const photos = splitSample(splitPaths(shared, 'photos', split), nPhotos);
const paintings = splitSample(splitPaths(shared, 'paintings', split), nPaintings);

/** A method: which transfer network, and depth-guided strength in the features (or none). */
interface Method {
  id: string;
  title: string;
  network: ArbitraryNetwork;
  depthStrength?: DepthStrength;
}
const DEFAULT = { network: DEFAULT_ARBITRARY_NETWORK, depthStrength: DEFAULT_DEPTH_STRENGTH.painting ?? 'off' };
const ALL: Method[] = [
  { id: 'orig-off', title: "original (Google's network), no depth handling: the reference", network: 'original' },
  { id: 'orig-0.75,1', title: 'original, --depth-strength 0.75,1 (in the features)', network: 'original', depthStrength: { near: 0.75, far: 1 } },
  { id: 'orig-0.9,1', title: 'original, --depth-strength 0.9,1', network: 'original', depthStrength: { near: 0.9, far: 1 } },
  {
    id: 'v2-depth',
    title: 'magenta-depth (fine-tuned across the train paintings with the depth loss; v2 was its name while on trial)',
    network: 'magenta-depth',
  },
  { id: 'v2-nodepth', title: 'magenta-nodepth (its twin: the same fine-tune without the depth term)', network: 'magenta-nodepth' },
  {
    id: 'clean-depth',
    title: 'magenta-clean-depth (licence-clean: the six-paintings fine-tune, Debian wallpapers and public-domain paintings)',
    network: 'magenta-clean-depth',
  },
  { id: 'clean-nodepth', title: 'magenta-clean-nodepth (its twin without the depth term)', network: 'magenta-clean-nodepth' },
  {
    id: 'v2-depth-0.75,1',
    title: 'magenta-depth with --depth-strength 0.75,1',
    network: 'magenta-depth',
    depthStrength: { near: 0.75, far: 1 },
  },
];
const only = arg('--methods')?.split(';');
const methods = ALL.filter((m) => !only || only.includes(m.id) || m.id === 'orig-off');
/** Blends of the reference toward the photo: the cheapest way to buy depth with style. */
const BLENDS = [0.9, 0.8];

const [vgg, depthModel] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store })];
const secondDepthModel = await loadDepthModel(secondJudgeFor('pydnet-v2'), { store });
type Cell = Record<string, DialScores> & { blends?: { strength: number; scores: DialScores }[] };
const cells: Cell[][] = photos.map(() => paintings.map(() => ({}) as Cell));
process.stderr.write(`${splitLabel(split)}: ${photos.length} photos × ${paintings.length} paintings, methods ${methods.map((m) => m.id).join(', ')}\n`);
const t0 = performance.now();
for (const [q, paintingFile] of paintings.entries()) {
  const painting = await loadImage(paintingFile);
  const judge = new DialJudge({ depthModel, secondDepthModel, vgg, style: painting, runtime });
  // Each method through the one recipe (the pipeline), kept across the photos of this painting.
  const pipelines = new Map<string, StylizePipeline>();
  for (const m of methods)
    pipelines.set(m.id, await createPipeline({ paintings: [paintingFile], network: m.network }, { store, runtime, depthStrength: m.depthStrength ?? 'off' }));
  for (const [p, photoFile] of photos.entries()) {
    const photo = await loadImage(photoFile, { maxSide: 512 });
    for (const m of methods) {
      const out = await pipelines.get(m.id)!.run(photo);
      cells[p][q][m.id] = await judge.judge(photo, out);
      if (m.id === 'orig-off') {
        cells[p][q].blends = [];
        for (const k of BLENDS) cells[p][q].blends!.push({ strength: k, scores: await judge.judge(photo, blendToward(out, photo, k)) });
      }
    }
    const done = q * photos.length + p + 1;
    const eta = ((performance.now() - t0) / done) * (photos.length * paintings.length - done);
    process.stderr.write(`\r${done}/${photos.length * paintings.length} cells, ETA ${(eta / 60000).toFixed(1)} min   `);
  }
  for (const pl of pipelines.values()) await pl.dispose();
  await judge.release();
}
process.stderr.write('\n');

const JUDGES = ['edges', 'resampled', 'second'] as const;
type Summary = Record<(typeof JUDGES)[number] | 'styleRatio' | 'aboveBlend', Interval> & { photosUp: number; paintingMeans: number[] };
const summary: Record<string, Summary> = {};
for (const m of methods.filter((x) => x.id !== 'orig-off')) {
  const diff = (f: (c: Cell) => number) => cells.map((row) => row.map(f));
  const s = {} as Summary;
  for (const j of JUDGES) s[j] = crossedBootstrap(diff((c) => c[m.id][j] - c['orig-off'][j]));
  s.styleRatio = crossedBootstrap(diff((c) => c[m.id].style / c['orig-off'].style));
  s.aboveBlend = crossedBootstrap(diff((c) => c[m.id].edges - edgesOfBlendAtStyle([c['orig-off'], ...c.blends!.map((b) => b.scores)], c[m.id].style)));
  s.photosUp = cells.filter((row) => row.reduce((a, c) => a + c[m.id].edges - c['orig-off'].edges, 0) > 0).length;
  s.paintingMeans = paintings.map((_, q) => cells.reduce((a, row) => a + row[q][m.id].edges - row[q]['orig-off'].edges, 0) / photos.length);
  summary[m.id] = s;
}
const f = formatInterval;
const table = [
  `${splitLabel(split)}, ${photos.length} photos × ${paintings.length} paintings at ≤ 512 px, ${new Date().toISOString().slice(0, 10)}; each against the original network with no depth handling, 95 % crossed bootstrap over photos and paintings:`,
  '',
  '| method | depth-edge contrast | PyDNet v2 (halved) | PyDNet++ | style loss × | edges above a blend at the same style | photos up |',
  '| --- | --- | --- | --- | --- | --- | ---: |',
  ...Object.entries(summary).map(
    ([id, s]) =>
      `| \`${id}\` | ${f(s.edges)} | ${f(s.resampled)} | ${f(s.second)} | ${f(s.styleRatio, 2).replace(/\+/g, '')} | ${f(s.aboveBlend)} | ${s.photosUp}/${photos.length} |`,
  ),
].join('\n');
console.log(table);
await writeFileAtomic(
  `docs/splits/arbitrary-${split}${tag}.json`,
  `${JSON.stringify({ split, label: splitLabel(split), date: new Date().toISOString(), photos: photos.map((x) => path.basename(x)), paintings: paintings.map((x) => path.basename(x)), methods, default: DEFAULT, summary, cells }, null, 1)}\n`,
);
await writeFileAtomic(`docs/splits/arbitrary-${split}${tag}.md`, `${table}\n`);
