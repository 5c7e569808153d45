// `depthstyle compare`: every photo through every method, every output through
// `eval`, and an HTML report + grid PNG with the depth maps and the metrics,
// plus means with 95 % bootstrap intervals per method.
import path from 'node:path';
import type * as G from '../graph/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { escapeXml, writeGrid } from '../io/montage.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import { loadImage, resizeImage, resizeLongSide, saveImage, type RgbImage } from '../io/image.js';
import { DepthEstimator, type DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import { Rng } from '../optim/random.js';
import { evaluatePair, type EvalReport } from './evaluate.js';
import { ArgumentError, checkString } from '../io/arguments.js';

export interface Method {
  name: string;
  /** Stylizes a photo (already at the report size); or reads a stored output. */
  run: (photo: RgbImage, file: string) => Promise<RgbImage>;
}

export interface CompareOptions {
  images: string[];
  methods: Method[];
  style?: RgbImage;
  size: number;
  out: string;
  depthModel: DepthModel;
  /** The second judge: a depth network no loss used. */
  secondDepthModel?: DepthModel;
  vgg: Vgg19;
  runtime: G.Runtime;
  commandLine: string;
  onProgress?: (done: number, total: number) => void;
}

type Row = { image: string; method: string; report: EvalReport; file: string; depthFile: string };

// Robust judges first (a depth loss cannot satisfy them by fooling one network); the depth net's plain score after.
export const METRICS: [string, (r: EvalReport) => number | undefined, string][] = [
  ['depth Spearman, second net', (r) => r.robust.second?.agreement.spearman, '↑'],
  ['depth Spearman, resampled', (r) => r.robust.resampledSpearman, '↑'],
  ['depth-edge contrast ratio', (r) => r.robust.edges.contrastRatio, '↑'],
  ['depth Spearman, plain (gameable)', (r) => r.depth.spearman, '↑'],
  ['WHDR, plain', (r) => r.depth.whdr, '↓'],
  ['SSIM', (r) => r.ssim, '↑'],
  ['edge F1', (r) => r.edgeF1, '↑'],
  ['style loss', (r) => r.styleLoss, '↓'],
  ['content loss', (r) => r.contentLoss, '↓'],
];

/** Pairs of method names that are twins differing only in the depth term: [with depth, without]. */
export function twinPairs(names: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const n of names) {
    const m = /^(.*)-depth$/.exec(n);
    if (m && names.includes(`${m[1]}-nodepth`)) pairs.push([n, `${m[1]}-nodepth`]);
    const o = /^(.*)\(depth\)$/.exec(n);
    if (o && names.includes(`${o[1]}(no depth)`)) pairs.push([n, `${o[1]}(no depth)`]);
  }
  return pairs;
}

/** Per-photo differences f(a) − f(b) over the photos both methods have. */
export function pairedDifferences<R extends { image: string; method: string }>(
  rows: readonly R[],
  a: string,
  b: string,
  f: (r: R) => number | undefined,
): number[] {
  const out: number[] = [];
  for (const r of rows) {
    if (r.method !== a) continue;
    const t = rows.find((q) => q.method === b && q.image === r.image);
    const [x, y] = [f(r), t && f(t)];
    if (x !== undefined && y !== undefined) out.push(x - y);
  }
  return out;
}

/** Mean and 95 % percentile-bootstrap interval (2000 resamples, seeded). */
export function bootstrapMean(xs: number[], seed = 0): { mean: number; lo: number; hi: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, lo: mean, hi: mean };
  const rng = new Rng(seed);
  const means = Array.from({ length: 2000 }, () => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)];
    return s / xs.length;
  }).sort((a, b) => a - b);
  return { mean, lo: means[Math.floor(0.025 * means.length)], hi: means[Math.floor(0.975 * means.length)] };
}

const fmt = (v: number | undefined) => (v === undefined ? '–' : Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(3));

/**
 * Every file a report writes, decided before any work: one distinct stem per photo (a/x.jpg and b/x.jpg
 * become x and x_2), so that no two rows share files and the caller can refuse outputs that are inputs.
 */
