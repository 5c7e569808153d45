// Colour preservation (Gatys, Bethge, Hertzmann & Shechtman 2016, "Preserving
// color in neural artistic style transfer"): luminance-only transfer, and
// colour histogram matching of the style image to the content image.
import type { RgbImage } from '../io/rgb.js';
import { checkSameSize, checkImageArg } from '../io/arguments.js';

/** The colour modes, in one list (the CLI's choices, the API's check and the library's alike). */
export const PRESERVE_COLORS = ['none', 'luminance', 'histogram'] as const;
export type PreserveColor = (typeof PRESERVE_COLORS)[number];

// YIQ (NTSC), as in the paper.
const TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];
const TO_RGB = [
  [1, 0.956, 0.621],
  [1, -0.272, -0.647],
  [1, -1.106, 1.703],
];

function mapPixels(img: RgbImage, m: number[][]): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = [img.data[i], img.data[n + i], img.data[2 * n + i]];
    for (let c = 0; c < 3; c++) out[c * n + i] = m[c][0] * p[0] + m[c][1] * p[1] + m[c][2] * p[2];
  }
  return out;
}

function meanStd(a: Float32Array, from: number, n: number): [number, number] {
  let m = 0;
  for (let i = 0; i < n; i++) m += a[from + i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[from + i] - m) ** 2;
  return [m, Math.sqrt(v / n)];
}

/** An image whose three channels all hold its luminance (Y). */
export function luminanceImage(img: RgbImage, match?: RgbImage): RgbImage {
  checkImageArg(img, 'luminanceImage: img', 1);
  if (match !== undefined) checkImageArg(match, 'luminanceImage: match', 1);
  const n = img.width * img.height;
  const y = mapPixels(img, TO_YIQ).subarray(0, n);
  if (match) {
    // Match the luminance statistics to the other image (the paper's step for the style image).
    const ym = mapPixels(match, TO_YIQ);
    const [ms, ss] = meanStd(y, 0, n);
    const [mc, sc] = meanStd(ym, 0, match.width * match.height);
    for (let i = 0; i < n; i++) y[i] = ((y[i] - ms) * sc) / (ss || 1) + mc;
  }
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) data.set(y, c * n);
  return { width: img.width, height: img.height, data };
}

/** Luminance of `stylized` with the chrominance (IQ) of `content` (same size). */
export function combineLuminance(stylized: RgbImage, content: RgbImage): RgbImage {
  checkSameSize(stylized, content, 'combineLuminance', ['stylized', 'content']);
  const n = stylized.width * stylized.height;
  const ys = mapPixels(stylized, TO_YIQ);
  const yc = mapPixels(content, TO_YIQ);
  ys.set(yc.subarray(n, 3 * n), n);
  const rgb = mapPixels({ width: stylized.width, height: stylized.height, data: ys }, TO_RGB);
  return { width: stylized.width, height: stylized.height, data: rgb };
}

/** Symmetric 3×3 eigen-decomposition (Jacobi): A = V diag(w) Vᵀ. */
function eig3(a: number[][]): { w: number[]; v: number[][] } {
  const m = a.map((r) => [...r]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 3; p++) for (let q = p + 1; q < 3; q++) off += m[p][q] ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < 3; p++)
      for (let q = p + 1; q < 3; q++) {
        if (Math.abs(m[p][q]) < 1e-30) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 3; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < 3; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  return { w: [m[0][0], m[1][1], m[2][2]], v };
}

function matPow(a: number[][], e: number): number[][] {
  const { w, v } = eig3(a);
  const d = w.map((x) => Math.max(x, 1e-6) ** e);
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => v[i][0] * d[0] * v[j][0] + v[i][1] * d[1] * v[j][1] + v[i][2] * d[2] * v[j][2]));
}

function stats(img: RgbImage): { mean: number[]; cov: number[][] } {
  const n = img.width * img.height;
  const mean = [0, 1, 2].map((c) => meanStd(img.data, c * n, n)[0]);
  const cov = [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += (img.data[i * n + k] - mean[i]) * (img.data[j * n + k] - mean[j]);
      return s / n;
    }),
  );
  return { mean, cov };
}

/** The style image with its colour mean and covariance matched to the content's: x' = Σc^½ Σs^-½ (x − μs) + μc. */
export function matchHistogram(style: RgbImage, content: RgbImage): RgbImage {
  checkImageArg(style, 'matchHistogram: style', 1);
  checkImageArg(content, 'matchHistogram: content', 1);
  const s = stats(style);
  const c = stats(content);
  const a = matPow(c.cov, 0.5);
  const b = matPow(s.cov, -0.5);
  const m = a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
  const n = style.width * style.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = [0, 1, 2].map((k) => style.data[k * n + i] - s.mean[k]);
    for (let k = 0; k < 3; k++) data[k * n + i] = Math.max(0, Math.min(255, m[k][0] * p[0] + m[k][1] * p[1] + m[k][2] * p[2] + c.mean[k]));
  }
  return { width: style.width, height: style.height, data };
}
