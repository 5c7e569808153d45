// `depthstyle eval`: how well a stylized image keeps the photo's depth and
// structure, and how strongly it is stylized (so preservation is never bought
// by not stylizing).
import * as G from '../graph/index.js';
import { resizeImage, type RgbImage } from '../io/image.js';
import type { DepthFrame } from '../io/depth-truth.js';
import { gram } from '../losses/perceptual.js';
import { DepthEstimator, type DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import { OPTIMIZE_DEFAULTS } from '../stylize/optimize.js';
import { depthAgreement, edgeAgreement, structureSsim, type DepthAgreement } from './metrics.js';

export interface EvalReport {
  depthModel: string;
  depth: DepthAgreement;
  ssim: number;
  edgeF1: number;
  /** Gram distance to the style image (same layers as optimize), if a style is given. */
  styleLoss?: number;
  /** VGG relu4_2 feature distance to the content image. */
  contentLoss: number;
  /** The depth network's own accuracy on the content image, if ground truth is given. */
  depthVsGroundTruth?: DepthAgreement;
}

export interface EvalInputs {
  content: RgbImage;
  stylized: RgbImage;
  style?: RgbImage;
  groundTruth?: DepthFrame;
  depthModel: DepthModel;
  vgg: Vgg19;
  runtime: G.Runtime;
}

export async function evaluatePair(i: EvalInputs): Promise<EvalReport> {
  const { stylized } = i;
  const content = await resizeImage(i.content, stylized.width, stylized.height);
  const est = new DepthEstimator(i.depthModel, i.runtime);
  const dc = await est.estimate(content);
  const ds = await est.estimate(stylized);
  const layers = OPTIMIZE_DEFAULTS.styleLayers;
  const run = async (img: RgbImage, outs: (x: G.Tensor) => G.Tensor[]) => {
    const g = new G.Graph();
    const x = g.input('image', [1, 3, img.height, img.width]);
    const r = await (await i.runtime.compile(outs(x))).run(new Map([[x, img.data]]));
    await i.runtime.releaseGraph(g);
    return r;
  };
  const feats = (x: G.Tensor) => {
    const f = i.vgg.features(x, [...layers, 'relu4_2']);
    return [...layers.map((l) => gram(f.get(l)!)), f.get('relu4_2')!];
  };
  const fs = await run(stylized, feats);
  const fc = await run(content, feats);
  const dist = (a: G.Float32Tensor, b: G.Float32Tensor) => {
    let s = 0;
    for (let k = 0; k < a.data.length; k++) s += (a.data[k] - b.data[k]) ** 2;
    return s / a.data.length;
  };
  let styleLoss: number | undefined;
  if (i.style) {
    const side = Math.max(stylized.width, stylized.height);
    const k = side / Math.max(i.style.width, i.style.height);
    const st = await resizeImage(i.style, Math.max(16, Math.round(i.style.width * k)), Math.max(16, Math.round(i.style.height * k)));
    const fst = await run(st, feats);
    styleLoss = layers.reduce((acc, _, l) => acc + dist(fs[l], fst[l]), 0);
  }
  let depthVsGroundTruth: DepthAgreement | undefined;
  if (i.groundTruth) {
    const gt = i.groundTruth;
    const pred = await est.estimate(await resizeImage(i.content, gt.width, gt.height));
    // Compare in the network's polarity: inverse-depth networks against 1/metres.
    const truth = gt.metres.map((m) => (m > 0 ? (i.depthModel.polarity === 'depth' ? m : 1 / m) : 0));
    depthVsGroundTruth = depthAgreement(truth, pred, { mask: Array.from(gt.metres, (m) => m > 0) });
  }
  await est.release();
  return {
    depthModel: i.depthModel.id,
    depth: depthAgreement(dc, ds),
    ssim: structureSsim(content, stylized),
    edgeF1: edgeAgreement(content, stylized),
    styleLoss,
    contentLoss: dist(fs[layers.length], fc[layers.length]),
    depthVsGroundTruth,
  };
}
