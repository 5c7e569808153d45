// The depth losses of depth-preserving style transfer, as one registry: each entry says what it needs of the
// photo (its targets: constants computed once per photo, no gradient through them), which VGG layers it reads,
// how it compares the stylized image, and whether it is stochastic. The CLI's --depth-loss choices and help
// come from here; adding a depth loss is adding an entry.
import * as G from '../graph/index.js';
import { Tensor, add, div, mul, reduceMean, square, sub } from '../graph/index.js';
import type { DepthModel } from '../models/depth.js';
import type { Rng } from '../optim/random.js';
import { ArgumentError } from '../io/arguments.js';

/** What a depth term is built from. */
export interface DepthTermContext {
  model: DepthModel;
  /** The stylized image(s) and the photo(s), RGB 0–255 NCHW. */
  y: Tensor;
  x: Tensor;
  /** This loss's targets (its `targets` of the photo), in order. */
  targets: readonly Tensor[];
  /** VGG features of `y`, and the photo's (targets of the objective), by layer. */
  features(layer: string): Tensor;
  photoFeatures(layer: string): Tensor;
  /** A graph input drawn anew each iteration or step (stochastic losses). */
  random(input: Tensor, draw: (rng: Rng) => G.Float32Tensor): void;
}

export interface DepthLossDef {
  /** One line for the CLI's help. */
  help: string;
  /** VGG layers it compares (the photo's features there become targets of the objective). */
  vggLayers: readonly string[];
  /** The photo's constants (computed from `x`; optimize evaluates them once, train keeps them in its graph). */
  targets(model: DepthModel, x: Tensor): Tensor[];
  term(c: DepthTermContext): Tensor;
  /** Whether the term draws random transformations (optimize then restarts L-BFGS per draw). */
  stochastic: boolean;
}

/** The VGG layer the weighted content loss compares (fine enough for object outlines). */
export const WEIGHTED_CONTENT_LAYER = 'relu2_2';
/** Scales the stylized and photo images are resized to before the depth net in `eot` (not the judges' ½ and 0.7). */
export const EOT_SCALES = [0.8, 0.6] as const;
const EOT_KERNEL = 7;
/** Std of the noise added to the stylized image in `eot`, in 0–255 units. */
const EOT_NOISE = 3;
const AXES = [1, 2, 3];

/**
 * pred, target: [N, 1, h, w] relative depth maps.
 * - 'mse': mean squared difference, with both maps divided by the target's
 *   mean so that the loss does not depend on the network's output scale;
 * - 'ssi': scale-and-shift invariant: pred is first aligned to target by least
 *   squares (per image), then the residual is divided by the target's variance.
 *   Monocular depth is only known up to scale and shift, so only the layout counts;
 *   the value equals 1 − r² (r: Pearson correlation of the maps).
 */
export function depthLoss(pred: Tensor, target: Tensor, kind: 'mse' | 'ssi'): Tensor {
  if (!(pred instanceof Tensor)) throw new ArgumentError('depthLoss: pred', 'must be a graph Tensor');
  if (!(target instanceof Tensor)) throw new ArgumentError('depthLoss: target', 'must be a graph Tensor');
  if (kind !== 'mse' && kind !== 'ssi') throw new ArgumentError('depthLoss: kind', `must be 'mse' or 'ssi', got ${String(kind)}`);
  const tMean = reduceMean(target, AXES, true);
  if (kind === 'mse') return reduceMean(square(div(sub(pred, target), add(tMean, 1e-6))));
  const pc = sub(pred, reduceMean(pred, AXES, true));
  const tc = sub(target, tMean);
  const tVar = reduceMean(square(tc), AXES, true);
  const scale = div(reduceMean(mul(pc, tc), AXES, true), add(reduceMean(square(pc), AXES, true), 1e-8));
  const residual = sub(mul(pc, scale), tc);
  return reduceMean(div(reduceMean(square(residual), AXES, true), add(tVar, 1e-8)));
}

/**
 * The seed paper's feature loss, Σ_i ‖δ_i(ŷ) − δ_i(y)‖² / N_i over the depth network's feature layers i, each
 * layer also divided by the target's mean square so that every layer (and any depth model) weighs alike.
 */
