// The flow stabilizer's carry, in steps a thread can run beside the network: `prepareCarry` needs only the
// previous frame, its stabilized output and the new frame, so it runs while the network paints the new frame;
// `finishCarry` then needs the network's output.
import { resizeRgb, type RgbImage } from '../io/rgb.js';
import type { CarryBlender } from '../stylize/stabilize.js';
import { consistentMask, opticalFlow, type Flow } from './flow.js';

/** The stabilizer's flow settings: 3 levels, 21 px windows (not the judge's: eval's is full size, 5 levels, 15 px). */
const STABILIZER_FLOW = { pyrScale: 0.5, levels: 3, window: 21, iterations: 3, polyN: 7, polySigma: 1.5 };
/**
 * The flow's long side: frames at half size, at most this (motion is smooth). At 540p a quarter of the frame, a
 * quarter of the work of half size, which took two thirds of the stabilizer's time there.
 */
const FLOW_SIDE = 240;

/** What the blend needs of the previous frame, carried onto this one. */
export interface PreparedCarry {
  /** 1 where the flow is sure (forward–backward consistent). */
  mask: Uint8Array;
  /** The previous stabilized output, warped onto this frame (bicubic). */
  carried: RgbImage;
  /** The previous source frame, warped the same way (bilinear): where it disagrees with this frame, no blend. */
  sourceCarried: RgbImage;
}

/** Adds the milliseconds `f` took to `profile[stage]`. */
function timed<T>(profile: Record<string, number>, stage: string, f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    profile[stage] = (profile[stage] ?? 0) + performance.now() - t0;
  }
}

/** The previous output carried onto `frame` along the optical flow between the source frames. */
export async function prepareCarry(prev: { source: RgbImage; out: RgbImage }, frame: RgbImage, profile: Record<string, number> = {}): Promise<PreparedCarry> {
  const scale = Math.max(2, Math.max(frame.width, frame.height) / FLOW_SIDE);
  const small = (img: RgbImage) => resizeRgb(img, Math.max(16, Math.round(img.width / scale)), Math.max(16, Math.round(img.height / scale)));
  const t0 = performance.now();
  const [a, b] = [small(frame), small(prev.source)];
  const [back, fwd] = [await opticalFlow(a, b, STABILIZER_FLOW), await opticalFlow(b, a, STABILIZER_FLOW)];
  profile.flow = (profile.flow ?? 0) + performance.now() - t0;
  return timed(profile, 'warp', () => warpCarry(prev, back, consistentMask(back, fwd)));
}

/**
 * Both warps of the carry in one pass over the frame, along the flow `back` (frame → previous frame, at its own
 * smaller size, sampled bilinearly and scaled): the previous output bicubic (it is carried again and again;
 * bilinear would blur it a little more each frame), the previous source bilinear. The flow's mask, found at
 * the flow's size, is looked up at the nearest flow pixel.
 */
