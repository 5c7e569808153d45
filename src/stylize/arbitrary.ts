// Any painting in one pass (Ghiasi et al. 2017): the style predictor's vector of a painting conditions the
// transfer network, which then behaves like any other TransformModel (tiles, margin, depth strength).
// From ONNX bytes only, so the page runs this same module on onnxruntime-web.
import * as G from '../graph/index.js';
import { resizeRgb, type RgbImage } from '../io/rgb.js';
import { ARBITRARY } from '../models/magenta-spec.js';
import { importOnnx, readOnnx } from '../models/onnx-import.js';
import type { TransformModel } from './stylizer.js';

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
  for (let c = 0; c < 3; c++) for (let y = 0; y < s; y++) data.set(img.data.subarray(c * n + (y0 + y) * img.width + x0, c * n + (y0 + y) * img.width + x0 + s), c * s * s + y * s);
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

/** Σ wᵢ·vᵢ with the weights normalized to sum 1: paintings mixed by their vectors. */
export function mixStyles(vectors: readonly StyleVector[], weights?: readonly number[]): StyleVector {
  if (!vectors.length) throw new Error('mixing styles needs at least one style vector');
  const w = weights ?? vectors.map(() => 1);
  if (w.length !== vectors.length) throw new Error(`${vectors.length} styles but ${w.length} weights`);
  const total = w.reduce((a, b) => a + b, 0);
  if (!(total > 0) || w.some((x) => !(x >= 0))) throw new Error(`style weights must be non-negative and not all 0, got ${w.join(',')}`);
  const out = new Float32Array(vectors[0].length);
  vectors.forEach((v, k) => v.forEach((x, i) => (out[i] += (w[k] / total) * x)));
  return out;
}

/** The authors' strength: strength·painting + (1 − strength)·photo, in style-vector space. */
export function styleAtStrength(painting: StyleVector, photo: StyleVector, strength: number): StyleVector {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be between 0 and 1, got ${strength}`);
  return painting.map((v, i) => strength * v + (1 - strength) * photo[i]);
}

/** The transfer network conditioned on one style vector, as a TransformModel (RGB 0–255 in and out, any size). */
export function arbitraryTransformModel(transferOnnx: Uint8Array, style: StyleVector, name = 'painting'): TransformModel {
  if (style.length !== ARBITRARY.styleSize) throw new Error(`a style vector has ${ARBITRARY.styleSize} numbers, got ${style.length}`);
  const proto = readOnnx(transferOnnx, 'style transfer network');
  return {
    id: `arbitrary (${name})`,
    licence: ARBITRARY.licence,
    sizeMultiple: ARBITRARY.sizeMultiple,
    build: (x) => {
      const s = x.graph.constant(style, [1, ARBITRARY.styleSize, 1, 1]);
      const [y] = importOnnx(proto, [G.mul(x, 1 / 255), s], 'transfer', 'style transfer network');
      return G.mul(y, 255);
    },
  };
}
