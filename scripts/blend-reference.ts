import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { evaluatePair } from '../src/eval/evaluate.js';
import { bootstrapMean } from '../src/eval/report.js';
import { loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { experimentPhotos } from '../src/eval/protocol.js';
import { stylize, blendToward } from '../src/stylize/stylize.js';
import { loadTransformModel } from '../src/stylize/models.js';

const [name, styleFile, out = `docs/zoo/${name}-blend-reference.json`] = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const store = new ModelStore();
const shared = store.sharedDir;
// --split dev|test [--photos N]: a sample of the locked split; without it the legacy 13 (a dev set).
const splitArg = process.argv.includes('--split') ? process.argv[process.argv.indexOf('--split') + 1] : undefined;
const nPhotos = process.argv.includes('--photos') ? Number(process.argv[process.argv.indexOf('--photos') + 1]) : 24;
const { files: photos, label: photoSet } = experimentPhotos(shared, splitArg, nPhotos);
const runtime = new Runtime();
const [vgg, depthModel, style] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store }), await loadImage(styleFile)];
const [withDepth, without] = [await loadTransformModel(`${name}-depth`, store), await loadTransformModel(`${name}-nodepth`, store)];
const judge = async (photo: RgbImage, img: RgbImage) => {
  const r = await evaluatePair({ content: photo, stylized: img, style, depthModel, vgg, runtime });
  return { style: r.styleLoss!, edges: r.robust.edges.contrastRatio };
};
const STRENGTHS = [1, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6];
const rows: {
  photo: string;
  depthTwin: { style: number; edges: number };
  blend: { strength: number; style: number; edges: number }[];
  blendAtSameStyle: { strength: number; edges: number };
}[] = [];
for (const file of photos) {
  const photo = await loadImage(file, { maxSide: 512 });
  const d = await judge(photo, await stylize(photo, withDepth, { runtime }));
  const plain = await stylize(photo, without, { runtime });
  const blend = [];
  for (const s of STRENGTHS) blend.push({ strength: s, ...(await judge(photo, blendToward(plain, photo, s))) });
  // The blend whose style loss equals the depth twin's, interpolated between the two strengths around it.
  const k = blend.findIndex((b) => b.style >= d.style);
  let same: { strength: number; edges: number };
  if (k <= 0) same = { strength: k === 0 ? 1 : STRENGTHS[STRENGTHS.length - 1], edges: blend[k === 0 ? 0 : blend.length - 1].edges };
  else {
    const [a, b] = [blend[k - 1], blend[k]];
    const t = (d.style - a.style) / (b.style - a.style);
    same = { strength: a.strength + t * (b.strength - a.strength), edges: a.edges + t * (b.edges - a.edges) };
  }
  rows.push({ photo: path.basename(file), depthTwin: d, blend, blendAtSameStyle: same });
  process.stderr.write(
    `${path.basename(file)}: depth twin edges ${d.edges.toFixed(3)} (style ${(100 * (d.style / blend[0].style - 1)).toFixed(1)} %), blend at that style (strength ${same.strength.toFixed(2)}) ${same.edges.toFixed(3)}, no-depth twin ${blend[0].edges.toFixed(3)}\n`,
  );
}
const gainDepth = bootstrapMean(rows.map((r) => r.depthTwin.edges - r.blend[0].edges));
const gainBlend = bootstrapMean(rows.map((r) => r.blendAtSameStyle.edges - r.blend[0].edges));
const versus = bootstrapMean(rows.map((r) => r.depthTwin.edges - r.blendAtSameStyle.edges));
const styleCost = bootstrapMean(rows.map((r) => 100 * (r.depthTwin.style / r.blend[0].style - 1)));
const summary = {
  name,
  photos: rows.length,
  size: 512,
  judge: 'depth-edge contrast ratio (network-free)',
  styleCostPct: styleCost,
  depthTwinGain: gainDepth,
  blendGainAtSameStyle: gainBlend,
  depthTwinMinusBlend: versus,
};
await writeFileAtomic(out, `${JSON.stringify({ photoSet, summary, rows }, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
