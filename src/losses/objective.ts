// The one objective of depthstyle, shared by `optimize` (the image is the
// variable) and `train` (the transform network's weights are): weighted
// content, style, total-variation and depth terms.
//
// Targets that depend only on the photo (its VGG features, its depth map, the
// weight and edge maps derived from it) come from `objectiveTargets`: `train`
// builds them into its graph for each batch; `optimize` computes them once and
// feeds them as constants. Either way no gradient flows through them.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import type { DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import { Rng } from '../nn/random.js';
import { depthLoss, depthLossOf, depthSignals, type DepthLossKind } from './depth.js';
import { gram, mse, tvLoss } from './perceptual.js';

export interface LossWeights {
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  /** 0 turns the depth term off. */
  depthWeight: number;
}

export interface ObjectiveSpec extends LossWeights {
  vgg: Vgg19;
  depthModel?: DepthModel;
  depthLoss: DepthLossKind;
  contentLayers: readonly string[];
  styleLayers: readonly string[];
  /** Gram matrices of the (blended) style image, one per style layer. */
  grams: readonly G.Float32Tensor[];
}

/** Gatys et al.'s layers: style from five depths of VGG-19, content from relu4_2 (optimize's defaults, eval's measures). */
export const GATYS_STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
export const GATYS_CONTENT_LAYERS = ['relu4_2'];

/** VGG layer whose activations `weighted-content` compares: shallow enough to keep the outline of near things. */
export const WEIGHTED_CONTENT_LAYER = 'relu2_2';
/** Scales the stylized and photo images are resized to before the depth net in `eot` (not the judges' ½ and 0.7). */
export const EOT_SCALES = [0.8, 0.6] as const;
const EOT_KERNEL = 7;
/** Std of the noise added to the stylized image in `eot`, in 0–255 units. */
const EOT_NOISE = 3;

const needsDepth = (s: Pick<ObjectiveSpec, 'depthWeight'>) => s.depthWeight > 0;

/** The photo's nearness, standardized per image and squashed to (0, 1): about 0.5 on average, near → 1. */
function nearness(model: DepthModel, x: Tensor): Tensor {
  const [, , h, w] = x.staticShape('nearness');
  let d = G.resize(model.build(x), [h, w], 'bilinear');
  if (model.polarity === 'depth') d = G.neg(d);
  const axes = [1, 2, 3];
  const c = G.sub(d, G.reduceMean(d, axes, true));
  const std = G.sqrt(G.add(G.reduceMean(G.square(c), axes, true), 1e-8));
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
  const axes = [1, 2, 3];
  d = G.div(d, G.add(G.reduceMean(G.abs(d), axes, true), 1e-8));
  const [dx, dy] = gradients(d);
  const mag = G.sqrt(G.add(G.add(G.square(dx), G.square(dy)), 1e-12));
  const rel = G.div(mag, G.mul(G.reduceMean(mag, axes, true), 4));
  return G.sub(1, G.relu(G.sub(1, rel)));
}

/**
 * The constants of the objective for a photo batch `x`, by name. Deterministic in `x`; `optimize` evaluates them
 * once, `train` keeps them in its graph.
 */
export function objectiveTargets(s: Omit<ObjectiveSpec, 'grams'>, x: Tensor): Map<string, Tensor> {
  const t = new Map<string, Tensor>();
  const layers = [...new Set([...s.contentLayers, ...(needsDepth(s) && s.depthLoss === 'weighted-content' ? [WEIGHTED_CONTENT_LAYER] : [])])];
  const f = s.vgg.features(x, layers);
  for (const l of layers) t.set(`content/${l}`, f.get(l)!);
  if (!needsDepth(s)) return t;
  const model = requireDepthModel(s);
  if (s.depthLoss === 'weighted-content') t.set('nearness', nearness(model, x));
  else if (s.depthLoss === 'depth-edges') t.set('depth-edges', depthEdges(model, x));
  else if (s.depthLoss !== 'eot') depthSignals(model, x, s.depthLoss).forEach((d, i) => t.set(`depth/${i}`, d));
  return t;
}

function requireDepthModel(s: Pick<ObjectiveSpec, 'depthModel' | 'depthLoss'>): DepthModel {
  if (!s.depthModel) throw new Error(`the ${s.depthLoss} depth loss needs a depth model`);
  return s.depthModel;
}

/** A graph input that is drawn anew (by `Objective.resample`) each iteration or step. */
interface RandomFeed {
  input: Tensor;
  draw: (rng: Rng) => G.Float32Tensor;
}

