// Brush size for any network: strokes are fixed in the network's pixels, so the photo is stylized at another
// size and brought back (`strokeScale` 2: strokes twice as large). With depth (`depthStrokes` NEAR,FAR), as a
// painter's texture gradient: large strokes near the camera, small far away — the photo is stylized at the
// scales between NEAR and FAR (neighbours at most 2× apart) and each pixel takes the scales around the one its
// depth asks for. The per-pixel scale is the depth-guided map of depth-strength.ts (smooth ramp, refined along
// the photo's own edges by a guided filter), so no halo of the wrong stroke size rings a near object.
import { resizeRgb, type RgbImage } from '../io/rgb.js';
import { strengthMap } from './depth-strength.js';
import { ArgumentError, checkImageArg, checkNumber } from '../io/arguments.js';

export interface DepthStrokes {
  /** Stroke scale at the nearest depth (2: twice the network's own stroke size). */
  near: number;
  /** Stroke scale at the farthest depth. */
  far: number;
}

export const STROKE_SCALE_RANGE = [0.25, 4] as const;

/** Whether a number is a stroke scale (the one range check: CLI, API, library). */
export const isStrokeScale = (v: number): boolean => v >= STROKE_SCALE_RANGE[0] && v <= STROKE_SCALE_RANGE[1];

/** A stroke scale, or an error naming `what` (--stroke-scale, strokeScale). */
export function checkStrokeScale(v: number, what: string): number {
  if (!isStrokeScale(v)) throw new Error(`${what} must be from ${STROKE_SCALE_RANGE[0]} to ${STROKE_SCALE_RANGE[1]}, got ${v}`);
  return v;
}

/** A stroke scale, or 'auto': strokes sized to the picture (`strokeScaleFor`). */
export type StrokeScale = number | 'auto';

/**
 * The working size of the auto stroke scale: a photo larger than this on its long side is painted with strokes
 * as large, relative to the picture, as at this size (the networks learned their strokes on crops of 192–512 px).
 */
export const AUTO_STROKE_SIDE = 1024;

/** The stroke scale for this picture: 'auto' is its long side over AUTO_STROKE_SIDE, from 1 (never finer than the network's) to 4. */
export function strokeScaleFor(scale: StrokeScale, img: { width: number; height: number }): number {
  if (scale !== 'auto') return scale;
  return Math.min(STROKE_SCALE_RANGE[1], Math.max(1, Math.max(img.width, img.height) / AUTO_STROKE_SIDE));
}

/** Parses "auto" or a stroke scale from 0.25 to 4, or an error naming `what`. */
export function parseStrokeScale(text: string, what = '--stroke-scale'): StrokeScale {
  if (text.trim() === 'auto') return 'auto';
  const v = text.trim() ? Number(text) : Number.NaN;
  if (!isStrokeScale(v)) throw new Error(`${what} must be auto or from ${STROKE_SCALE_RANGE[0]} to ${STROKE_SCALE_RANGE[1]}, got "${text.slice(0, 100)}"`);
  return v;
}

/** Parses "NEAR,FAR", each a stroke scale from 0.25 to 4. */
export function parseDepthStrokes(text: string, what = '--depth-strokes'): DepthStrokes {
  if (typeof text !== 'string') throw new ArgumentError(what, `must be a string "NEAR,FAR" (e.g. "2,0.5"), got ${text === null ? 'null' : typeof text}`);
  const parts = text.split(',').map((v) => (v.trim() ? Number(v) : NaN));
  const [lo, hi] = STROKE_SCALE_RANGE;
  if (parts.length !== 2 || parts.some((v) => !(v >= lo && v <= hi)))
    throw new Error(`${what} must be NEAR,FAR with each a stroke scale from ${lo} to ${hi} (e.g. 2,0.5), got "${text}"`);
  return { near: parts[0], far: parts[1] };
}

/** { near, far } stroke scales within [lo, hi] (the product with a stroke scale reaches 1/16 … 16). */
function checkDepthStrokes(d: unknown, argument: string, lo: number = STROKE_SCALE_RANGE[0] ** 2, hi: number = STROKE_SCALE_RANGE[1] ** 2): void {
  const v = d as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') throw new ArgumentError(argument, 'must be { near, far }');
  checkNumber(v.near, `${argument}.near`, { min: lo, max: hi });
  checkNumber(v.far, `${argument}.far`, { min: lo, max: hi });
}

