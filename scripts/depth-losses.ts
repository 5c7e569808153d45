// Measures each depth loss of `optimize` against no depth loss with the robust judges only (resampled PyDNet v2,
// PyDNet++ v1, the depth-edge cue), on photos no one tuned on, at matched iterations; writes the README's table
// (docs/depth-losses/table.md), every number (results.json) and a grid per style with difference maps.
//
//   node --import tsx scripts/depth-losses.ts [--size 256] [--iterations 60] [--styles starry_night,the_scream]
//        [--photos a.jpg,b.jpg] [--methods none,ssi,eot,...] [--threads 1] [-o docs/depth-losses]
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Runtime } from '../src/graph/index.js';
import { bootstrapMean } from '../src/eval/report.js';
import { evaluatePair, type EvalReport } from '../src/eval/evaluate.js';
import { readDepthTruth, type DepthFrame } from '../src/io/depth-truth.js';
import { loadImage, saveImage, toInterleaved8, type RgbImage } from '../src/io/image.js';
import type { DepthLossKind } from '../src/losses/depth.js';
import { loadDepthModel } from '../src/models/depth.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { optimize } from '../src/optimize/optimize.js';

const { values: a } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    iterations: { type: 'string', default: '60' },
    styles: { type: 'string', default: 'starry_night,the_scream,composition_vii' },
    photos: { type: 'string' },
    methods: { type: 'string', default: 'none,ssi,gamed,eot,weighted-content,depth-edges' },
    threads: { type: 'string', default: '2' },
    /** Override weights: eot=3e4,depth-edges=1e5 */
    weights: { type: 'string' },
    /** Only print the table of earlier runs' results.json files (comma-separated), merged; "none" rows once per photo. */
    merge: { type: 'string' },
    /** With --merge: the method the others are paired against [none]. */
    baseline: { type: 'string', default: 'none' },
    shared: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared') },
    out: { type: 'string', short: 'o', default: 'docs/depth-losses' },
  },
});
const size = Number(a.size);
const iterations = Number(a.iterations);
const shared = a.shared!;

/** Weights: ssi/eot as optimize's default; the two network-free losses raised 10× after a pilot on chicago at 2e4 moved nothing (style −1 to −2 %). */
const METHODS: Record<string, { depthLoss?: DepthLossKind; depthWeight: number; note: string }> = {
  none: { depthWeight: 0, note: 'no depth loss' },
  'none-rounds': { depthWeight: 0, note: "no depth loss, L-BFGS restarted every 10 iterations as eot's is: the control for eot's optimizer" },
  ssi: { depthLoss: 'ssi', depthWeight: 1e5, note: 'seed loss, SSI on PyDNet v2 maps (gradient through the net)' },
  gamed: { depthLoss: 'ssi', depthWeight: 1e5, note: '"none", then 20 iterations of the ssi depth loss alone: pure gaming' },
  eot: { depthLoss: 'eot', depthWeight: 1e5, note: 'ssi under random blur, shift, noise, rescale (EOT)' },
  'weighted-content': { depthLoss: 'weighted-content', depthWeight: 2e5, note: 'VGG relu2_2 content loss weighted by nearness' },
  'depth-edges': { depthLoss: 'depth-edges', depthWeight: 2e5, note: 'luminance gradients kept at depth edges' },
};

/** Methods run with another weight than the default are labelled METHOD@WEIGHT in the results. */
const label = new Map<string, string>();
for (const kv of a.weights?.split(',') ?? []) {
  const [m, w] = kv.split('=');
  if (!METHODS[m] || !(Number(w) >= 0)) throw new Error(`--weights ${kv}: expected METHOD=WEIGHT`);
  METHODS[m].depthWeight = Number(w);
  label.set(m, `${m}@${w}`);
}
const labelOf = (m: string) => label.get(m) ?? m;

interface Photo {
  name: string;
  file: string;
  truth?: string;
}

async function photos(): Promise<Photo[]> {
  // --photos a.jpg,b.jpg=b-depth.png: a photo, optionally with its ground-truth depth after "=".
  if (a.photos)
    return a.photos.split(',').map((spec) => {
      const [file, truth] = spec.split('=');
      const dir = path.basename(path.dirname(path.dirname(file)));
      const stem = path.basename(file).replace(/\.[^.]+$/, '');
      return { name: truth && dir === 'open3d' ? `open3d-${stem}` : stem, file, truth };
    });
  const content = ['chicago', 'golden_gate', 'stata', 'darknet_dog', 'hoovertowernight'].map((n) => ({ name: n, file: `${shared}/images/content/${n}.jpg` }));
  const o3d = (await readdir(`${shared}/images/rgbd/open3d/color`)).sort().slice(0, 2);
  const rgbd = [
    ...o3d.map((f) => ({
      name: `open3d-${f.replace(/\.[^.]+$/, '')}`,
      file: `${shared}/images/rgbd/open3d/color/${f}`,
      truth: `${shared}/images/rgbd/open3d/depth/${f.replace(/\.jpg$/, '.png')}`,
    })),
    { name: 'sun', file: `${shared}/images/rgbd/sun/SUN_color.jpg`, truth: `${shared}/images/rgbd/sun/SUN_depth.png` },
    { name: 'tum', file: `${shared}/images/rgbd/tum/TUM_color.png`, truth: `${shared}/images/rgbd/tum/TUM_depth.png` },
  ];
  return [...content, ...rgbd];
}