export function featureDepthLoss(pred: readonly Tensor[], target: readonly Tensor[]): Tensor {
  if (!Array.isArray(pred) || !pred.length || !pred.every((t) => t instanceof Tensor))
    throw new ArgumentError('featureDepthLoss: pred', 'must be a non-empty array of graph Tensors');
  if (!Array.isArray(target) || target.length !== pred.length || !target.every((t) => t instanceof Tensor))
    throw new ArgumentError('featureDepthLoss: target', `must be ${pred.length} graph Tensors, one per pred`);
  const layer = (p: Tensor, t: Tensor) => div(reduceMean(square(sub(p, t))), add(reduceMean(square(t)), 1e-8));
  return div(
    pred.map((p, i) => layer(p, target[i])).reduce((a, b) => add(a, b)),
    pred.length,
  );
}

/** The photo's nearness, standardized per image and squashed to (0, 1): about 0.5 on average, near → 1. */
function nearness(model: DepthModel, x: Tensor): Tensor {
  const [, , h, w] = x.staticShape('nearness');
  let d = G.resize(model.build(x), [h, w], 'bilinear');
  if (model.polarity === 'depth') d = G.neg(d);
  const c = G.sub(d, G.reduceMean(d, AXES, true));
  const std = G.sqrt(G.add(G.reduceMean(G.square(c), AXES, true), 1e-8));
  return G.sigmoid(G.mul(G.div(c, std), 2));
}

/** Luminance of an RGB NCHW tensor: [N, 1, H, W]. */
function luminance(x: Tensor): Tensor {
  const ch = (c: number) => G.slice(x, [c], [c + 1], [1]);
  return G.add(G.add(G.mul(ch(0), 0.299), G.mul(ch(1), 0.587)), G.mul(ch(2), 0.114));
}

/** Horizontal and vertical forward differences, cropped to a common [H−1, W−1]. */
function gradients(g: Tensor): [Tensor, Tensor] {
  const [, , h, w] = g.staticShape('image gradients');
  const dx = G.sub(G.slice(g, [1, 0], [w, h - 1], [3, 2]), G.slice(g, [0, 0], [w - 1, h - 1], [3, 2]));
  const dy = G.sub(G.slice(g, [1, 0], [h, w - 1], [2, 3]), G.slice(g, [0, 0], [h - 1, w - 1], [2, 3]));
  return [dx, dy];
}

/**
 * Where the photo's depth changes sharply, in (0, 1] on the [H−1, W−1] gradient grid: the depth map's gradient
 * magnitude relative to 4× its mean, capped at 1, so the strongest depth edges (occlusion boundaries) weigh fully.
 */
function depthEdges(model: DepthModel, x: Tensor): Tensor {
  const [, , h, w] = x.staticShape('depth edges');
  let d = G.resize(model.build(x), [h, w], 'bilinear');
  d = G.div(d, G.add(G.reduceMean(G.abs(d), AXES, true), 1e-8));
  const [dx, dy] = gradients(d);
  const mag = G.sqrt(G.add(G.add(G.square(dx), G.square(dy)), 1e-12));
  const rel = G.div(mag, G.mul(G.reduceMean(mag, AXES, true), 4));
  return G.sub(1, G.relu(G.sub(1, rel)));
}

/** A 7×7 kernel that blurs by a random Gaussian and shifts by a random sub-pixel offset, per channel. */
function drawKernel(rng: Rng, channels: number): Float32Array {
  const k = EOT_KERNEL;
  const r = (k - 1) / 2;
  const sigma = rng.uniform(0.3, 1.5);
  const [sx, sy] = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
  const one = new Float32Array(k * k);
  let sum = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const v = Math.exp(-((i - r - sy) ** 2 + (j - r - sx) ** 2) / (2 * sigma * sigma));
      one[i * k + j] = v;
      sum += v;
    }
  const out = new Float32Array(channels * k * k);
  for (let c = 0; c < channels; c++) for (let i = 0; i < k * k; i++) out[c * k * k + i] = one[i] / sum;
  return out;
}

/**
 * Expectation over transformation: the ssi depth loss between depth(T(y) + noise) and depth(T(x)), for random
 * blur, sub-pixel shift and noise T drawn anew each iteration, at each of `EOT_SCALES`. A pattern that fools the
 * depth network only at one exact pixel grid does not survive these.
 */
