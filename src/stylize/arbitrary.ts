// Any painting in one pass (Ghiasi et al. 2017): the style predictor's vector of a painting conditions the
// transfer network, which then behaves like any other TransformModel (tiles, margin, depth strength).
// From ONNX bytes only, so the page runs this same module on onnxruntime-web.
import * as G from '../graph/index.js';
import { resizeRgb, type RgbImage } from '../io/rgb.js';
import { ARBITRARY } from '../models/magenta-spec.js';
import { importOnnx, readOnnx } from '../models/onnx-import.js';
import type { TransformModel } from './stylizer.js';
import { ArgumentError, checkImageArg, checkNumber } from '../io/arguments.js';

export type StyleVector = Float32Array;

/**
 * The central square of an image, resized to `side` and rounded to 8-bit levels (the authors' preprocessing of a
 * painting; rounded so that the page, given the same square as a PNG, predicts the very same vector).
 */
export function centerSquare(img: RgbImage, side: number): RgbImage {
  const s = Math.min(img.width, img.height);
  const [x0, y0] = [Math.floor((img.width - s) / 2), Math.floor((img.height - s) / 2)];
  const n = img.width * img.height;
  const data = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < s; y++) data.set(img.data.subarray(c * n + (y0 + y) * img.width + x0, c * n + (y0 + y) * img.width + x0 + s), c * s * s + y * s);
  const out = resizeRgb({ width: s, height: s, data }, side, side);
  return { ...out, data: out.data.map((v) => Math.min(255, Math.max(0, Math.round(v)))) };
}

/** The style predictor: a painting (any size, RGB 0–255) → its 100-number style vector. */
export class StylePredictor {
  private program?: Promise<{ prog: G.Program; input: G.Tensor }>;
  constructor(
    private readonly onnx: Uint8Array,
    private readonly runtime: G.Runtime,
  ) {}

  async predict(painting: RgbImage): Promise<StyleVector> {
    checkImageArg(painting, 'StylePredictor.predict: painting', 1);
    this.program ??= (async () => {
      const side = ARBITRARY.predictor.side;
      const g = new G.Graph();
      const input = g.input('image', [1, 3, side, side]);
      const [style] = importOnnx(readOnnx(this.onnx, 'style predictor'), [G.mul(input, 1 / 255)], 'predictor', 'style predictor');
      return { prog: await this.runtime.compile([style]), input };
    })();
    const { prog, input } = await this.program;
    const [out] = await prog.run(new Map([[input, centerSquare(painting, ARBITRARY.predictor.side).data]]));
    return Float32Array.from(out.data);
  }

  async release(): Promise<void> {
    const p = this.program;
    this.program = undefined;
    if (p) await this.runtime.release((await p).prog);
  }
}

/**
 * Weights normalized to sum 1: each finite and ≥ 0, not all 0, one per painting. They are scaled by the largest
 * first, so that huge weights (1e308,1e308) mix like 1,1 instead of overflowing to a flat grey picture.
 */
export function normalizeStyleWeights(weights: readonly unknown[] | undefined, count: number, what = 'style weights'): number[] {
  if (weights === undefined) return Array.from({ length: count }, () => 1 / count);
  if (!Array.isArray(weights)) throw new ArgumentError(what, `must be an array of numbers, got ${typeof weights}`);
  if (weights.length !== count) throw new ArgumentError(what, `${weights.length} weights for ${count} ${count === 1 ? 'painting' : 'paintings'}`);
  if (weights.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0))
    throw new ArgumentError(what, `each must be a finite number ≥ 0, got ${weights.join(',')}`);
  const w = weights as number[];
  const top = Math.max(...w);
  if (!(top > 0)) throw new ArgumentError(what, `not all 0, got ${w.join(',')}`);
  const scaled = w.map((x) => x / top);
  const total = scaled.reduce((a, b) => a + b, 0);
  const out = scaled.map((x) => x / total);
  if (out.some((x) => !Number.isFinite(x))) throw new ArgumentError(what, `cannot be normalized: ${w.join(',')}`);
  return out;
}

