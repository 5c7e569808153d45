// Colour maps for depth pictures (polynomial fits of turbo, Google 2019, and
// viridis, matplotlib), and depth normalization.
import type { RgbImage } from './rgb.js';
import { ArgumentError, checkNumber } from './arguments.js';

export type ColorMap = 'turbo' | 'viridis' | 'gray';

const poly = (t: number, c: readonly number[]) => c.reduceRight((acc, k) => acc * t + k, 0);

const TURBO = [
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
];
const VIRIDIS = [
  [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631],
  [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535],
  [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832],
];

export function colorOf(t: number, map: ColorMap): [number, number, number] {
  const x = Math.max(0, Math.min(1, t));
  if (map === 'gray') return [255 * x, 255 * x, 255 * x];
  const c = map === 'turbo' ? TURBO : VIRIDIS;
  return [0, 1, 2].map((k) => 255 * Math.max(0, Math.min(1, poly(x, c[k])))) as [number, number, number];
}

/**
 * Normalizes a relative depth map to [0, 1] with larger = farther, whatever the
 * network's polarity. The 1st and 99th percentiles map to 0 and 1 (clipped),
 * so a few extreme pixels cannot flatten the picture.
 */
export function normalizeDepth(values: ArrayLike<number>, polarity: 'depth' | 'inverse-depth'): Float32Array {
  if (!values || typeof values.length !== 'number' || !values.length) throw new ArgumentError('normalizeDepth: values', 'must be a non-empty array of numbers');
  if (polarity !== 'depth' && polarity !== 'inverse-depth')
    throw new ArgumentError('normalizeDepth: polarity', `must be 'depth' or 'inverse-depth', got ${String(polarity)}`);
  const sorted = Float32Array.from(values).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
  const span = hi - lo || 1;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = Math.max(0, Math.min(1, (values[i] - lo) / span));
    out[i] = polarity === 'depth' ? t : 1 - t;
  }
  return out;
}

/** A colour picture of normalized depth (0 = near, 1 = far): near is warm. */
export function colorizeDepth(depth01: Float32Array, width: number, height: number, map: ColorMap = 'turbo'): RgbImage {
  checkNumber(width, 'colorizeDepth: width', { min: 1, integer: true });
  checkNumber(height, 'colorizeDepth: height', { min: 1, integer: true });
  if (!depth01 || depth01.length !== width * height)
    throw new ArgumentError('colorizeDepth: depth01', `must hold width × height = ${width * height} values, got ${depth01?.length}`);
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // turbo/viridis run cold → warm with t; near (depth 0) should be warm.
    const [r, g, b] = colorOf(1 - depth01[i], map);
    data[i] = r;
    data[n + i] = g;
    data[2 * n + i] = b;
  }
  return { width, height, data };
}
