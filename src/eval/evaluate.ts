// `depthstyle eval`: how well a stylized image keeps the photo's depth and
// structure, and how strongly it is stylized (so preservation is never bought
// by not stylizing).
import type * as G from '../graph/index.js';
import { resizeImage, resizeLongSide, type RgbImage } from '../io/image.js';
import type { DepthFrame } from '../io/depth-truth.js';
import { gram } from '../losses/perceptual.js';
import { DepthEstimator, type DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import { GATYS_CONTENT_LAYERS, GATYS_STYLE_LAYERS } from '../losses/objective.js';
import { depthAgreement, edgeAgreement, structureSsim, type DepthAgreement } from './metrics.js';
import { RESAMPLINGS, depthEdgeCue, resample, resampledAgreement, type DepthEdgeCue, type Resampling } from './robust.js';
import { ArgumentError, checkImageArg } from '../io/arguments.js';

/** Judges that a depth loss cannot satisfy by fooling one network (see robust.ts). */
export interface RobustDepth {
  /** The depth net's agreement after each fixed resampling of both images. */
  resampled: Record<Resampling, DepthAgreement>;
  /** Mean Spearman over the resamplings: the headline figure. */
  resampledSpearman: number;
  /** Agreement under a second depth network (one a loss did not use). */
  second?: { depthModel: string; agreement: DepthAgreement };
  /** The photo's depth edges (ground truth where given) still visible as luminance edges. */
  edges: DepthEdgeCue;
  /** Where the depth edges came from: 'ground truth' or the depth network's id. */
  edgesFrom: string;
}

export interface EvalReport {
  depthModel: string;
  /** Agreement as the judge network sees the two images: gameable by a loss that optimizes that network. */
  depth: DepthAgreement;
  robust: RobustDepth;
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
  /** A second judge (a depth network the loss did not use). */
  secondDepthModel?: DepthModel;
  vgg: Vgg19;
  runtime: G.Runtime;
}

export async function evaluatePair(i: EvalInputs): Promise<EvalReport> {
  if (!i || typeof i !== 'object') throw new ArgumentError('evaluatePair: inputs', 'must be an object { content, stylized, depthModel, vgg, runtime }');
  checkImageArg(i.content, 'evaluatePair: content');
  checkImageArg(i.stylized, 'evaluatePair: stylized');
  if (i.style !== undefined) checkImageArg(i.style, 'evaluatePair: style');
  for (const k of ['depthModel', 'vgg', 'runtime'] as const)
    if (!i[k] || typeof i[k] !== 'object') throw new ArgumentError(`evaluatePair: ${k}`, 'is required');
  const { stylized } = i;
  const content = await resizeImage(i.content, stylized.width, stylized.height);
  const est = new DepthEstimator(i.depthModel, i.runtime);
  const dc = await est.estimate(content);
  const ds = await est.estimate(stylized);
  const layers = GATYS_STYLE_LAYERS;
  const run = (img: RgbImage, outs: (x: G.Tensor) => G.Tensor[]) => i.runtime.runOnce(img, outs);
  const feats = (x: G.Tensor) => {
    const f = i.vgg.features(x, [...layers, ...GATYS_CONTENT_LAYERS]);
    return [...layers.map((l) => gram(f.get(l)!)), f.get(GATYS_CONTENT_LAYERS[0])!];
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
    const st = await resizeLongSide(i.style, Math.max(stylized.width, stylized.height));
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
  const resampled = {} as Record<Resampling, DepthAgreement>;
  for (const k of Object.keys(RESAMPLINGS) as Resampling[]) resampled[k] = await resampledAgreement(est, content, stylized, k, resizeImage);
  let second: RobustDepth['second'];
  if (i.secondDepthModel) {
    const est2 = new DepthEstimator(i.secondDepthModel, i.runtime);
    second = { depthModel: i.secondDepthModel.id, agreement: depthAgreement(await est2.estimate(content), await est2.estimate(stylized)) };
    await est2.release();
  }
  let edges: DepthEdgeCue;
  if (i.groundTruth) {
    const { metres, valid } = truthAtSize(i.groundTruth, stylized.width, stylized.height);
    edges = depthEdgeCue(metres, content, stylized, valid);
  } else edges = depthEdgeCue(dc, content, stylized);
  await est.release();
  const robust: RobustDepth = {
    resampled,
    resampledSpearman: Object.values(resampled).reduce((a, r) => a + r.spearman, 0) / Object.keys(resampled).length,
    second,
    edges,
    edgesFrom: i.groundTruth ? 'ground truth' : i.depthModel.id,
  };
  return {
    depthModel: i.depthModel.id,
    depth: depthAgreement(dc, ds),
    robust,
    ssim: structureSsim(content, stylized),
    edgeF1: edgeAgreement(content, stylized),
    styleLoss,
    contentLoss: dist(fs[layers.length], fc[layers.length]),
    depthVsGroundTruth,
  };
}

/** Ground-truth depth sampled (nearest) at another size, with its validity mask. */
function truthAtSize(gt: DepthFrame, w: number, h: number): { metres: Float32Array; valid: Uint8Array } {
  const metres = new Float32Array(w * h);
  const valid = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const m =
        gt.metres[Math.min(gt.height - 1, Math.floor(((y + 0.5) * gt.height) / h)) * gt.width + Math.min(gt.width - 1, Math.floor(((x + 0.5) * gt.width) / w))];
      metres[y * w + x] = m;
      valid[y * w + x] = m > 0 ? 1 : 0;
    }
  return { metres, valid };
}

/** The dial's judges of one result: style loss and the three robust depth judges (see `DialJudge`). */
export interface DialScores {
  /** Gram distance to the painting, as `evaluatePair`'s styleLoss. */
  style: number;
  /** Depth-edge contrast ratio (network-free). */
  edges: number;
  /** Depth Spearman under the depth net after both images are halved and restored. */
  resampled: number;
  /** Depth Spearman under a second depth network. */
  second: number;
}

/**
 * The headline judges of many results of one photo, for sweeps: what `evaluatePair` reports as styleLoss,
 * robust.edges.contrastRatio, robust.resampled.half and robust.second, with the photo's and the painting's
 * side computed once (a sweep judges twenty results per photo).
 */
export class DialJudge {
  private photoSide?: { photo: RgbImage; depth: Float32Array; second: Float32Array; halfDepth: Float32Array };
  private styleGrams = new Map<number, G.Float32Tensor[]>();
  private readonly est: DepthEstimator;
  private readonly est2: DepthEstimator;
  constructor(private readonly i: Pick<EvalInputs, 'depthModel' | 'vgg' | 'runtime'> & { style: RgbImage; secondDepthModel: DepthModel }) {
    this.est = new DepthEstimator(i.depthModel, i.runtime);
    this.est2 = new DepthEstimator(i.secondDepthModel, i.runtime);
  }

  private grams(img: RgbImage): Promise<G.Float32Tensor[]> {
    return this.i.runtime.runOnce(img, (x) => {
      const f = this.i.vgg.features(x, GATYS_STYLE_LAYERS);
      return GATYS_STYLE_LAYERS.map((l) => gram(f.get(l)!));
    });
  }

  async judge(photo: RgbImage, result: RgbImage): Promise<DialScores> {
    const side = Math.max(result.width, result.height);
    if (!this.styleGrams.has(side)) this.styleGrams.set(side, await this.grams(await resizeLongSide(this.i.style, side)));
    if (this.photoSide?.photo !== photo) {
      const half = await resample(photo, 'half', resizeImage);
      this.photoSide = { photo, depth: await this.est.estimate(photo), second: await this.est2.estimate(photo), halfDepth: await this.est.estimate(half) };
    }
    const p = this.photoSide;
    const [fs, fst] = [await this.grams(result), this.styleGrams.get(side)!];
    let style = 0;
    fs.forEach((a, l) => {
      let s = 0;
      for (let k = 0; k < a.data.length; k++) s += (a.data[k] - fst[l].data[k]) ** 2;
      style += s / a.data.length;
    });
    return {
      style,
      edges: depthEdgeCue(p.depth, photo, result).contrastRatio,
      resampled: depthAgreement(p.halfDepth, await this.est.estimate(await resample(result, 'half', resizeImage))).spearman,
      second: depthAgreement(p.second, await this.est2.estimate(result)).spearman,
    };
  }

  async release(): Promise<void> {
    await this.est.release();
    await this.est2.release();
  }
}