export function reportFiles(images: readonly string[], methodNames: readonly string[], out: string): { stems: string[]; files: string[] } {
  const seen = new Set<string>();
  const stems = images.map((f) => {
    const base = path.basename(f).replace(/\.[^.]+$/, '');
    let stem = base;
    for (let k = 2; seen.has(stem.toLowerCase()); k++) stem = `${base}_${k}`;
    seen.add(stem.toLowerCase());
    return stem;
  });
  const slugs = methodNames.map(methodSlug);
  const files = [
    ...stems.flatMap((st) =>
      [`${st}.jpg`, `${st}-depth.png`, ...slugs.flatMap((m) => [`${st}-${m}.jpg`, `${st}-${m}-depth.png`])].map((f) => path.join(out, 'img', f)),
    ),
    ...['grid.png', 'index.html', 'metrics.json'].map((f) => path.join(out, f)),
  ];
  return { stems, files };
}

const methodSlug = (name: string) => name.replace(/[^a-z0-9]+/gi, '_');

export async function compare(o: CompareOptions): Promise<{ rows: Row[]; html: string; grid: string }> {
  if (!o || typeof o !== 'object') throw new ArgumentError('compare: options', 'must be an object { images, methods, out, depthModel, runtime, ... }');
  if (!Array.isArray(o.images) || !o.images.length) throw new ArgumentError('compare: images', 'must be a non-empty array of photo files');
  if (!Array.isArray(o.methods) || !o.methods.length) throw new ArgumentError('compare: methods', 'must be a non-empty array of methods');
  checkString(o.out, 'compare: out');
  const { stems } = reportFiles(
    o.images,
    o.methods.map((m) => m.name),
    o.out,
  );
  const est = new DepthEstimator(o.depthModel, o.runtime);
  const depthPic = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), o.depthModel.polarity), img.width, img.height);
  const rows: Row[] = [];
  const gridRows: RgbImage[][] = [];
  const total = o.images.length * o.methods.length;
  let done = 0;
  for (const [i, file] of o.images.entries()) {
    const stem = stems[i];
    const photo = await resizeLongSide(await loadImage(file), o.size, { shrinkOnly: true });
    const photoFile = path.join('img', `${stem}.jpg`);
    await saveImage(path.join(o.out, photoFile), photo);
    const photoDepth = await depthPic(photo);
    await saveImage(path.join(o.out, 'img', `${stem}-depth.png`), photoDepth);
    const gridRow = [photo, photoDepth];
    for (const m of o.methods) {
      let out = await m.run(photo, file);
      if (out.width !== photo.width || out.height !== photo.height) out = await resizeImage(out, photo.width, photo.height);
      const slug = methodSlug(m.name);
      const outFile = path.join('img', `${stem}-${slug}.jpg`);
      const depthFile = path.join('img', `${stem}-${slug}-depth.png`);
      await saveImage(path.join(o.out, outFile), out);
      const d = await depthPic(out);
      await saveImage(path.join(o.out, depthFile), d);
      const report = await evaluatePair({
        content: photo,
        stylized: out,
        style: o.style,
        depthModel: o.depthModel,
        secondDepthModel: o.secondDepthModel,
        vgg: o.vgg,
        runtime: o.runtime,
      });
      rows.push({ image: stem, method: m.name, report, file: outFile, depthFile });
      gridRow.push(out, d);
      o.onProgress?.(++done, total);
    }
    gridRows.push(gridRow);
    await est.release();
  }

  // grid.png: one row per photo — photo | depth | (output | depth) per method, with a header.
  await writeGrid(path.join(o.out, 'grid.png'), gridRows, ['photo', 'depth', ...o.methods.flatMap((m) => [m.name, 'its depth'])]);

  const { html, twins } = reportHtml(o, rows, gridRows.length);
  await writeFileAtomic(path.join(o.out, 'index.html'), html);
  await writeFileAtomic(
    path.join(o.out, 'metrics.json'),
    JSON.stringify({ commandLine: o.commandLine, twins, rows: rows.map(({ image, method, report }) => ({ image, method, ...report })) }, null, 2),
  );
  return { rows, html: path.join(o.out, 'index.html'), grid: path.join(o.out, 'grid.png') };
}