/** A style vector: ARBITRARY.styleSize finite numbers. */
export function checkStyleVector(v: unknown, argument: string): StyleVector {
  if (!(v instanceof Float32Array)) throw new ArgumentError(argument, 'must be a Float32Array style vector (StylePredictor.predict gives one)');
  if (v.length !== ARBITRARY.styleSize) throw new ArgumentError(argument, `a style vector has ${ARBITRARY.styleSize} numbers, got ${v.length}`);
  if (v.some((x) => !Number.isFinite(x))) throw new ArgumentError(argument, 'holds non-finite numbers');
  return v;
}

/** Σ wᵢ·vᵢ with the weights normalized to sum 1: paintings mixed by their vectors. */
export function mixStyles(vectors: readonly StyleVector[], weights?: readonly number[]): StyleVector {
  if (!Array.isArray(vectors) || !vectors.length) throw new ArgumentError('mixStyles: vectors', 'needs at least one style vector');
  vectors.forEach((v, k) => checkStyleVector(v, `mixStyles: vectors[${k}]`));
  const w = normalizeStyleWeights(weights, vectors.length, 'mixStyles: weights');
  const out = new Float32Array(vectors[0].length);
  vectors.forEach((v, k) => v.forEach((x: number, i: number) => (out[i] += w[k] * x)));
  return out;
}

/** The authors' strength: strength·painting + (1 − strength)·photo, in style-vector space. */
export function styleAtStrength(painting: StyleVector, photo: StyleVector, strength: number): StyleVector {
  checkStyleVector(painting, 'styleAtStrength: painting');
  checkStyleVector(photo, 'styleAtStrength: photo');
  checkNumber(strength, 'styleAtStrength: strength', { min: 0, max: 1 });
  return painting.map((v, i) => strength * v + (1 - strength) * photo[i]);
}

/**
 * The transfer network conditioned on one style vector, as a TransformModel (RGB 0–255 in and out, any size).
 * With `photoStyle`, strength acts in the features: the model reads a fourth plane, a per-pixel strength map
 * (1: `style`, 0: `photoStyle`), and every conditional instance norm takes each pixel's scale and shift between
 * the two styles' (they are affine in the style vector, so this is the network conditioned on each pixel's own
 * interpolated vector). Near objects keep more of the photo without the washed-out look of a pixel blend.
 */
export function arbitraryTransformModel(transferOnnx: Uint8Array, style: StyleVector, name = 'painting', o: { photoStyle?: StyleVector } = {}): TransformModel {
  checkStyleVector(style, 'arbitraryTransformModel: style');
  if (o.photoStyle !== undefined) checkStyleVector(o.photoStyle, 'arbitraryTransformModel: photoStyle');
  const proto = readOnnx(transferOnnx, 'style transfer network');
  const photoStyle = o.photoStyle;
  return {
    id: `arbitrary (${name})`,
    licence: ARBITRARY.licence,
    sizeMultiple: ARBITRARY.sizeMultiple,
    guidePlanes: photoStyle ? 1 : 0,
    build: (x) => {
      const n = ARBITRARY.styleSize;
      if (!photoStyle) {
        const [y] = importOnnx(proto, [G.mul(x, 1 / 255), x.graph.constant(style, [1, n, 1, 1])], 'transfer', 'style transfer network');
        return G.mul(y, 255);
      }
      const [, , h, w] = x.staticShape('arbitrary input');
      const rgb = G.slice(x, [0], [3], [1]);
      const strength = G.slice(x, [3], [4], [1]);
      // Both styles as a batch of two: each norm's scale and shift come out [2, C, 1, 1], mixed per pixel below.
      const both = new Float32Array(2 * n);
      both.set(style);
      both.set(photoStyle, n);
      const conditionalNorm = (normed: G.Tensor, scale: G.Tensor, shift: G.Tensor) => {
        const [, , hl, wl] = normed.staticShape('conditional norm');
        const [a, b] = [0, 1].map((k) => G.add(G.mul(normed, G.slice(scale, [k], [k + 1], [0])), G.slice(shift, [k], [k + 1], [0])));
        const s = hl === h && wl === w ? strength : G.resize(strength, [hl, wl], 'bilinear', 'half_pixel');
        return G.add(b, G.mul(s, G.sub(a, b)));
      };
      const [y] = importOnnx(proto, [G.mul(rgb, 1 / 255), x.graph.constant(both, [2, n, 1, 1])], 'transfer', 'style transfer network', { conditionalNorm });
      return G.mul(y, 255);
    },
  };
}
