// Depth-guided strength (after Kitov et al. 2019, "Depth-aware arbitrary style
// transfer using instance normalization", who vary stylization strength with
// depth): the blend between photo and stylization follows the photo's depth,
// e.g. NEAR 0.4, FAR 1 keeps the near subject crisp and paints the background
// fully. The depth map is coarse (the network's resolution, upsampled), so its
// strength map is refined with a guided filter on the photo: the ramp follows
// the photo's own edges and no halo of the wrong strength rings a near object.
import { toGray, type RgbImage } from '../io/rgb.js';

export interface DepthStrength {
  /** Strength at the nearest depth (1st percentile). */
  near: number;
  /** Strength at the farthest depth (99th percentile). */
  far: number;
}

/**
 * The depth-guided strength each kind of network gets unless asked, chosen on the dev split (docs/splits.md):
 * - a painting: none. On dev (12 photos × 8 paintings), 0.75,1 in the features of Google's network moved
 *   depth-edge contrast by −0.011 [−0.066, +0.024] at ×1.16 style loss, and on our magenta-depth it lowered the
 *   network's own gain (+0.020 against +0.030 without) at ×1.04 style: the depth comes from the network instead
 *   (DEFAULT_ARBITRARY_NETWORK). The 0.75,1 of 2026-12-02 was chosen on the 13 legacy photos and did not hold.
 * - a trained model: none; the zoo's depth is its depth twin (`--model scream` is `scream-depth`), and a
 *   pixel blend costs +32 % style already at 0.8,1 (legacy dev).
 * - a clip: none unless asked (a depth map per frame is slow and flickers by itself).
 */
export const DEFAULT_DEPTH_STRENGTH: { painting: DepthStrength | undefined; model: DepthStrength | undefined; clip: DepthStrength | undefined } = {
  painting: undefined,
  model: undefined,
  clip: undefined,
};

/** What a user may ask for: a setting, or 'off' (no depth-guided strength even where it is the default). */
export type DepthStrengthChoice = DepthStrength | 'off';

/** The depth-guided strength to use for a kind of network: the user's choice, else the default. */
export function depthStrengthFor(network: keyof typeof DEFAULT_DEPTH_STRENGTH, choice?: DepthStrengthChoice): DepthStrength | undefined {
  if (choice === 'off') return undefined;
  return choice ?? DEFAULT_DEPTH_STRENGTH[network];
}

/** Parses "NEAR,FAR" (each 0..1) or "off". */
export function parseDepthStrengthChoice(text: string, what = '--depth-strength'): DepthStrengthChoice {
  return text.trim() === 'off' ? 'off' : parseDepthStrength(text, what);
}

/** Parses "NEAR,FAR" (each 0..1). */
export function parseDepthStrength(text: string, what = '--depth-strength'): DepthStrength {
  const raw = text.split(',');
  const parts = raw.map((v) => (v.trim() ? Number(v) : NaN)); // '' is not 0
  if (parts.length !== 2 || parts.some((v) => !(v >= 0 && v <= 1)))
    throw new Error(`${what} must be NEAR,FAR with each from 0 to 1 (e.g. 0.4,1) or off, got "${text}"`);
  return { near: parts[0], far: parts[1] };
}

const smoothstep = (t: number) => t * t * (3 - 2 * t);

/** Mean over a (2r+1)² box, clamped at the borders, in O(pixels) with an integral image (also video.ts's contrast match). */
export function boxMean(v: Float64Array, w: number, h: number, r: number): Float64Array {
  const I = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += v[y * w + x];
      I[(y + 1) * (w + 1) + x + 1] = I[y * (w + 1) + x + 1] + row;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const s = I[y1 * (w + 1) + x1] - I[y0 * (w + 1) + x1] - I[y1 * (w + 1) + x0] + I[y0 * (w + 1) + x0];
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** He et al.'s guided filter of p with guide I (both [0, 1]-ish), radius r, regularization eps. */
export function guidedFilter(guide: Float64Array, p: Float64Array, w: number, h: number, r: number, eps: number): Float64Array {
  const mI = boxMean(guide, w, h, r);
  const mp = boxMean(p, w, h, r);
  const mIp = boxMean(
    guide.map((v, i) => v * p[i]),
    w,
    h,
    r,
  );
  const mII = boxMean(
    guide.map((v) => v * v),
    w,
    h,
    r,
  );
  const a = new Float64Array(w * h);
  const b = new Float64Array(w * h);
  for (let i = 0; i < a.length; i++) {
    a[i] = (mIp[i] - mI[i] * mp[i]) / (mII[i] - mI[i] * mI[i] + eps);
    b[i] = mp[i] - a[i] * mI[i];
  }
  const ma = boxMean(a, w, h, r);
  const mb = boxMean(b, w, h, r);
  return ma.map((v, i) => v * guide[i] + mb[i]);
}

/**
 * Per-pixel strength from a depth map at the photo's size (`farness01`: 0 = nearest, 1 = farthest, as
 * `normalizeDepth` gives), ramped smoothly from `near` to `far` and refined along the photo's edges.
 */
export function strengthMap(farness01: ArrayLike<number>, photo: RgbImage, s: DepthStrength): Float32Array {
  const { width: w, height: h } = photo;
  if (farness01.length !== w * h) throw new Error('depth strength: the depth map and the photo differ in size');
  const raw = Float64Array.from(farness01, (f) => s.near + (s.far - s.near) * smoothstep(Math.min(1, Math.max(0, f))));
  if (s.near === s.far) return Float32Array.from(raw);
  const guide = Float64Array.from(toGray(photo), (v) => v / 255);
  // A radius about the depth map's upsampling blur; three passes pull the ramp onto the photo's edges.
  const r = Math.max(4, Math.round(Math.max(w, h) / 64));
  let refined: Float64Array = raw;
  for (let i = 0; i < 3; i++) refined = guidedFilter(guide, refined, w, h, r, 1e-4);
  const [lo, hi] = [Math.min(s.near, s.far), Math.max(s.near, s.far)];
  return Float32Array.from(refined, (v) => Math.min(hi, Math.max(lo, v)));
}

/** photo + strength(p)·(stylized − photo), per pixel. */
export function blendByMap(stylized: RgbImage, photo: RgbImage, strength: ArrayLike<number>): RgbImage {
  const n = photo.width * photo.height;
  if (stylized.width !== photo.width || stylized.height !== photo.height || strength.length !== n)
    throw new Error('depth strength: images and strength map differ in size');
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < n; i++) {
      const k = c * n + i;
      data[k] = photo.data[k] + strength[i] * (stylized.data[k] - photo.data[k]);
    }
  return { width: photo.width, height: photo.height, data };
}
