// Stylizing a clip frame by frame, streamed (an async iterator of frames in, one out), with stabilization against
// flicker:
//   'norm'  every instance norm's statistics smoothed across frames (an exponential moving average of what each
//           frame measures), so contrast and colour do not pump from frame to frame; inference only, any network.
//   'flow'  the previous output carried onto the current frame along the optical flow of the source frames and
//           blended in where the flow is sure (forward–backward consistent, and the source agrees after warping).
//   'both'  the two together.
// The default is chosen by measurement (docs/video.md).
import type * as G from '../graph/index.js';
import { resizeRgb, type RgbImage } from '../io/rgb.js';
import { checkStylizeOptions, type StylizeOptions, type TransformModel } from './stylizer.js';
import { StylizePipeline } from './pipeline.js';
import { resolveStylizeOptions } from './options.js';
import { ArgumentError } from '../io/arguments.js';
import { CARRY_BLEND, DEFAULT_STABILIZATION, STABILIZATIONS, blendCarried, statisticsAverager, type Stabilization } from './stabilize.js';

export { DEFAULT_STABILIZATION, STABILIZATIONS, matchLocalContrast, statisticsAverager, type Stabilization } from './stabilize.js';

export interface VideoStylizeOptions
  extends Pick<StylizeOptions, 'strength' | 'depthStrength' | 'depthModel' | 'preserveColor' | 'strokeScale' | 'depthStrokes' | 'margin' | 'tile'> {
  runtime: G.Runtime;
  stabilize?: Stabilization;
  /** 'norm': weight of the past in the statistics' moving average (default 0.9). */
  normMomentum?: number;
  /** 'flow': weight of the carried previous output where the flow is sure (default CARRY_BLEND). */
  flowBlend?: number;
  /** 'norm': the long side the statistics are measured at (default NORM_STATS_SIDE; Infinity: the frame's own size). */
  normStatsSide?: number;
  /** Filled with milliseconds per stage, summed over frames (network, flow, warp, blend): what the clip bench prints. */
  profile?: Record<string, number>;
}

/**
 * The long side the averaged norm statistics are measured at: the frame's own. Measured at 384 px (a quarter of
 * the work at 540p) they cost depth: on 1.2 s of room_pan at 960×540 with scream-depth, `both` lowered depth-edge
 * contrast from 0.563 (none) to 0.440 and raised the depth maps' warping error from 12.11 to 13.26; at full size
 * 0.546 and 9.18, with the flicker above the floor cut from 6.28 to 2.41 (3.47 at 384). It costs about a quarter
 * of the zoo network's frame rate (0.39 → 0.29 fps on 8 frames). docs/video.md, 2026-12-06.
 */
export const NORM_STATS_SIDE = Number.POSITIVE_INFINITY;

/** Runs `f`, adding its milliseconds to `profile[stage]` when a profile is kept. */
async function timed<T>(profile: Record<string, number> | undefined, stage: string, f: () => T | Promise<T>): Promise<T> {
  if (!profile) return f();
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    profile[stage] = (profile[stage] ?? 0) + performance.now() - t0;
  }
}

/**
 * The frames of a clip, stylized, in order. `model` is one network for the whole clip (for a painting with a
 * strength below 1, the caller computes its style vector once, e.g. from the first frame).
 */