function warpCarry(prev: { source: RgbImage; out: RgbImage }, back: Flow, flowMask: Uint8Array): PreparedCarry {
  const { width: w, height: h } = prev.out;
  const n = w * h;
  const [fw, fh] = [back.width, back.height];
  const [sx, sy] = [w / fw, h / fh];
  const mask = new Uint8Array(n);
  const carried = new Float32Array(3 * n);
  const sourceCarried = new Float32Array(3 * n);
  const [o, s] = [prev.out.data, prev.source.data];
  for (let y = 0; y < h; y++) {
    // The flow's sampling position for this row (pixel centres aligned), clamped to its grid.
    const gy = Math.min(fh - 1, Math.max(0, (y + 0.5) / sy - 0.5));
    const gy0 = Math.floor(gy);
    const gy1 = Math.min(fh - 1, gy0 + 1);
    const ty = gy - gy0;
    const my = Math.min(fh - 1, Math.floor(y / sy)) * fw;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const gx = Math.min(fw - 1, Math.max(0, (x + 0.5) / sx - 0.5));
      const gx0 = Math.floor(gx);
      const gx1 = Math.min(fw - 1, gx0 + 1);
      const tx = gx - gx0;
      // (plain locals, no array destructuring: this runs for every pixel of every frame)
      const a = gy0 * fw + gx0;
      const b = gy0 * fw + gx1;
      const c = gy1 * fw + gx0;
      const d = gy1 * fw + gx1;
      const u = sx * ((1 - ty) * ((1 - tx) * back.u[a] + tx * back.u[b]) + ty * ((1 - tx) * back.u[c] + tx * back.u[d]));
      const v = sy * ((1 - ty) * ((1 - tx) * back.v[a] + tx * back.v[b]) + ty * ((1 - tx) * back.v[c] + tx * back.v[d]));
      mask[i] = flowMask[my + Math.min(fw - 1, Math.floor(x / sx))];
      // Where the pixel came from in the previous frame, clamped at the borders.
      const px = Math.min(w - 1, Math.max(0, x + u));
      const py = Math.min(h - 1, Math.max(0, y + v));
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const x1 = x0 + 1 < w ? x0 + 1 : w - 1;
      const y1 = y0 + 1 < h ? y0 + 1 : h - 1;
      // Bilinear: the source.
      const w00 = (1 - fy) * (1 - fx);
      const w01 = (1 - fy) * fx;
      const w10 = fy * (1 - fx);
      const w11 = fy * fx;
      const r0 = y0 * w;
      const r1 = y1 * w;
      // Catmull-Rom: the output (the same weights as flow.ts's sampleCubic).
      const wx0 = ((-fx + 2) * fx - 1) * fx * 0.5;
      const wx1 = ((3 * fx - 5) * fx * fx + 2) * 0.5;
      const wx2 = ((-3 * fx + 4) * fx + 1) * fx * 0.5;
      const wx3 = (fx - 1) * fx * fx * 0.5;
      const wy0 = ((-fy + 2) * fy - 1) * fy * 0.5;
      const wy1 = ((3 * fy - 5) * fy * fy + 2) * 0.5;
      const wy2 = ((-3 * fy + 4) * fy + 1) * fy * 0.5;
      const wy3 = (fy - 1) * fy * fy * 0.5;
      const xa = x0 > 0 ? x0 - 1 : 0;
      const xd = x0 + 2 < w ? x0 + 2 : w - 1;
      const ra = (y0 > 0 ? y0 - 1 : 0) * w;
      const rd = (y0 + 2 < h ? y0 + 2 : h - 1) * w;
      for (let k = 0; k < 3; k++) {
        const p = k * n;
        sourceCarried[p + i] = w00 * s[p + r0 + x0] + w01 * s[p + r0 + x1] + w10 * s[p + r1 + x0] + w11 * s[p + r1 + x1];
        carried[p + i] =
          wy0 * (wx0 * o[p + ra + xa] + wx1 * o[p + ra + x0] + wx2 * o[p + ra + x1] + wx3 * o[p + ra + xd]) +
          wy1 * (wx0 * o[p + r0 + xa] + wx1 * o[p + r0 + x0] + wx2 * o[p + r0 + x1] + wx3 * o[p + r0 + xd]) +
          wy2 * (wx0 * o[p + r1 + xa] + wx1 * o[p + r1 + x0] + wx2 * o[p + r1 + x1] + wx3 * o[p + r1 + xd]) +
          wy3 * (wx0 * o[p + rd + xa] + wx1 * o[p + rd + x0] + wx2 * o[p + rd + x1] + wx3 * o[p + rd + xd]);
      }
    }
  }
  return { mask, carried: { width: w, height: h, data: carried }, sourceCarried: { width: w, height: h, data: sourceCarried } };
}

/** The network's output `out` for `frame` with the prepared carry blended in (weight `blend`; `keepFinest`: see blendCarried). */
export async function finishCarry(
  blender: CarryBlender,
  frame: RgbImage,
  out: RgbImage,
  c: PreparedCarry,
  blend: number,
  profile: Record<string, number> = {},
  keepFinest = false,
): Promise<RgbImage> {
  const t0 = performance.now();
  try {
    return await blender.run(frame, out, c.sourceCarried, c.carried, blend, c.mask, keepFinest);
  } finally {
    profile.blend = (profile.blend ?? 0) + performance.now() - t0;
  }
}
