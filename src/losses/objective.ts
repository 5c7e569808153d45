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
import type { Rng } from '../optim/random.js';
import { DEPTH_LOSSES, type DepthLossKind } from './depth.js';
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

const needsDepth = (s: Pick<ObjectiveSpec, 'depthWeight'>) => s.depthWeight > 0;

/** The objective's constants of a photo batch: its VGG features by layer and its depth loss's targets, in order. */
export interface ObjectiveTargets<T = Tensor> {
  content: Record<string, T>;
  depth: T[];
}

/** The targets as one list (content layers in name order, then depth), and back: for evaluating them once. */
export function flattenTargets<T>(t: ObjectiveTargets<T>): T[] {
  return [
    ...Object.keys(t.content)
      .sort()
      .map((k) => t.content[k]),
    ...t.depth,
  ];
}
export function unflattenTargets<T>(like: ObjectiveTargets<unknown>, values: readonly T[]): ObjectiveTargets<T> {
  const keys = Object.keys(like.content).sort();
  return { content: Object.fromEntries(keys.map((k, i) => [k, values[i]])), depth: values.slice(keys.length) };
}

/**
 * The constants of the objective for a photo batch `x`. Deterministic in `x`; `optimize` evaluates them once,
 * `train` keeps them in its graph.
 */
export function objectiveTargets(s: Omit<ObjectiveSpec, 'grams'>, x: Tensor): ObjectiveTargets {
  const loss = needsDepth(s) ? DEPTH_LOSSES[s.depthLoss] : undefined;
  const layers = [...new Set([...s.contentLayers, ...(loss?.vggLayers ?? [])])];
  const f = s.vgg.features(x, layers);
  return { content: Object.fromEntries(layers.map((l) => [l, f.get(l)!])), depth: loss ? loss.targets(requireDepthModel(s), x) : [] };
}

function requireDepthModel(s: Pick<ObjectiveSpec, 'depthModel' | 'depthLoss'>): DepthModel {
  if (!s.depthModel) throw new Error(`the ${s.depthLoss} depth loss needs a depth model`);
  return s.depthModel;
}

export interface Objective {
  total: Tensor;
  /** Weighted terms by name: content, style, tv, depth. */
  terms: [string, Tensor][];
  /** Constant feeds (style Gram matrices, random draws); the caller adds the variable's and the photo's. */
  feeds: Map<Tensor, G.Feed>;
  /** Draws new random transformations (a stochastic depth loss); a no-op for deterministic objectives. */
  resample(rng: Rng): void;
  /** Whether `resample` changes the function. */
  stochastic: boolean;
}

/**
 * The weighted loss terms of stylized image(s) `y` of photo(s) `x`, with `targets` from `objectiveTargets`
 * (in-graph tensors, or inputs fed with their precomputed values).
 */
export function buildObjective(s: ObjectiveSpec, y: Tensor, x: Tensor, targets: ObjectiveTargets): Objective {
  const g = y.graph;
  const feeds = new Map<Tensor, G.Feed>();
  const random: { input: Tensor; draw: (rng: Rng) => G.Float32Tensor }[] = [];
  const photoFeatures = (layer: string) => {
    const t = targets.content[layer];
    if (!t) throw new Error(`objective: no photo features at ${layer}`);
    return t;
  };
  const loss = needsDepth(s) ? DEPTH_LOSSES[s.depthLoss] : undefined;
  const f = s.vgg.features(y, [...new Set([...s.styleLayers, ...s.contentLayers, ...(loss?.vggLayers ?? [])])]);
  const terms: [string, Tensor][] = [];
  if (s.contentWeight > 0) {
    const content = s.contentLayers.map((l) => mse(f.get(l)!, photoFeatures(l))).reduce((a, b) => G.add(a, b));
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
  if (loss) {
    const term = loss.term({
      model: requireDepthModel(s),
      y,
      x,
      targets: targets.depth,
      features: (l) => f.get(l)!,
      photoFeatures,
      random: (input, draw) => random.push({ input, draw }),
    });
    terms.push(['depth', G.mul(term, s.depthWeight)]);
  }
  const total = terms.map(([, t]) => t).reduce((a, b) => G.add(a, b));
  return {
    total,
    terms,
    feeds,
    stochastic: loss?.stochastic ?? false,
    resample(rng) {
      for (const r of random) feeds.set(r.input, r.draw(rng));
    },
  };
}

/** Graph inputs for precomputed targets (as `optimize` feeds them), registered in `feeds`. */
export function targetInputs(g: G.Graph, values: ObjectiveTargets<G.Float32Tensor>, feeds: Map<Tensor, G.Feed>): ObjectiveTargets {
  const input = (name: string, v: G.Float32Tensor) => {
    const t = g.input(`target/${name}`, v.shape);
    feeds.set(t, v);
    return t;
  };
  return {
    content: Object.fromEntries(Object.entries(values.content).map(([k, v]) => [k, input(`content/${k}`, v)])),
    depth: values.depth.map((v, i) => input(`depth/${i}`, v)),
  };
}