/** index.html of a comparison: the summary with intervals, the twins' paired differences, and every photo's results. */
function reportHtml(o: CompareOptions, rows: readonly Row[], photoCount: number): { html: string; twins: [string, string][] } {
  const summary = o.methods.map((m) => {
    const mine = rows.filter((r) => r.method === m.name);
    return `<tr><th>${escapeXml(m.name)}</th>${METRICS.map(([, f]) => {
      const xs = mine.map((r) => f(r.report)).filter((v): v is number => v !== undefined);
      if (!xs.length) return '<td>–</td>';
      const b = bootstrapMean(xs);
      return `<td>${fmt(b.mean)}<br><small>[${fmt(b.lo)}, ${fmt(b.hi)}]</small></td>`;
    }).join('')}</tr>`;
  });
  // Twins (NAME-depth / NAME-nodepth, optimize with / without depth): per-photo paired differences, whose
  // intervals are far tighter than the overlap of two marginal intervals.
  const twins = twinPairs(o.methods.map((m) => m.name));
  const paired = twins.map(([a, b]) => {
    const cells = METRICS.map(([, f]) => {
      const diffs = pairedDifferences(
        rows.map((r) => ({ ...r.report, image: r.image, method: r.method })),
        a,
        b,
        f,
      );
      if (!diffs.length) return '<td>–</td>';
      const bs = bootstrapMean(diffs);
      const excludes = bs.lo > 0 || bs.hi < 0;
      return `<td${excludes ? ' style="font-weight:bold"' : ''}>${fmt(bs.mean)}<br><small>[${fmt(bs.lo)}, ${fmt(bs.hi)}]</small></td>`;
    });
    return `<tr><th>${escapeXml(a)} − ${escapeXml(b)}</th>${cells.join('')}</tr>`;
  });
  const perImage = Array.from({ length: photoCount }, (_, i) => {
    const stem = rows.filter((r) => r.method === o.methods[0].name)[i]?.image ?? '';
    const cells = rows
      .filter((r) => r.image === stem)
      .map(
        (r) =>
          `<td><img src="${r.file}" width="200"><br><img src="${r.depthFile}" width="200"><br><b>${escapeXml(r.method)}</b><br><small>${METRICS.map(([n, f]) => `${n} ${fmt(f(r.report))}`).join('<br>')}</small></td>`,
      )
      .join('');
    return `<tr><td><img src="img/${stem}.jpg" width="200"><br><img src="img/${stem}-depth.png" width="200"><br><b>${escapeXml(stem)}</b></td>${cells}</tr>`;
  });
  const html = `<!doctype html><meta charset="utf-8"><title>depthstyle comparison</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:center}</style>
<h1>depthstyle comparison</h1>
<p>Reproduce with: <code>${escapeXml(o.commandLine)}</code></p>
<p>Depth network: ${escapeXml(o.depthModel.id)} (${escapeXml(o.depthModel.licence)})${o.secondDepthModel ? `; second judge: ${escapeXml(o.secondDepthModel.id)}` : ''}. Metrics compare each output with its photo; depth maps: near = warm.
The first three columns are the robust judges: agreement under a second depth network, agreement of ${escapeXml(o.depthModel.id)} after fixed resampling of both images (½ and back, ×0.7 and back, a 3 px shift; averaged), and how strongly the photo's depth edges stay visible as luminance edges.
The plain score is what ${escapeXml(o.depthModel.id)} answers on the two images as they are: a depth loss on that network can raise it with invisible patterns.
Summary: mean over ${o.images.length} photos, 95 % bootstrap interval below.${o.images.length < 10 ? ` With ${o.images.length} photo${o.images.length === 1 ? '' : 's'} the intervals are rough (a bootstrap over so few values understates the uncertainty): read them as a first look, and use 10 or more photos before drawing a conclusion.` : ''}</p>
<table><tr><th>method</th>${METRICS.map(([n, , dir]) => `<th>${n} ${dir}</th>`).join('')}</tr>${summary.join('')}</table>
${
  paired.length
    ? `<h2>Paired differences: each model minus its no-depth twin</h2><p>Mean over photos of the per-photo difference, 95 % bootstrap interval below; bold where the interval excludes 0.</p>
<table><tr><th>pair</th>${METRICS.map(([n, , dir]) => `<th>${n} ${dir}</th>`).join('')}</tr>${paired.join('')}</table>`
    : ''
}
<h2>Per photo</h2><p><img src="grid.png" style="max-width:100%"></p>
<table>${perImage.join('')}</table>`;
  return { html, twins };
}
