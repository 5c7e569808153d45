// Stabilization against flicker, the part the page shares with `stylize CLIP.mp4` (no optical flow here: that
// needs OpenCV, which only Node loads; see video.ts).
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import type { RgbImage } from '../io/rgb.js';

export const STABILIZATIONS = ['none', 'norm', 'flow', 'both'] as const;
export type Stabilization = (typeof STABILIZATIONS)[number];
/** The default for a painting (the arbitrary network: `--style`, the page, the webcam), from the measurement on both shared clips (docs/video.md). */
export const DEFAULT_STABILIZATION: Stabilization = 'both';

/**
 * The default for a network. One with pixel-fine strokes (a zoo model: `TransformModel.pixelStrokes`) gets
 * `flow` alone: on the shared clips' dev segments the averaged norm statistics took most of the flow's flicker
 * cut on `street` (−61 % without them, −14 % with), and its carry keeps the finest band (`blendCarried`).
 * Chosen on dev segments, judged on test segments (docs/video.md, 2026-12-07).
 */
export function defaultStabilization(network: { readonly pixelStrokes?: boolean }): Stabilization {
  return network.pixelStrokes ? 'flow' : DEFAULT_STABILIZATION;
}

/** 'norm': weight of the past in the norm statistics' moving average (clips and the webcam). */
export const NORM_MOMENTUM = 0.9;

/** Weight of the carried previous output where it is blended (flow: `stylize CLIP.mp4`; still: the webcam). */
export const CARRY_BLEND = 0.6;

/** Source frames that differ by more than this (0–255, mean of the channels) after warping are not blended: motion the flow missed. */
const PHOTOMETRIC_LIMIT = 12;

/** Radius of the contrast match's window, at half size (two box passes after 2×2 means: σ ≈ 2.5 px of the frame). */
const CONTRAST_RADIUS = 1;

/**
 * The previous output carried onto this frame (`carried`, with the previous source frame carried the same way,
 * `sourceCarried`) blended into this frame's output `out` with weight `blend` ([1]), where `trusted` ([1, 1, H, W],
 * 1 where the flow is sure) and the source frames agree (motion the flow missed is not smeared); then the local
 * contrast matched. `stylize CLIP.mp4` carries along optical flow; the page's webcam with zero flow (a still
 * camera). A graph, run by ONNX Runtime: in JavaScript it was the largest part of the stabilizer's time.
 *
 * `keepFinest` (networks with pixel-fine strokes, carried along a flow): only what lies below the finest band is
 * blended; the finest band (the output less its 3×3 mean) stays this frame's own. Resampling the carried output at
 * sub-pixel offsets loses that band: on two frames of room_pan a zoo network's output moved by 0.35 px (bicubic)
 * already costs +18 % style loss, and the default blend +28 %; keeping the band, +5 % (docs/video.md, 2026-12-07).
 */
export function blendCarried(frame: Tensor, out: Tensor, sourceCarried: Tensor, carried: Tensor, blend: Tensor, trusted: Tensor, keepFinest = false): Tensor {
  const diff = G.reduceMean(G.abs(G.sub(frame, sourceCarried)), [1], true);
  // 1 where the sources agree (diff ≤ the limit), else 0 (from 1e-6 above it); times the flow's trust. Relu and
  // arithmetic only: the webcam may run this on WebGPU, whose op list is shorter than the CPU's.
  const agree = G.relu(G.sub(1, G.mul(G.relu(G.sub(diff, PHOTOMETRIC_LIMIT)), 1e6)));
  const where = G.mul(trusted, agree);
  const mix = (now: Tensor, before: Tensor) => G.add(now, G.mul(where, G.mul(G.sub(before, now), blend)));
  if (!keepFinest) return matchLocalContrast(mix(out, carried), out, where);
  const belowFinest = (x: Tensor) => G.avgPool2d(x, 3, { strides: 1, pads: 1 });
  const low = belowFinest(out);
  return G.add(matchLocalContrast(mix(low, belowFinest(carried)), low, where), G.sub(out, low));
}