export interface Objective {
  total: Tensor;
  /** Weighted terms by name: content, style, tv, depth. */
  terms: [string, Tensor][];
  /** Constant feeds (style Gram matrices, random draws); the caller adds the variable's and the photo's. */
  feeds: Map<Tensor, G.Feed>;
  /** Draws new random transformations (the `eot` depth loss); a no-op for deterministic objectives. */
  resample(rng: Rng): void;
  /** Whether `resample` changes the function. */
  stochastic: boolean;
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
 * Expectation over transformation: the depth loss between depth(T(y) + noise) and depth(T(x)), for random blur,
 * sub-pixel shift and noise T drawn anew each iteration, at each of `EOT_SCALES`. A pattern that fools the depth
 * network only at one exact pixel grid does not survive these.
 */
function eotDepthTerm(model: DepthModel, y: Tensor, x: Tensor, random: RandomFeed[]): Tensor {
  const g = y.graph;
  const [n, c, h, w] = y.staticShape('eot depth loss');
  const r = (EOT_KERNEL - 1) / 2;
  const parts = EOT_SCALES.map((scale, i) => {
    const kernel = g.input(`eot/kernel${i}`, [c, 1, EOT_KERNEL, EOT_KERNEL]);
    random.push({ input: kernel, draw: (rng) => ({ data: drawKernel(rng, c), shape: [c, 1, EOT_KERNEL, EOT_KERNEL] }) });
    const size: [number, number] = [Math.max(16, Math.round(h * scale)), Math.max(16, Math.round(w * scale))];
    const transform = (im: Tensor) => G.resize(G.conv2d(G.pad2d(im, [r, r, r, r], 'reflect'), kernel, undefined, { group: c }), size, 'bilinear');
    const noise = g.input(`eot/noise${i}`, [n, c, ...size]);
    random.push({ input: noise, draw: (rng) => ({ data: rng.fill(n * c * size[0] * size[1], () => rng.normal() * EOT_NOISE), shape: [n, c, ...size] }) });
    return depthLoss(model.build(G.add(transform(y), noise)), model.build(transform(x)), 'ssi');
  });
  return G.div(parts.reduce((a, b) => G.add(a, b)), parts.length);
}

/**
 * The weighted loss terms of stylized image(s) `y` of photo(s) `x`, with `targets` from `objectiveTargets`
 * (in-graph tensors, or inputs fed with their precomputed values).
 */
export function buildObjective(s: ObjectiveSpec, y: Tensor, x: Tensor, targets: ReadonlyMap<string, Tensor>): Objective {
  const g = y.graph;
  const feeds = new Map<Tensor, G.Feed>();
  const random: RandomFeed[] = [];
  const target = (key: string) => {
    const t = targets.get(key);
    if (!t) throw new Error(`objective: no target ${key}`);
    return t;
  };
  const extra = needsDepth(s) && s.depthLoss === 'weighted-content' ? [WEIGHTED_CONTENT_LAYER] : [];
  const f = s.vgg.features(y, [...new Set([...s.styleLayers, ...s.contentLayers, ...extra])]);
  const terms: [string, Tensor][] = [];
  if (s.contentWeight > 0) {
    const content = s.contentLayers.map((l) => mse(f.get(l)!, target(`content/${l}`))).reduce((a, b) => G.add(a, b));
    terms.push(['content', G.mul(content, s.contentWeight)]);
  }
  const style = s.styleLayers
    .map((l, i) => {
      const tg = g.input(`gram/${l}`, s.grams[i].shape);
      feeds.set(tg, s.grams[i]);
      return mse(gram(f.get(l)!), tg);
    })
    .reduce((a, b) => G.add(a, b));
  terms.push(['style', G.mul(style, s.styleWeight)]);
  if (s.tvWeight > 0) terms.push(['tv', G.mul(tvLoss(y), s.tvWeight)]);
  if (needsDepth(s)) terms.push(['depth', G.mul(depthTerm(s, y, x, f, target, random), s.depthWeight)]);
  const total = terms.map(([, t]) => t).reduce((a, b) => G.add(a, b));
  return {
    total,
    terms,
    feeds,
    stochastic: random.length > 0,
    resample(rng) {
      for (const r of random) feeds.set(r.input, r.draw(rng));
    },
  };
}

function depthTerm(s: ObjectiveSpec, y: Tensor, x: Tensor, f: Map<string, Tensor>, target: (k: string) => Tensor, random: RandomFeed[]): Tensor {
  const model = requireDepthModel(s);
  const axes = [1, 2, 3];
  switch (s.depthLoss) {
    case 'eot':
      return eotDepthTerm(model, y, x, random);
    case 'weighted-content': {
      // Σ w·(F(y) − F(x))² / Σ w·F(x)²: the photo's nearness w, resized to the feature grid, weights the content loss.
      const fx = target(`content/${WEIGHTED_CONTENT_LAYER}`);
      const [, , fh, fw] = fx.staticShape('weighted content');
      const wmap = G.resize(target('nearness'), [fh, fw], 'bilinear');
      const num = G.reduceMean(G.mul(G.square(G.sub(f.get(WEIGHTED_CONTENT_LAYER)!, fx)), wmap), axes, true);
      const den = G.add(G.reduceMean(G.mul(G.square(fx), wmap), axes, true), 1e-8);
      return G.reduceMean(G.div(num, den));
    }
    case 'depth-edges': {
      // Σ E·|∇Y − ∇X|² / Σ E·|∇X|²: the photo's luminance gradients must survive where its depth changes sharply.
      const e = target('depth-edges');
      const [yx, yy] = gradients(luminance(y));
      const [xx, xy] = gradients(luminance(x));
      const diff = G.add(G.square(G.sub(yx, xx)), G.square(G.sub(yy, xy)));
      const ref = G.add(G.square(xx), G.square(xy));
      const num = G.reduceMean(G.mul(diff, e), axes, true);
      const den = G.add(G.reduceMean(G.mul(ref, e), axes, true), 1e-8);
      return G.reduceMean(G.div(num, den));
    }
    default: {
      const count = s.depthLoss === 'features' ? model.featureLayers.length : 1;
      const td = Array.from({ length: count }, (_, i) => target(`depth/${i}`));
      return depthLossOf(depthSignals(model, y, s.depthLoss), td, s.depthLoss);
    }
  }
}

/** Graph inputs for precomputed targets (as `optimize` feeds them), registered in `feeds`. */
export function targetInputs(g: G.Graph, values: ReadonlyMap<string, G.Float32Tensor>, feeds: Map<Tensor, G.Feed>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, v] of values) {
    const t = g.input(`target/${k}`, v.shape);
    feeds.set(t, v);
    out.set(k, t);
  }
  return out;
}