export async function* stylizeFrames(frames: AsyncIterable<RgbImage>, model: TransformModel, o: VideoStylizeOptions): AsyncGenerator<RgbImage> {
  if (!frames || typeof (frames as AsyncIterable<RgbImage>)[Symbol.asyncIterator] !== 'function')
    throw new ArgumentError('stylizeFrames: frames', 'must be an async iterable of images (readFrames gives one)');
  if (!model || typeof model.build !== 'function') throw new ArgumentError('stylizeFrames: model', 'must be a TransformModel');
  if (!o?.runtime) throw new ArgumentError('stylizeFrames: options.runtime', 'is required');
  checkStylizeOptions(o, 'stylizeFrames');
  const mode = o.stabilize ?? DEFAULT_STABILIZATION;
  if (!STABILIZATIONS.includes(mode)) throw new Error(`stabilization must be one of ${STABILIZATIONS.join(', ')}, got "${mode}"`);
  const momentum = o.normMomentum ?? 0.9;
  const blend = o.flowBlend ?? CARRY_BLEND;
  if (!(momentum >= 0 && momentum < 1) || !(blend >= 0 && blend < 1)) throw new Error('norm momentum and flow blend must be from 0 to below 1');
  const withNorm = mode === 'norm' || mode === 'both';
  const withFlow = mode === 'flow' || mode === 'both';
  // Statistics measured on a copy at most 384 px long: a quarter of the work of a 540p frame, and steadier.
  const stylizerOptions = {
    margin: o.margin,
    ...(withNorm ? { carryStatistics: statisticsAverager(momentum), statsSide: o.normStatsSide ?? NORM_STATS_SIDE } : {}),
  };
  // Each frame through the one recipe (pipeline.ts); its network keeps the carried statistics between frames.
  const depthModel = o.depthModel;
  const pipeline = new StylizePipeline(
    { kind: 'model', model },
    { runtime: o.runtime, depthModel: depthModel ? async () => depthModel : undefined, stylizer: stylizerOptions },
    // (the caller decided the clip's depth strength: none given is none here, not a network's default)
    resolveStylizeOptions('model', {
      strength: o.strength,
      depthStrength: o.depthStrength ?? 'off',
      strokeScale: o.strokeScale,
      depthStrokes: o.depthStrokes,
      preserveColor: o.preserveColor,
      tile: o.tile,
    }),
  );
  // The optical flow needs OpenCV (Node): loaded only when asked for.
  const flowing = withFlow ? await import('../video/flow.js') : undefined;
  let prev: { source: RgbImage; out: RgbImage } | undefined;
  try {
    for await (const frame of frames) {
      let out = await timed(o.profile, 'network', () => pipeline.run(frame));
      if (flowing && prev) out = await carryAlongFlow(flowing, prev, frame, out, blend, o.profile);
      prev = { source: frame, out };
      yield out;
    }
  } finally {
    await pipeline.dispose();
  }
}

/** The stabilizer's flow, on frames at half size: 3 levels, 21 px windows (a quarter of the judge's work). */
const STABILIZER_FLOW = { pyrScale: 0.5, levels: 3, window: 21, iterations: 3, polyN: 7, polySigma: 1.5 };

async function carryAlongFlow(
  flowing: typeof import('../video/flow.js'),
  prev: { source: RgbImage; out: RgbImage },
  frame: RgbImage,
  out: RgbImage,
  blend: number,
  profile?: Record<string, number>,
): Promise<RgbImage> {
  // Not the judge's flow (eval): another resolution and other settings, so that the measure is not what was optimized.
  const half = (img: RgbImage) => resizeRgb(img, Math.max(16, Math.round(img.width / 2)), Math.max(16, Math.round(img.height / 2)));
  const [backHalf, fwdHalf] = await timed(profile, 'flow', async () => {
    const [a, b] = [half(frame), half(prev.source)];
    return [await flowing.opticalFlow(a, b, STABILIZER_FLOW), await flowing.opticalFlow(b, a, STABILIZER_FLOW)];
  });
  const { mask, carried, sourceCarried } = await timed(profile, 'warp', () => {
    const [back, fwd] = [flowing.resizeFlow(backHalf, frame.width, frame.height), flowing.resizeFlow(fwdHalf, frame.width, frame.height)];
    // Bicubic for the output, which is carried again and again (bilinear would blur it a little more each frame).
    return { mask: flowing.consistentMask(back, fwd), carried: flowing.warp(prev.out, back, 'cubic'), sourceCarried: flowing.warp(prev.source, back) };
  });
  return timed(profile, 'blend', () => blendCarried(frame, out, sourceCarried, carried, blend, mask));
}