/**
 * Variance-preserving blending: averaging two textures whose strokes do not line up exactly lowers their
 * contrast (the style loss rises), so where `where` is 1 the result's local contrast around its local mean is
 * raised back to `frame`'s own (per channel, at most ×2, never lowered). Measured on room_pan with a zoo
 * network: at blend 0.6 it turns +32 % style into +5 % while the flicker stays cut by more than half.
 * The local means and variances (smooth by nature) are measured at half size (2×2 means, fewer pixels along an
 * odd edge) and interpolated bilinearly (pixel centres aligned).
 */
export function matchLocalContrast(blended: Tensor, frame: Tensor, where: Tensor): Tensor {
  const [, , h, w] = blended.staticShape('matchLocalContrast');
  const half = (x: Tensor) => G.avgPool2d(x, 2, { pads: [0, 0, h % 2, w % 2] });
  const box = (x: Tensor) => G.avgPool2d(x, 2 * CONTRAST_RADIUS + 1, { strides: 1, pads: CONTRAST_RADIUS });
  const smooth = (x: Tensor) => box(box(half(x)));
  const variance = (x: Tensor, mean: Tensor) => G.max(G.sub(smooth(G.mul(x, x)), G.mul(mean, mean)), 0);
  const [mb, mf] = [smooth(blended), smooth(frame)];
  // (+4: a floor of 2 grey levels' deviation, so flat regions are left alone)
  const ratio = G.sqrt(G.div(G.add(variance(frame, mf), 4), G.add(variance(blended, mb), 4)));
  const gain = G.sub(2, G.relu(G.sub(2, G.max(ratio, 1))));
  const full = (x: Tensor) => G.slice(G.resizeScale(x, [2, 2], 'bilinear', 'half_pixel'), [0, 0], [h, w], [2, 3]);
  const [k, mean] = [full(gain), full(mb)];
  // mean + k·(blended − mean) where matched: blended + (mean − blended)·(1 − k)
  return G.add(blended, G.mul(where, G.mul(G.sub(mean, blended), G.sub(1, k))));
}

/** `blendCarried` compiled for one frame size at a time (a clip's, the webcam's), run on images. */
export class CarryBlender {
  private compiled?: { key: string; program: Promise<{ program: G.Program; inputs: Tensor[]; graph: G.Graph }> };
  constructor(private readonly runtime: G.Runtime) {}

  /** See `blendCarried`; `trusted` all ones when not given. */
  async run(
    frame: RgbImage,
    out: RgbImage,
    sourceCarried: RgbImage,
    carried: RgbImage,
    blend: number,
    trusted?: Uint8Array,
    keepFinest = false,
  ): Promise<RgbImage> {
    const { width: w, height: h } = frame;
    for (const img of [out, sourceCarried, carried])
      if (img.width !== w || img.height !== h) throw new Error(`blendCarried: images of ${w}×${h} and ${img.width}×${img.height}`);
    const key = `${w}x${h}${keepFinest ? ' finest kept' : ''}`;
    if (this.compiled?.key !== key) {
      const old = this.compiled;
      this.compiled = { key, program: this.compile(w, h, keepFinest) };
      if (old) await this.runtime.releaseGraph((await old.program).graph);
    }
    const { program, inputs } = await this.compiled.program;
    const mask = trusted ? Float32Array.from(trusted) : new Float32Array(w * h).fill(1);
    const values = [frame.data, out.data, sourceCarried.data, carried.data, Float32Array.of(blend), mask];
    const [y] = await program.run(new Map(inputs.map((t, i) => [t, values[i]])));
    return { width: w, height: h, data: y.data };
  }

  private async compile(w: number, h: number, keepFinest: boolean): Promise<{ program: G.Program; inputs: Tensor[]; graph: G.Graph }> {
    const g = new G.Graph();
    const image = (name: string) => g.input(name, [1, 3, h, w]);
    const inputs = [image('frame'), image('out'), image('sourceCarried'), image('carried'), g.input('blend', [1]), g.input('trusted', [1, 1, h, w])];
    const [frame, out, sourceCarried, carried, blend, trusted] = inputs;
    return { program: await this.runtime.compile([blendCarried(frame, out, sourceCarried, carried, blend, trusted, keepFinest)]), inputs, graph: g };
  }

  async release(): Promise<void> {
    const c = this.compiled;
    this.compiled = undefined;
    if (c) await this.runtime.releaseGraph((await c.program).graph);
  }
}
