// Judges of depth preservation that a depth loss cannot satisfy by fooling one
// network with imperceptible patterns: the depth net's agreement after fixed
// resampling of both images, agreement under a second depth network, and a
// network-free cue (the photo's depth edges that stay visible in the result).
//
// Codec-free (the page computes the same judges): the scale resamplings take the resize as an argument, which
// `eval` gives as sharp's Lanczos.
import { toGray, type RgbImage } from '../io/rgb.js';
import type { DepthEstimator } from '../models/depth-model.js';
import { depthAgreement, sobel, type DepthAgreement } from './metrics.js';

/** Resizes a planar RGB image to width × height. */
export type Resize = (img: RgbImage, width: number, height: number) => Promise<RgbImage>;

/**
 * Fixed resamplings applied to photo and result alike before the depth net. Each was checked to remove the
 * gaming (test/robust.test.ts and the README's table): an image nudged against the depth net until it answers
 * with the photo's depth scores high on the plain judge, not on these. Blur is not one of them: it lifts every
 * score alike; nor JPEG: it kept the gaming.
 */
export const RESAMPLINGS = {
  /** Both images scaled to half size (Lanczos) and back. */
  half: { scale: 0.5 },
  /** A non-integer factor, so no pixel grid lines up. */
  'x0.7': { scale: 0.7 },
  /** Both images shifted by 3 pixels (cropped on the top and left). */
  shift3: { shift: 3 },
} as const;
export type Resampling = keyof typeof RESAMPLINGS;

/** One of the fixed resamplings of an image. */
export async function resample(img: RgbImage, kind: Resampling, resize: Resize): Promise<RgbImage> {
  const r: { scale?: number; shift?: number } = RESAMPLINGS[kind];
  if (r.shift) {
    const s = r.shift;
    const w = img.width - s;
    const h = img.height - s;
    const data = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        data.set(
          img.data.subarray(c * img.width * img.height + (y + s) * img.width + s, c * img.width * img.height + (y + s) * img.width + s + w),
          c * w * h + y * w,
        );
    return { width: w, height: h, data };
  }
  const small = await resize(img, Math.max(8, Math.round(img.width * r.scale!)), Math.max(8, Math.round(img.height * r.scale!)));
  return resize(small, img.width, img.height);
}

/** Depth agreement of result with photo after resampling both the same way. */
export async function resampledAgreement(est: DepthEstimator, photo: RgbImage, result: RgbImage, kind: Resampling, resize: Resize): Promise<DepthAgreement> {
  const [p, r] = await Promise.all([resample(photo, kind, resize), resample(result, kind, resize)]);
  return depthAgreement(await est.estimate(p), await est.estimate(r));
}

export interface DepthEdgeCue {
  /** Fraction of the photo's depth-edge pixels with a strong luminance edge of the result within 2 px. */
  recall: number;
  /** The same for the photo itself: what "kept" means for this photo. */
  photoRecall: number;
  /** recall / photoRecall. Texture that puts strong edges everywhere lifts it too: read it with `contrastRatio`. */
  ratio: number;
  /** Mean luminance-gradient magnitude on the photo's depth edges over that of the whole image, for the result. */
  contrast: number;
  /** The same for the photo. */
  photoContrast: number;
  /** contrast / photoContrast: how much of the photo's emphasis on occlusion boundaries the result keeps (1 = all). */
  contrastRatio: number;
}

/** Pixels above the given quantile of `v` (only where `valid`). */
function strongest(v: Float32Array, fraction: number, valid?: Uint8Array): Uint8Array {
  const vals = valid ? v.filter((_, i) => valid[i]) : Float32Array.from(v);
  if (!vals.length) return new Uint8Array(v.length);
  const t = vals.sort()[Math.floor((1 - fraction) * (vals.length - 1))];
  return Uint8Array.from(v, (x, i) => (x > t && (!valid || valid[i]) ? 1 : 0));
}

function dilate(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!m[y * w + x]) continue;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) out[yy * w + xx] = 1;
        }
    }
  return out;
}

/**
 * The network-free cue: the strongest 5 % of the photo's depth gradients (occlusion boundaries) and the strongest
 * 10 % of an image's luminance gradients; how many depth edges have a luminance edge within 2 px, in the result
 * and in the photo. `depth` is the photo's depth map (any polarity; ground truth where there is one), at the image
 * size; `valid` masks pixels without depth (0 in ground truth).
 */
export function depthEdgeCue(depth: Float32Array, photo: RgbImage, result: RgbImage, valid?: Uint8Array): DepthEdgeCue {
  const { width: w, height: h } = photo;
  if (result.width !== w || result.height !== h || depth.length !== w * h) throw new Error('depth edge cue: photo, result and depth map differ in size');
  // Edges of the log of depth: a step from 1 m to 2 m weighs like one from 5 m to 10 m.
  const min = depth.reduce((m, v, i) => (!valid || valid[i] ? Math.min(m, v) : m), Infinity);
  const max = depth.reduce((m, v, i) => (!valid || valid[i] ? Math.max(m, v) : m), -Infinity);
  const span = max - min || 1;
  const logd = Float32Array.from(depth, (v) => Math.log(0.05 + (v - min) / span));
  let inner: Uint8Array | undefined;
  if (valid) {
    // Depth gradients next to missing depth are not edges of the scene.
    const holes = dilate(
      Uint8Array.from(valid, (v) => (v ? 0 : 1)),
      w,
      h,
      1,
    );
    inner = Uint8Array.from(holes, (v) => (v ? 0 : 1));
  }
  const edges = strongest(sobel(logd, w, h), 0.05, inner);
  const recallOf = (img: RgbImage) => {
    const lum = dilate(strongest(sobel(toGray(img), w, h), 0.1), w, h, 2);
    let hit = 0;
    let n = 0;
    for (let i = 0; i < edges.length; i++)
      if (edges[i]) {
        n++;
        hit += lum[i];
      }
    return n ? hit / n : 0;
  };
  const contrastOf = (img: RgbImage) => {
    const g = sobel(toGray(img), w, h);
    let on = 0;
    let n = 0;
    let all = 0;
    for (let i = 0; i < g.length; i++) {
      all += g[i];
      if (edges[i]) {
        on += g[i];
        n++;
      }
    }
    return n && all ? on / n / (all / g.length) : 0;
  };
  const recall = recallOf(result);
  const photoRecall = recallOf(photo);
  const contrast = contrastOf(result);
  const photoContrast = contrastOf(photo);
  return {
    recall,
    photoRecall,
    ratio: photoRecall ? recall / photoRecall : 0,
    contrast,
    photoContrast,
    contrastRatio: photoContrast ? contrast / photoContrast : 0,
  };
}
