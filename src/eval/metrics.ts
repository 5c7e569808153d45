// Depth-preservation and structure metrics between a content image and its
// stylization (or between a depth prediction and ground truth).
import { Rng } from '../optim/random.js';
import type { RgbImage } from '../io/rgb.js';
import { pearson, spearman } from './stats.js';
import { ssim } from './ssim.js';
import { toGray } from '../io/rgb.js';

export interface DepthAgreement {
  pearson: number;
  spearman: number;
  /** RMSE after aligning b to a by least-squares scale and shift, divided by a's standard deviation. */
  ssiRmse: number;
  /** Plain RMSE of the maps, each divided by its mean (sensitive to scale and shift). */
  relRmse: number;
  /** Fraction of sampled point pairs whose nearer/farther order differs (pairs within `whdrDelta` relative difference in a are ignored). */
  whdr: number;
}

export interface DepthAgreementOptions {
  /** Pixels to consider (e.g. valid ground truth); default all. */
  mask?: ArrayLike<boolean>;
  pairs?: number;
  whdrDelta?: number;
  seed?: number;
}

/** Agreement of depth map b with reference a (same polarity, same size). */
export function depthAgreement(a: ArrayLike<number>, b: ArrayLike<number>, o: DepthAgreementOptions = {}): DepthAgreement {
  if (a.length !== b.length) throw new Error('depth maps differ in size');
  const idx: number[] = [];
  for (let i = 0; i < a.length; i++) if (!o.mask || o.mask[i]) idx.push(i);
  if (idx.length < 2) throw new Error('depth agreement needs at least two valid pixels');
  const A = Float64Array.from(idx, (i) => a[i]);
  const B = Float64Array.from(idx, (i) => b[i]);
  const n = A.length;
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / n;
  const ma = mean(A);
  const mb = mean(B);
  let sab = 0;
  let sbb = 0;
  let saa = 0;
  for (let i = 0; i < n; i++) {
    sab += (A[i] - ma) * (B[i] - mb);
    sbb += (B[i] - mb) ** 2;
    saa += (A[i] - ma) ** 2;
  }
  const s = sbb ? sab / sbb : 0;
  let res = 0;
  let rel = 0;
  for (let i = 0; i < n; i++) {
    res += (s * (B[i] - mb) + ma - A[i]) ** 2;
    rel += (A[i] / (ma || 1) - B[i] / (mb || 1)) ** 2;
  }
  // Spearman on a subsample when large: ranks are O(n log n) but memory-hungry.
  const stride = Math.max(1, Math.floor(n / 200_000));
  const sub = (x: Float64Array) => x.filter((_, i) => i % stride === 0);
  const rng = new Rng(o.seed ?? 0);
  const delta = o.whdrDelta ?? 0.1;
  let counted = 0;
  let flipped = 0;
  for (let k = 0; k < (o.pairs ?? 20_000); k++) {
    const i = rng.int(n);
    const j = rng.int(n);
    if (!(Math.abs(A[i] - A[j]) > delta * Math.max(Math.abs(A[i]), Math.abs(A[j])))) continue;
    counted++;
    if (Math.sign(A[i] - A[j]) !== Math.sign(B[i] - B[j])) flipped++;
  }
  return {
    pearson: pearson(A, B),
    spearman: spearman(sub(A), sub(B)),
    ssiRmse: Math.sqrt(res / n) / (Math.sqrt(saa / n) || 1),
    relRmse: Math.sqrt(rel / n),
    whdr: counted ? flipped / counted : 0,
  };
}

/** Sobel gradient magnitude of a grayscale image. */
export function sobel(g: ArrayLike<number>, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const at = (x: number, y: number) => g[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      out[y * w + x] = Math.hypot(gx, gy);
    }
  return out;
}

/** F1 of the strongest 10 % edges of two images (1 = the same edges). */
export function edgeAgreement(a: RgbImage, b: RgbImage, fraction = 0.1): number {
  const ea = sobel(toGray(a), a.width, a.height);
  const eb = sobel(toGray(b), b.width, b.height);
  const top = (e: Float32Array) => {
    const t = Float32Array.from(e).sort()[Math.floor((1 - fraction) * (e.length - 1))];
    return Uint8Array.from(e, (v) => (v > t ? 1 : 0));
  };
  const [ta, tb] = [top(ea), top(eb)];
  let both = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < ta.length; i++) {
    both += ta[i] & tb[i];
    na += ta[i];
    nb += tb[i];
  }
  return na + nb ? (2 * both) / (na + nb) : 1;
}

/** Grayscale SSIM of two same-size images (the seed paper's structure metric). */
export function structureSsim(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  return ssim(toGray(a), toGray(b), a.width, a.height);
}