/** The stylization of `img` with strokes `scale`× the network's own: stylized at 1/scale of its size, brought back. */
export async function atStrokeScale(img: RgbImage, scale: number, run: (img: RgbImage) => Promise<RgbImage>): Promise<RgbImage> {
  checkImageArg(img, 'atStrokeScale: img');
  checkNumber(scale, 'atStrokeScale: scale', { min: STROKE_SCALE_RANGE[0], max: STROKE_SCALE_RANGE[1] });
  if (typeof run !== 'function') throw new ArgumentError('atStrokeScale: run', 'must be a function (image) => Promise<image>');
  return runAtStrokeScale(img, scale, run);
}

/** atStrokeScale without the checks, for scales already checked (depth strokes reach NEAR·S, up to 16). */
export async function runAtStrokeScale(img: RgbImage, scale: number, run: (img: RgbImage) => Promise<RgbImage>): Promise<RgbImage> {
  if (Math.abs(scale - 1) < 1e-6) return run(img);
  const [w, h] = [Math.max(16, Math.round(img.width / scale)), Math.max(16, Math.round(img.height / scale))];
  return resizeRgb(await run(resizeRgb(img, w, h)), img.width, img.height);
}

/** The scales to stylize at, from NEAR to FAR, neighbours at most 2× apart (log-spaced). */
export function strokeScales(d: DepthStrokes): number[] {
  checkDepthStrokes(d, 'strokeScales: d');
  const steps = Math.max(1, Math.ceil(Math.abs(Math.log2(d.near / d.far))));
  if (d.near === d.far) return [d.near];
  return Array.from({ length: steps + 1 }, (_, i) => d.near * (d.far / d.near) ** (i / steps));
}

/**
 * Per-pixel weights of each of `scales` (they sum to 1): the log stroke scale the pixel's depth asks for, as a
 * depth-guided map (`farness01`: 0 nearest, 1 farthest), shared linearly between the two nearest scales.
 */
export function strokeWeights(farness01: ArrayLike<number>, photo: RgbImage, d: DepthStrokes, scales: readonly number[]): Float32Array[] {
  checkImageArg(photo, 'strokeWeights: photo', 1);
  if (!farness01 || farness01.length !== photo.width * photo.height)
    throw new ArgumentError('strokeWeights: farness01', `must hold one value per pixel (${photo.width * photo.height})`);
  checkDepthStrokes(d, 'strokeWeights: d');
  if (!Array.isArray(scales) || !scales.length || scales.some((s) => !(typeof s === 'number' && s > 0 && Number.isFinite(s))))
    throw new ArgumentError('strokeWeights: scales', 'must be a non-empty array of positive numbers (strokeScales gives them)');
  const want = strengthMap(farness01, photo, { near: Math.log(d.near), far: Math.log(d.far) });
  const logs = scales.map(Math.log);
  const weights = scales.map(() => new Float32Array(want.length));
  for (let p = 0; p < want.length; p++) {
    if (logs.length === 1) {
      weights[0][p] = 1;
      continue;
    }
    // logs run from near to far, increasing or decreasing: find the segment holding want[p].
    let k = 0;
    while (k < logs.length - 2 && (want[p] - logs[k + 1]) * (logs[k + 1] - logs[k]) > 0) k++;
    const t = Math.min(1, Math.max(0, (want[p] - logs[k]) / (logs[k + 1] - logs[k])));
    weights[k][p] = 1 - t;
    weights[k + 1][p] = t;
  }
  return weights;
}

/** Σ_k weights[k](p)·images[k](p). */
export function blendByWeights(images: readonly RgbImage[], weights: readonly Float32Array[]): RgbImage {
  const { width, height } = images[0];
  const n = width * height;
  const data = new Float32Array(3 * n);
  images.forEach((img, k) => {
    for (let c = 0; c < 3; c++) for (let p = 0; p < n; p++) data[c * n + p] += weights[k][p] * img.data[c * n + p];
  });
  return { width, height, data };
}

/** Stylizes at the stroke scales depth asks for and blends them: `run` stylizes an image at the network's own strokes. */
export async function stylizeDepthStrokes(
  img: RgbImage,
  farness01: ArrayLike<number>,
  d: DepthStrokes,
  run: (img: RgbImage) => Promise<RgbImage>,
): Promise<RgbImage> {
  if (!img || !farness01 || farness01.length !== img.width * img.height)
    throw new ArgumentError('stylizeDepthStrokes: farness01', 'must hold one value per pixel of img');
  checkDepthStrokes(d, 'stylizeDepthStrokes: d', STROKE_SCALE_RANGE[0] ** 2, STROKE_SCALE_RANGE[1] ** 2);
  if (typeof run !== 'function') throw new ArgumentError('stylizeDepthStrokes: run', 'must be a function (image) => Promise<image>');
  const scales = strokeScales(d);
  const images: RgbImage[] = [];
  for (const s of scales) images.push(await runAtStrokeScale(img, s, run));
  return blendByWeights(images, strokeWeights(farness01, img, d, scales));
}
