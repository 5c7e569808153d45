// Stylizing a clip frame by frame, streamed (an async iterator of frames in, one out), with stabilization against
// flicker:
//   'norm'  every instance norm's statistics smoothed across frames (an exponential moving average of what each
//           frame measures), so contrast and colour do not pump from frame to frame; inference only, any network.
//   'flow'  the previous output carried onto the current frame along the optical flow of the source frames and
//           blended in where the flow is sure (forward–backward consistent, and the source agrees after warping).
//   'both'  the two together.
// The default is chosen by measurement (docs/video.md).
import type * as G from '../graph/index.js';
import type { RgbImage } from '../io/rgb.js';
import { checkStylizeOptions, type StylizeOptions, type TransformModel } from './stylizer.js';
import { StylizePipeline } from './pipeline.js';
import { resolveStylizeOptions } from './options.js';
import { ArgumentError } from '../io/arguments.js';
import { CARRY_BLEND, NORM_MOMENTUM, STABILIZATIONS, defaultStabilization, type Stabilization } from './stabilize.js';

export { DEFAULT_STABILIZATION, STABILIZATIONS, defaultStabilization, type Stabilization } from './stabilize.js';

export interface VideoStylizeOptions
  extends Pick<StylizeOptions, 'strength' | 'depthStrength' | 'depthModel' | 'preserveColor' | 'strokeScale' | 'depthStrokes' | 'margin' | 'tile'> {
  runtime: G.Runtime;
  /** Default: `defaultStabilization(model)` ('both' for a painting, 'flow' for a zoo model). */
  stabilize?: Stabilization;
  /** 'norm': weight of the past in the statistics' moving average (default NORM_MOMENTUM). */
  normMomentum?: number;
  /** 'flow': weight of the carried previous output where the flow is sure (default CARRY_BLEND). */
  flowBlend?: number;
  /** Filled with milliseconds per stage, summed over frames (network, flow, warp, blend): what the clip bench prints. */
  profile?: Record<string, number>;
}

/*
 * The averaged norm statistics are measured on the whole frame, in the pass that stylizes it (Stylizer's
 * `normMomentum`). Measured on a copy at most 384 px long they cost depth: on 1.2 s of room_pan at 960×540 with
 * scream-depth, `both` lowered depth-edge contrast from 0.563 (none) to 0.440; at full size 0.546 (docs/video.md,
 * 2026-12-06). Measured in a separate pass they nearly doubled the network's time per frame.
 */

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
  const mode = o.stabilize ?? defaultStabilization(model);
  if (!STABILIZATIONS.includes(mode)) throw new Error(`stabilization must be one of ${STABILIZATIONS.join(', ')}, got "${mode}"`);
  const momentum = o.normMomentum ?? NORM_MOMENTUM;
  const blend = o.flowBlend ?? CARRY_BLEND;
  if (!(momentum >= 0 && momentum < 1) || !(blend >= 0 && blend < 1)) throw new Error('norm momentum and flow blend must be from 0 to below 1');
  const withNorm = mode === 'norm' || mode === 'both';
  const withFlow = mode === 'flow' || mode === 'both';
  const stylizerOptions = { margin: o.margin, ...(withNorm ? { normMomentum: momentum } : {}) };
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
  // The optical flow needs OpenCV (Node): its thread is started only when asked for.
  const carry = withFlow ? new (await import('../video/carry-thread.js')).CarryThread(blend, model.pixelStrokes === true) : undefined;
  try {
    if (!carry) {
      for await (const frame of frames) yield await timed(o.profile, 'network', () => pipeline.run(frame));
      return;
    }
    // One frame deep: frame k's carry is prepared (and frame k−1's output blended) on the stabilizer's thread
    // while the network paints frame k here.
    let pending: Promise<{ image: RgbImage; profile: Record<string, number> }> | undefined;
    const settle = async () => {
      const done = await timed(o.profile, 'waitStabilizer', () => pending!);
      if (o.profile) for (const [k, v] of Object.entries(done.profile)) o.profile[k] = (o.profile[k] ?? 0) + v;
      return done.image;
    };
    for await (const frame of frames) {
      carry.frame(frame);
      const out = await timed(o.profile, 'network', () => pipeline.run(frame));
      if (pending) yield await settle();
      pending = carry.output(out);
      pending.catch(() => undefined); // (awaited below or on the next frame)
    }
    if (pending) yield await settle();
  } finally {
    await carry?.close();
    await pipeline.dispose();
  }
}