function eotDepthTerm({ model, y, x, random }: DepthTermContext): Tensor {
  const g = y.graph;
  const [n, c, h, w] = y.staticShape('eot depth loss');
  const r = (EOT_KERNEL - 1) / 2;
  const parts = EOT_SCALES.map((scale, i) => {
    const kernel = g.input(`eot/kernel${i}`, [c, 1, EOT_KERNEL, EOT_KERNEL]);
    random(kernel, (rng) => ({ data: drawKernel(rng, c), shape: [c, 1, EOT_KERNEL, EOT_KERNEL] }));
    const size: [number, number] = [Math.max(16, Math.round(h * scale)), Math.max(16, Math.round(w * scale))];
    const transform = (im: Tensor) => G.resize(G.conv2d(G.pad2d(im, [r, r, r, r], 'reflect'), kernel, undefined, { group: c }), size, 'bilinear');
    const noise = g.input(`eot/noise${i}`, [n, c, ...size]);
    random(noise, (rng) => ({ data: rng.fill(n * c * size[0] * size[1], () => rng.normal() * EOT_NOISE), shape: [n, c, ...size] }));
    return depthLoss(model.build(G.add(transform(y), noise)), model.build(transform(x)), 'ssi');
  });
  return G.div(
    parts.reduce((a, b) => G.add(a, b)),
    parts.length,
  );
}

/** The depth map of the stylized image against the photo's (the gradient passes through the depth network). */
const onDepthMaps = (kind: 'ssi' | 'mse', help: string): DepthLossDef => ({
  help,
  vggLayers: [],
  targets: (model, x) => [model.build(x)],
  term: ({ model, y, targets }) => depthLoss(model.build(y), targets[0], kind),
  stochastic: false,
});

export const DEPTH_LOSSES = {
  ssi: onDepthMaps('ssi', 'the depth maps, scale-and-shift-invariant (1 − r²)'),
  mse: onDepthMaps('mse', "the depth maps, mean squared difference relative to the photo's mean depth"),
  features: {
    help: "the seed paper's: the depth network's feature layers",
    vggLayers: [],
    targets: (model, x) => model.features(x),
    term: ({ model, y, targets }) => featureDepthLoss(model.features(y), targets),
    stochastic: false,
  },
  eot: {
    help: 'ssi over random blur, shift, noise and rescaling of both images',
    vggLayers: [],
    targets: () => [],
    term: eotDepthTerm,
    stochastic: true,
  },
  'weighted-content': {
    help: "the content loss weighted by the photo's nearness (no gradient through the depth net)",
    vggLayers: [WEIGHTED_CONTENT_LAYER],
    targets: (model, x) => [nearness(model, x)],
    term: ({ targets, features, photoFeatures }) => {
      // Σ w·(F(y) − F(x))² / Σ w·F(x)²: the photo's nearness w, resized to the feature grid, weights the content loss.
      const fx = photoFeatures(WEIGHTED_CONTENT_LAYER);
      const [, , fh, fw] = fx.staticShape('weighted content');
      const wmap = G.resize(targets[0], [fh, fw], 'bilinear');
      const num = G.reduceMean(G.mul(G.square(G.sub(features(WEIGHTED_CONTENT_LAYER), fx)), wmap), AXES, true);
      const den = G.add(G.reduceMean(G.mul(G.square(fx), wmap), AXES, true), 1e-8);
      return G.reduceMean(G.div(num, den));
    },
    stochastic: false,
  },
  'depth-edges': {
    help: "the photo's luminance gradients kept where its depth changes sharply (no gradient through the depth net)",
    vggLayers: [],
    targets: (model, x) => [depthEdges(model, x)],
    term: ({ y, x, targets }) => {
      // Σ E·|∇Y − ∇X|² / Σ E·|∇X|²: the photo's luminance gradients must survive where its depth changes sharply.
      const [yx, yy] = gradients(luminance(y));
      const [xx, xy] = gradients(luminance(x));
      const diff = G.add(G.square(G.sub(yx, xx)), G.square(G.sub(yy, xy)));
      const ref = G.add(G.square(xx), G.square(xy));
      const num = G.reduceMean(G.mul(diff, targets[0]), AXES, true);
      const den = G.add(G.reduceMean(G.mul(ref, targets[0]), AXES, true), 1e-8);
      return G.reduceMean(G.div(num, den));
    },
    stochastic: false,
  },
} satisfies Record<string, DepthLossDef>;

export type DepthLossKind = keyof typeof DEPTH_LOSSES;
export const DEPTH_LOSS_KINDS = Object.keys(DEPTH_LOSSES) as DepthLossKind[];

/** The CLI's help for --depth-loss, from the registry. */
export function depthLossHelp(): string {
  return DEPTH_LOSS_KINDS.map((k) => `${k}: ${DEPTH_LOSSES[k].help}`).join('; ');
}