async function tile(img: RgbImage, side: number): Promise<Buffer> {
  return sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(side, side, { fit: 'contain', background: '#fff' })
    .png()
    .toBuffer();
}

/** |a − b| × 4 as a gray image: where two results differ. */
function difference(x: RgbImage, y: RgbImage): RgbImage {
  const n = x.width * x.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const d = Math.min(
      255,
      ((Math.abs(x.data[i] - y.data[i]) + Math.abs(x.data[n + i] - y.data[n + i]) + Math.abs(x.data[2 * n + i] - y.data[2 * n + i])) / 3) * 4,
    );
    for (let c = 0; c < 3; c++) data[c * n + i] = 255 - d;
  }
  return { width: x.width, height: x.height, data };
}

type Row = { style: string; photo: string; method: string; report: EvalReport; styleLoss: number; seconds: number };
if (a.merge) {
  const merged: Row[] = [];
  for (const f of a.merge.split(',')) {
    const r = JSON.parse(await readFile(f, 'utf8')) as { rows: (EvalReport & { style: string; photo: string; method: string; seconds: number })[] };
    for (const x of r.rows)
      if (!merged.some((m) => m.style === x.style && m.photo === x.photo && m.method === x.method))
        merged.push({ style: x.style, photo: x.photo, method: x.method, report: x, styleLoss: x.styleLoss!, seconds: x.seconds });
  }
  console.log(table(merged, [...new Set(merged.map((r) => r.method))], a.baseline).join('\n'));
  process.exit(0);
}

