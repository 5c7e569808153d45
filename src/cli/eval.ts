// depthstyle eval --content C --stylized S [--style STYLE] [--ground-truth DEPTH] [--json]
import { Runtime } from '../graph/index.js';
import { loadImage } from '../io/image.js';
import { readDepthTruth } from '../io/depth-truth.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { evaluatePair } from '../eval/evaluate.js';
import type { CommonOptions } from './common.js';

export interface EvalCommandOptions extends CommonOptions {
  content: string;
  stylized: string;
  style?: string;
  groundTruth?: string;
  depthModel: string;
  json: boolean;
}

export async function evalCommand(o: EvalCommandOptions): Promise<number> {
  const store = new ModelStore(o.models);
  const r = await evaluatePair({
    content: await loadImage(o.content),
    stylized: await loadImage(o.stylized),
    style: o.style ? await loadImage(o.style) : undefined,
    groundTruth: o.groundTruth ? await readDepthTruth(o.groundTruth) : undefined,
    depthModel: await loadDepthModel(o.depthModel, { store }),
    vgg: await loadVgg19({ store }),
    runtime: new Runtime({ threads: o.threads }),
  });
  if (o.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  const f = (v: number | undefined) => (v === undefined ? '-' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
  const lines = [
    `depth agreement (${r.depthModel}, content vs stylized):`,
    `  Pearson ${f(r.depth.pearson)}   Spearman ${f(r.depth.spearman)}   SSI-RMSE ${f(r.depth.ssiRmse)}   WHDR ${f(r.depth.whdr)}`,
    `structure: SSIM ${f(r.ssim)}   edge F1 ${f(r.edgeF1)}`,
    `stylization: style loss ${f(r.styleLoss)}   content loss ${f(r.contentLoss)}`,
  ];
  if (r.depthVsGroundTruth) {
    const g = r.depthVsGroundTruth;
    lines.push(`depth network vs ground truth: Pearson ${f(g.pearson)}   Spearman ${f(g.spearman)}   SSI-RMSE ${f(g.ssiRmse)}   WHDR ${f(g.whdr)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
