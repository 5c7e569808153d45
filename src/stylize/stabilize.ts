// Stabilization against flicker, the part the page shares with `stylize CLIP.mp4` (no optical flow here: that
// needs OpenCV, which only Node loads; see video.ts).
import type { RgbImage } from '../io/rgb.js';
import { boxMean } from './depth-strength.js';
import type { NormStatistics } from './stylizer.js';

export const STABILIZATIONS = ['none', 'norm', 'flow', 'both'] as const;
export type Stabilization = (typeof STABILIZATIONS)[number];
/** The default, from the measurement on both shared clips (docs/video.md). */
export const DEFAULT_STABILIZATION: Stabilization = 'both';

/** Exponential moving average of norm statistics across frames. */
export function statisticsAverager(momentum: number): (measured: NormStatistics[]) => NormStatistics[] {
  let avg: NormStatistics[] | undefined;
  return (m) => {
    avg = avg
      ? avg.map((a, i) => ({
          mean: a.mean.map((v, k) => momentum * v + (1 - momentum) * m[i].mean[k]),
          variance: a.variance.map((v, k) => momentum * v + (1 - momentum) * m[i].variance[k]),
        }))
      : m;
    return avg;
  };
}

/** Weight of the carried previous output where it is blended (flow: `stylize CLIP.mp4`; still: the webcam). */
export const CARRY_BLEND = 0.6;

/** Source frames that differ by more than this (0–255, mean of the channels) after warping are not blended: motion the flow missed. */
const PHOTOMETRIC_LIMIT = 12;

/**
 * The previous output carried onto this frame (`carried`, with the previous source frame carried the same way,
 * `sourceCarried`) blended into this frame's output `out` with weight `blend`, where `trusted` (the flow is
 * sure) and the source frames agree (motion the flow missed is not smeared); then the local contrast matched.
 * `stylize CLIP.mp4` carries along optical flow; the page's webcam with zero flow (a still camera).
 */
export function blendCarried(frame: RgbImage, out: RgbImage, sourceCarried: RgbImage, carried: RgbImage, blend: number, trusted?: Uint8Array): RgbImage {
  const n = frame.width * frame.height;
  const data = Float32Array.from(out.data);
  const blended = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (trusted && !trusted[i]) continue;
    const diff =
      (Math.abs(frame.data[i] - sourceCarried.data[i]) +
        Math.abs(frame.data[n + i] - sourceCarried.data[n + i]) +
        Math.abs(frame.data[2 * n + i] - sourceCarried.data[2 * n + i])) /
      3;
    if (diff > PHOTOMETRIC_LIMIT) continue;
    blended[i] = 1;
    for (let c = 0; c < 3; c++) data[c * n + i] = blend * carried.data[c * n + i] + (1 - blend) * out.data[c * n + i];
  }
  return matchLocalContrast({ width: out.width, height: out.height, data }, out, blended);
}

/** Radius of the contrast match's window (two box passes, ≈ a Gaussian of σ 3 px). */
const CONTRAST_RADIUS = 3;

/**
 * Variance-preserving blending: averaging two textures whose strokes do not line up exactly lowers their
 * contrast (the style loss rises), so at the blended pixels the result's local contrast around its local mean
 * is raised back to the frame's own (per channel, at most ×2, never lowered). Measured on room_pan with a zoo
 * network: at blend 0.6 it turns +32 % style into +5 % while the flicker stays cut by more than half.
 */
export function matchLocalContrast(blended: RgbImage, frame: RgbImage, where: Uint8Array): RgbImage {
  const { width: w, height: h } = frame;
  const n = w * h;
  const smooth = (v: Float64Array) => boxMean(boxMean(v, w, h, CONTRAST_RADIUS), w, h, CONTRAST_RADIUS);
  const data = Float32Array.from(blended.data);
  // One set of planes for the three channels, filled in one pass (no per-channel copies and maps).
  const [b, b2, f, f2] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let c = 0; c < 3; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      const x = blended.data[o + i];
      const y = frame.data[o + i];
      b[i] = x;
      b2[i] = x * x;
      f[i] = y;
      f2[i] = y * y;
    }
    const mb = smooth(b);
    const mb2 = smooth(b2);
    const mf = smooth(f);
    const mf2 = smooth(f2);
    for (let i = 0; i < n; i++) {
      if (!where[i]) continue;
      const vb = Math.max(0, mb2[i] - mb[i] * mb[i]);
      const vf = Math.max(0, mf2[i] - mf[i] * mf[i]);
      // (+4: a floor of 2 grey levels' deviation, so flat regions are left alone)
      const k = Math.min(2, Math.max(1, Math.sqrt((vf + 4) / (vb + 4))));
      data[o + i] = mb[i] + k * (b[i] - mb[i]);
    }
  }
  return { width: w, height: h, data };
}
