// Flicker you can trust: the temporal warping error of a stylized clip (Lai et al. 2018; Ruder et al. 2016). The
// optical flow between consecutive *source* frames carries stylized frame t onto frame t+1; the mean colour
// difference over pixels the flow is sure of (forward–backward consistent) is the error. The source clip's own
// error under the same flow is the floor (lighting, blur, flow mistakes): what stylization adds is the excess.
// The depth judges run per frame, and the depth maps' own warping error says how steady the layering is.
import type { RgbImage } from '../io/rgb.js';
import { normalizeDepth } from '../io/colormap.js';
import { DepthEstimator, type DepthModel } from '../models/depth-model.js';
import type { Runtime } from '../graph/index.js';
import { consistentMask, maskedMeanAbs, opticalFlow, warp, type Flow } from '../video/flow.js';
import { depthEdgeCue } from './robust.js';
import { depthAgreement } from './metrics.js';
import { ArgumentError } from '../io/arguments.js';

export interface ClipFrame {
  source: RgbImage;
  stylized: RgbImage;
}

export interface ClipScores {
  frames: number;
  /** Mean over frame pairs of the masked warping error (0–255): stylized, source (the floor), and the excess. */
  warping: { stylized: number; source: number; excess: number };
  /** Share of pixels the flow was sure of (mean over pairs). */
  trustedShare: number;
  /** Per frame pair t → t+1: the errors (for plots). */
  perPair: { stylized: number; source: number }[];
  /** With a depth network: per-frame judges (mean and spread over frames) and the depth maps' warping error. */
  depth?: {
    edgeContrast: { mean: number; std: number };
    spearman: { mean: number; std: number };
    /** Warping error of the normalized depth maps (0–255), of the stylized clip and of the source. */
    warping: { stylized: number; source: number };
  };
}

/** Flow from frame t+1 back to frame t, and where it is trusted: what warps frame t onto t+1. */
export async function backwardFlow(prev: RgbImage, next: RgbImage): Promise<{ flow: Flow; mask: Uint8Array }> {
  const [back, fwd] = [await opticalFlow(next, prev), await opticalFlow(prev, next)];
  return { flow: back, mask: consistentMask(back, fwd) };
}

const meanStd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length)) };
};

/** Scores a clip given as pairs of (source frame, stylized frame), streamed. */
export async function evaluateClip(
  frames: AsyncIterable<ClipFrame>,
  o: { depthModel?: DepthModel; runtime?: Runtime; onFrame?: (n: number) => void } = {},
): Promise<ClipScores> {
  if (!frames || typeof (frames as AsyncIterable<ClipFrame>)[Symbol.asyncIterator] !== 'function')
    throw new ArgumentError('evaluateClip: frames', 'must be an async iterable of { source, stylized } frames');
  const est = o.depthModel && o.runtime ? new DepthEstimator(o.depthModel, o.runtime) : undefined;
  const plane = (d: Float32Array, like: RgbImage): RgbImage => {
    const v = normalizeDepth(d, o.depthModel!.polarity);
    const data = new Float32Array(3 * v.length);
    for (let c = 0; c < 3; c++)
      data.set(
        v.map((x) => 255 * x),
        c * v.length,
      );
    return { width: like.width, height: like.height, data };
  };
  let prev: (ClipFrame & { depth?: { source: RgbImage; stylized: RgbImage } }) | undefined;
  const perPair: ClipScores['perPair'] = [];
  const trusted: number[] = [];
  const [edges, spearman, depthSty, depthSrc] = [[], [], [], []] as number[][];
  let n = 0;
  try {
    for await (const f of frames) {
      if (f.source.width !== f.stylized.width || f.source.height !== f.stylized.height)
        throw new Error(`frame ${n + 1}: the stylized frame is ${f.stylized.width}×${f.stylized.height}, the source ${f.source.width}×${f.source.height}`);
      let depth: { source: RgbImage; stylized: RgbImage } | undefined;
      if (est) {
        const [ds, dy] = [await est.estimate(f.source), await est.estimate(f.stylized)];
        edges.push(depthEdgeCue(ds, f.source, f.stylized).contrastRatio);
        spearman.push(depthAgreement(ds, dy).spearman);
        depth = { source: plane(ds, f.source), stylized: plane(dy, f.source) };
      }
      if (prev) {
        const { flow, mask } = await backwardFlow(prev.source, f.source);
        perPair.push({ stylized: maskedMeanAbs(f.stylized, warp(prev.stylized, flow), mask), source: maskedMeanAbs(f.source, warp(prev.source, flow), mask) });
        trusted.push(mask.reduce((a, b) => a + b, 0) / mask.length);
        if (depth && prev.depth) {
          depthSty.push(maskedMeanAbs(depth.stylized, warp(prev.depth.stylized, flow), mask));
          depthSrc.push(maskedMeanAbs(depth.source, warp(prev.depth.source, flow), mask));
        }
      }
      prev = { ...f, depth };
      n++;
      o.onFrame?.(n);
    }
  } finally {
    await est?.release();
  }
  if (n < 2) throw new Error('a clip needs at least two frames to measure flicker');
  const sty = meanStd(perPair.map((p) => p.stylized)).mean;
  const src = meanStd(perPair.map((p) => p.source)).mean;
  return {
    frames: n,
    warping: { stylized: sty, source: src, excess: sty - src },
    trustedShare: meanStd(trusted).mean,
    perPair,
    depth: est
      ? { edgeContrast: meanStd(edges), spearman: meanStd(spearman), warping: { stylized: meanStd(depthSty).mean, source: meanStd(depthSrc).mean } }
      : undefined,
  };
}
