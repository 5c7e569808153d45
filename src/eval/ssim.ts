// Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) on grayscale
// images, as the seed paper reports it: Gaussian window 11×11 with σ = 1.5,
// K1 = 0.01, K2 = 0.03, L = 255, mean over the 'valid' SSIM map.

export interface SsimOptions {
  /**
   * Average-pool by f = max(1, round(min(h, w)/256)) first, as Wang's reference
   * ssim.m does (default true): SSIM then compares structure at a fixed scale.
   */
  downsample?: boolean;
  /** 'valid' (default; Wang et al.'s ssim.m) or 'replicate' (MATLAB's built-in ssim: full-size map, borders replicated). */
  border?: 'replicate' | 'valid';
  sigma?: number;
  window?: number;
  k1?: number;
  k2?: number;
  range?: number;
}

function gaussian(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  return k.map((v) => v / s);
}

/** Separable 'valid' filtering of a w×h image with a 1-D kernel along both axes. */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const n = k.length;
  const wo = w - n + 1;
  const ho = h - n + 1;
  const tmp = new Float64Array(h * wo);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < wo; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += src[y * w + x + i] * k[i];
      tmp[y * wo + x] = s;
    }
  const out = new Float64Array(ho * wo);
  for (let y = 0; y < ho; y++)
    for (let x = 0; x < wo; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += tmp[(y + i) * wo + x] * k[i];
      out[y * wo + x] = s;
    }
  return out;
}

/** f×f box filter ('symmetric' borders) then every f-th pixel from the first: Wang's ssim.m. */
function boxDownsample(src: ArrayLike<number>, w: number, h: number, f: number): [Float64Array, number, number] {
  const w2 = Math.ceil(w / f);
  const h2 = Math.ceil(h / f);
  const out = new Float64Array(w2 * h2);
  // MATLAB imfilter 'same' with an even kernel centres it at floor((f+1)/2): offsets −(c−1)…f−c.
  const c = Math.floor((f + 1) / 2);
  const at = (v: number, n: number) => (v < 0 ? -v - 1 : v >= n ? 2 * n - v - 1 : v);
  for (let y = 0; y < h2; y++)
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += src[at(y * f + dy - (c - 1), h) * w + at(x * f + dx - (c - 1), w)];
      out[y * w2 + x] = s / (f * f);
    }
  return [out, w2, h2];
}

/** Mean SSIM of two same-size grayscale images (values 0–range). */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, o: SsimOptions = {}): number {
  const { sigma = 1.5, window = 11, k1 = 0.01, k2 = 0.03, range = 255, border = 'valid', downsample = true } = o;
  if (a.length !== width * height || b.length !== width * height) throw new Error('ssim: images differ in size');
  const f = downsample ? Math.max(1, Math.round(Math.min(width, height) / 256)) : 1;
  if (f > 1) {
    const [da, w2, h2] = boxDownsample(a, width, height, f);
    const [db] = boxDownsample(b, width, height, f);
    return ssim(da, db, w2, h2, { ...o, downsample: false });
  }
  if (width < window || height < window) throw new Error(`ssim: images must be at least ${window}×${window}`);
  const k = gaussian(window, sigma);
  let A = Float64Array.from(a);
  let B = Float64Array.from(b);
  if (border === 'replicate') {
    const r = (window - 1) / 2;
    const pad = (src: Float64Array) => {
      const w = width + 2 * r;
      const out = new Float64Array(w * (height + 2 * r));
      for (let y = 0; y < height + 2 * r; y++) {
        const sy = Math.min(height - 1, Math.max(0, y - r));
        for (let x = 0; x < w; x++) out[y * w + x] = src[sy * width + Math.min(width - 1, Math.max(0, x - r))];
      }
      return out;
    };
    A = pad(A);
    B = pad(B);
    width += 2 * r;
    height += 2 * r;
  }
  const n = width * height;
  const AA = new Float64Array(n);
  const BB = new Float64Array(n);
  const AB = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    AA[i] = A[i] * A[i];
    BB[i] = B[i] * B[i];
    AB[i] = A[i] * B[i];
  }
  const [ma, mb, saa, sbb, sab] = [A, B, AA, BB, AB].map((t) => filterValid(t, width, height, k));
  const c1 = (k1 * range) ** 2;
  const c2 = (k2 * range) ** 2;
  let total = 0;
  for (let i = 0; i < ma.length; i++) {
    const mu = ma[i] * mb[i];
    const va = saa[i] - ma[i] * ma[i];
    const vb = sbb[i] - mb[i] * mb[i];
    const cov = sab[i] - mu;
    total += ((2 * mu + c1) * (2 * cov + c2)) / ((ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2));
  }
  return total / ma.length;
}