// Table: per method, mean over photos and styles; paired difference to "none" with a 95 % bootstrap interval.
function table(rows: Row[], methods: string[], baselineMethod = 'none'): string[] {
  const judges: [string, (r: EvalReport) => number][] = [
    ['v2 plain (optimized net)', (r) => r.depth.spearman],
    ['v2 ½ and back', (r) => r.robust.resampled.half.spearman],
    ['v2 ×0.7 and back', (r) => r.robust.resampled['x0.7'].spearman],
    ['v2 shifted 3 px', (r) => r.robust.resampled.shift3.spearman],
    ['v1 (second net)', (r) => r.robust.second!.agreement.spearman],
    ['depth-edge recall ratio', (r) => r.robust.edges.ratio],
    ['depth-edge contrast ratio', (r) => r.robust.edges.contrastRatio],
    ['style loss', (r) => r.styleLoss ?? NaN],
  ];
  const key = (r: Row) => `${r.style}/${r.photo}`;
  const baseline = new Map(rows.filter((r) => r.method === baselineMethod).map((r) => [key(r), r]));
  const fmt = (v: number) => (Math.abs(v) >= 1e3 ? v.toExponential(2) : v.toFixed(3));
  const lines = [`| method | ${judges.map(([n]) => n).join(' | ')} |`, `| --- | ${judges.map(() => '---').join(' | ')} |`];
  for (const m of methods) {
    const mine = rows.filter((r) => r.method === m);
    const cells = judges.map(([n, f]) => {
      const get = n === 'style loss' ? (r: Row) => r.styleLoss : (r: Row) => f(r.report);
      const mean = bootstrapMean(mine.map(get)).mean;
      if (m === baselineMethod) return fmt(mean);
      const paired = mine
        .filter((r) => baseline.has(key(r)))
        .map((r) => (n === 'style loss' ? get(r) / get(baseline.get(key(r))!) - 1 : get(r) - get(baseline.get(key(r))!)));
      const b = bootstrapMean(paired);
      const unit = n === 'style loss' ? (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(0)} %` : (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
      return `${fmt(mean)} (${unit(b.mean)} [${unit(b.lo)}, ${unit(b.hi)}])`;
    });
    lines.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  return lines;
}

const runtime = new Runtime({ threads: Number(a.threads) });
const vgg = await loadVgg19();
const v2 = await loadDepthModel('pydnet-v2');
const v1 = await loadDepthModel('pydnet');
const methods = a.methods!.split(',');
const out = a.out!;
await mkdir(out, { recursive: true });
const rows: Row[] = [];
for (const styleName of a.styles!.split(',')) {
  const style = await loadImage(`${shared}/images/styles/${styleName}.jpg`);
  const grid: Buffer[][] = [];
  for (const p of await photos()) {
    const photo = await loadImage(p.file, { maxSide: size });
    const truth: DepthFrame | undefined = p.truth ? await readDepthTruth(p.truth) : undefined;
    const results = new Map<string, RgbImage>();
    for (const m of methods) {
      const spec = METHODS[m];
      const t0 = performance.now();
      const base = { content: photo, styles: [style], size, seed: 1, vgg, runtime, depthModel: v2 };
      let r;
      if (m === 'gamed') {
        const start = results.get('none') ?? (await optimize({ ...base, iterations, depthWeight: 0 })).image;
        r = await optimize({
          ...base,
          init: start,
          iterations: 20,
          contentWeight: 0,
          styleWeight: 0,
          tvWeight: 0,
          depthWeight: spec.depthWeight,
          depthLoss: 'ssi',
        });
      } else
        r = await optimize({ ...base, iterations, depthWeight: spec.depthWeight, depthLoss: spec.depthLoss, lbfgsRound: m === 'none-rounds' ? 10 : undefined });
      results.set(m, r.image);
      const report = await evaluatePair({ content: photo, stylized: r.image, style, groundTruth: truth, depthModel: v2, secondDepthModel: v1, vgg, runtime });
      rows.push({ style: styleName, photo: p.name, method: labelOf(m), report, styleLoss: report.styleLoss!, seconds: (performance.now() - t0) / 1000 });
      const rb = report.robust;
      process.stderr.write(
        `${styleName} ${p.name} ${labelOf(m)}: plain ${report.depth.spearman.toFixed(3)} | half ${rb.resampled.half.spearman.toFixed(3)} x0.7 ${rb.resampled['x0.7'].spearman.toFixed(3)} shift3 ${rb.resampled.shift3.spearman.toFixed(3)} | v1 ${rb.second!.agreement.spearman.toFixed(3)} | edges ${rb.edges.ratio.toFixed(3)} contrast ${rb.edges.contrastRatio.toFixed(3)} | style ${report.styleLoss!.toExponential(2)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
      );
    }
    const none = results.get('none');
    const row = [await tile(photo, 160), ...(await Promise.all(methods.map((m) => tile(results.get(m)!, 160))))];
    const diffs = [
      Buffer.alloc(0),
      ...(await Promise.all(methods.map((m) => (none && m !== 'none' ? tile(difference(results.get(m)!, none), 160) : Promise.resolve(Buffer.alloc(0)))))),
    ];
    grid.push(row, diffs);
    for (const m of methods) await saveImage(path.join(out, 'img', `${styleName}-${p.name}-${labelOf(m)}.jpg`), results.get(m)!);
  }
  // Grid: per photo, the results and below them |result − none| × 4 (white = identical).
  const cell = 160;
  const labels = ['photo', ...methods.map(labelOf)];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labels.length * cell}" height="24"><rect width="100%" height="100%" fill="white"/>${labels.map((l, i) => `<text x="${i * cell + cell / 2}" y="17" text-anchor="middle" font-size="13" font-family="sans-serif">${l}</text>`).join('')}</svg>`;
  const composite: { input: Buffer; left: number; top: number }[] = [{ input: Buffer.from(svg), left: 0, top: 0 }];
  grid.forEach((r, y) => r.forEach((input, x) => input.length && composite.push({ input, left: x * cell, top: 24 + y * cell })));
  await sharp({ create: { width: labels.length * cell, height: 24 + grid.length * cell, channels: 3, background: '#ffffff' } })
    .composite(composite)
    .jpeg({ quality: 85 })
    .toFile(path.join(out, `grid-${styleName}.jpg`));
}

const lines = table(rows, methods.map(labelOf));
const key = (r: Row) => `${r.style}/${r.photo}`;
const photoCount = new Set(rows.map(key)).size;
const header = `Depth Spearman against the photo (higher is better) and style loss; mean over ${photoCount} photo×style pairs (${size} px, ${iterations} L-BFGS iterations, seed 1); in brackets the paired difference to "none" with its 95 % bootstrap interval.\n\n`;
await writeFile(
  path.join(out, 'table.md'),
  `${header + lines.join('\n')}\n\n${Object.entries(METHODS)
    .filter(([m]) => methods.includes(m))
    .map(([m, s]) => `- **${m}**: ${s.note}${s.depthWeight ? `, weight ${s.depthWeight.toExponential(0)}` : ''}`)
    .join('\n')}\n`,
);
await writeFile(
  path.join(out, 'results.json'),
  JSON.stringify(
    { size, iterations, rows: rows.map((r) => ({ style: r.style, photo: r.photo, method: r.method, seconds: +r.seconds.toFixed(1), ...r.report })) },
    null,
    1,
  ),
);
process.stderr.write(`wrote ${out}/table.md, results.json and grid-*.jpg\n${lines.join('\n')}\n`);
