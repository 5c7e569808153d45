// Optimization-based stylization (Gatys et al. 2016) with the depth loss of
// depth-preserving style transfer: the image itself is optimized so that its
// VGG-19 Gram matrices match the style, its deep features match the content,
// and its depth map (from a pretrained depth network) matches the content's.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { resizeImage, resizeLongSide, type RgbImage } from '../io/image.js';
import type { DepthLossKind } from '../losses/depth.js';
import {
  GATYS_CONTENT_LAYERS,
  GATYS_STYLE_LAYERS,
  buildObjective,
  flattenTargets,
  objectiveTargets,
  targetInputs,
  unflattenTargets,
  type LossWeights,
  type ObjectiveTargets,
} from '../losses/objective.js';
import { gram } from '../losses/perceptual.js';
import { loadDepthModel, type DepthModel } from '../models/depth.js';
import { loadVgg19, type Vgg19 } from '../models/vgg.js';
import { Rng } from '../optim/random.js';
import { Adam, LBFGS } from '../optim/optimizers.js';
import { combineLuminance, luminanceImage, matchHistogram, type PreserveColor } from '../stylize/color.js';
import { ArgumentError, checkImageArg } from '../io/arguments.js';
import { normalizeStyleWeights } from '../stylize/arbitrary.js';

export interface OptimizeOptions {
  content: RgbImage;
  /** One or more style images, blended by `styleBlend`. */
  styles: RgbImage[];
  styleBlend?: number[];
  /** Long side of the output in pixels. */
  size?: number;
  iterations?: number;
  optimizer?: 'lbfgs' | 'adam';
  lr?: number;
  init?: 'content' | 'noise' | RgbImage;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  depthWeight?: number;
  depthLoss?: DepthLossKind;
  contentLayers?: string[];
  styleLayers?: string[];
  /** Style image long side relative to the output's. */
  styleScale?: number;
  preserveColor?: PreserveColor;
  /** Coarse-to-fine passes at 1/4, 1/2 and full size (each at least 128 px). */
  multiscale?: boolean;
  /** Restart L-BFGS every N iterations (default: only a stochastic depth loss does, every 10). */
  lbfgsRound?: number;
  seed?: number;
  /** Networks and runtime, if already loaded. */
  vgg?: Vgg19;
  depthModel?: DepthModel;
  runtime?: G.Runtime;
  onProgress?: (p: OptimizeProgress) => void;
  /** Called every `frameEvery` iterations with the current image. */
  onFrame?: (iteration: number, image: RgbImage) => void | Promise<void>;
  frameEvery?: number;
  /** Aborting stops early; the best image so far is returned. */
  signal?: AbortSignal;
}

export interface OptimizeProgress {
  iteration: number;
  iterations: number;
  scale: number;
  scales: number;
  /** Share of the whole job's compute done (iterations weighted by their scale's pixels): an honest basis for an ETA. */
  fraction: number;
  /** Weighted loss terms and their total. */
  losses: Record<string, number>;
}

export interface OptimizeResult {
  image: RgbImage;
  /** Weighted loss terms of the initial image (at the first scale). */
  initialLosses: Record<string, number>;
  /** Weighted loss terms of the returned image. */
  losses: Record<string, number>;
  iterations: number;
  seconds: number;
  stopped: boolean;
}

export const OPTIMIZE_DEFAULTS = {
  size: 512,
  // A sensible first run (about 10 minutes at 512 px on 2 cores); more iterations keep refining.
  iterations: 200,
  optimizer: 'lbfgs' as const,
  contentWeight: 1,
  styleWeight: 10,
  tvWeight: 1,
  // No depth loss by default: on the dev split (6 photos x 2 paintings, 256 px, 100 iterations) weighted-content
  // at 8e4 cost x1.14 style and at 4e4 lowered PyDNet++ on average, so neither passes the rule every default
  // must pass (docs/splits.md, decision 3). --depth-weight 4e4 (weighted-content) is the opt-in: +0.041 edge
  // contrast on dev. ssi and eot raised mainly PyDNet v2's own answers (docs/depth-losses).
  depthWeight: 0,
  depthLoss: 'weighted-content' as DepthLossKind,
  contentLayers: GATYS_CONTENT_LAYERS,
  styleLayers: GATYS_STYLE_LAYERS,
  styleScale: 1,
  preserveColor: 'none' as PreserveColor,
  seed: 0,
};

class Stopped extends Error {}

export interface Targets {
  /** Gram matrices of the blended style images, one per style layer. */
  grams: G.Float32Tensor[];
  /** The objective's constants of the photo (`objectiveTargets`), evaluated. */
  photo: ObjectiveTargets<G.Float32Tensor>;
}

type TargetOptions = Required<Pick<OptimizeOptions, 'contentLayers' | 'styleLayers'>> &
  LossWeights & { vgg: Vgg19; depthModel?: DepthModel; depthLoss: DepthLossKind; rt: G.Runtime };

/** The objective's constants: the photo's targets and the styles' blended Gram matrices, each computed once. */
export async function computeTargets(o: TargetOptions, content: RgbImage, styles: RgbImage[], blend: number[]): Promise<Targets> {
  let layout: ObjectiveTargets | undefined;
  const values = await o.rt.runOnce(content, (x) => flattenTargets((layout = objectiveTargets(o, x))));
  const grams: G.Float32Tensor[] = [];
  for (let s = 0; s < styles.length; s++) {
    const sOut = await o.rt.runOnce(styles[s], (x) => {
      const f = o.vgg.features(x, o.styleLayers);
      return o.styleLayers.map((l) => gram(f.get(l)!));
    });
    sOut.forEach((t, i) => {
      const d = t.data.map((v) => v * blend[s]);
      grams[i]?.data.forEach((v, k) => (d[k] += v));
      grams[i] = { data: d, shape: t.shape };
    });
  }
  return { grams, photo: unflattenTargets(layout!, values) };
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeResult> {
  const o = { ...OPTIMIZE_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof OPTIMIZE_DEFAULTS &
    OptimizeOptions;
  if (!opts || typeof opts !== 'object') throw new ArgumentError('optimize: options', 'must be an object { content, styles, ... }');
  checkImageArg(o.content, 'optimize: content');
  if (!Array.isArray(o.styles) || !o.styles.length) throw new ArgumentError('optimize: styles', 'at least one style image is needed');
  o.styles.forEach((s, k) => checkImageArg(s, `optimize: styles[${k}]`));
  if (o.styleBlend !== undefined) normalizeStyleWeights(o.styleBlend, o.styles.length, 'optimize: styleBlend');
  const blend = o.styleBlend ?? o.styles.map(() => 1 / o.styles.length);
  if (blend.length !== o.styles.length) throw new Error(`optimize: ${o.styles.length} styles but ${blend.length} blend weights`);
  const start = performance.now();
  const rt = o.runtime ?? new G.Runtime();
  const vgg = o.vgg ?? (await loadVgg19());
  const depthModel = o.depthWeight > 0 ? (o.depthModel ?? (await loadDepthModel())) : undefined;
  const iterations = o.iterations ?? OPTIMIZE_DEFAULTS.iterations;

  const sides = o.multiscale ? [o.size / 4, o.size / 2, o.size].map(Math.round).filter((s) => s >= 128 || s === o.size) : [o.size];
  // Coarse passes get half the iterations of the next finer one.
  const perScale = sides.map((_, i) => Math.max(1, Math.round(iterations / 2 ** (sides.length - 1 - i))));

  let x: RgbImage | undefined;
  let losses: Record<string, number> = {};
  let initialLosses: Record<string, number> | undefined;
  let done = 0;
  let stopped = false;
  let content: RgbImage = o.content;
  // An iteration costs about its scale's pixels: coarse passes are cheap, so counting iterations misleads an ETA.
  const cost = sides.map((side, i) => perScale[i] * (side / o.size) ** 2);
  const totalCost = cost.reduce((a, b) => a + b, 0);
  for (let si = 0; si < sides.length && !stopped; si++) {
    content = await resizeLongSide(o.content, sides[si]);
    let styles = await Promise.all(o.styles.map((s) => resizeLongSide(s, sides[si] * o.styleScale)));
    let target = content;
    if (o.preserveColor === 'luminance') {
      target = luminanceImage(content);
      styles = styles.map((s) => luminanceImage(s, content));
    } else if (o.preserveColor === 'histogram') styles = styles.map((s) => matchHistogram(s, content));

    const targets = await computeTargets({ ...o, vgg, depthModel, rt }, target, styles, blend);
    // Initial image for this scale.
    let init: RgbImage;
    if (x) init = await resizeImage(x, content.width, content.height);
    else if (o.init === 'noise') {
      const rng = new Rng(o.seed);
      init = { ...target, data: rng.fill(target.data.length, () => rng.uniform(0, 255)) };
    } else if (o.init && typeof o.init === 'object') init = await resizeImage(o.init, content.width, content.height);
    else init = target;

    const r = await optimizeAtScale(
      { ...o, vgg, depthModel, rt, iterations: perScale[si] },
      target,
      targets,
      init,
      (it, l) => {
        losses = l;
        const fraction = (cost.slice(0, si).reduce((a, b) => a + b, 0) + it * (sides[si] / o.size) ** 2) / totalCost;
        o.onProgress?.({ iteration: done + it, iterations: perScale.reduce((a, b) => a + b, 0), scale: si + 1, scales: sides.length, fraction, losses: l });
      },
      async (it, img) => {
        if (o.onFrame && o.frameEvery && (done + it) % o.frameEvery === 0) await o.onFrame(done + it, img);
      },
    );
    x = r.image;
    losses = r.losses;
    initialLosses ??= r.initialLosses;
    done += r.iterations;
    stopped = r.stopped;
  }
  let image = x!;
  if (o.preserveColor === 'luminance') image = combineLuminance(image, await resizeImage(o.content, image.width, image.height));
  image = { ...image, data: image.data.map((v) => Math.max(0, Math.min(255, v))) };
  return { image, losses, initialLosses: initialLosses ?? {}, iterations: done, seconds: (performance.now() - start) / 1000, stopped };
}

export interface ScaleOptions {
  vgg: Vgg19;
  depthModel?: DepthModel;
  rt: G.Runtime;
  iterations: number;
  optimizer: 'lbfgs' | 'adam';
  lr?: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  depthWeight: number;
  depthLoss: DepthLossKind;
  contentLayers: string[];
  styleLayers: string[];
  seed?: number;
  /** Restart L-BFGS (fresh curvature memory) every N iterations; stochastic losses use 10 (EOT_LBFGS_ROUND). */
  lbfgsRound?: number;
  signal?: AbortSignal;
}

export interface LossGraph {
  image: Tensor;
  total: Tensor;
  terms: [string, Tensor][];
  gradient: Tensor;
  /** Target values for the graph's target inputs (set `image` before running). */
  feeds: Map<Tensor, G.Feed>;
  /** Draws new random transformations for a stochastic depth loss (`eot`); a no-op otherwise. */
  resample: (rng: Rng) => void;
  stochastic: boolean;
}

/** L-BFGS iterations per draw of a stochastic objective's random transformations. */
const EOT_LBFGS_ROUND = 10;

/** The weighted loss terms of an image of `target`'s size, and their gradient w.r.t. the image. */
export function buildLossGraph(o: Omit<ScaleOptions, 'rt' | 'iterations' | 'optimizer'>, target: RgbImage, t: Targets): LossGraph {
  const g = new G.Graph();
  const img = g.input('image', [1, 3, target.height, target.width]);
  const photo = g.input('photo', [1, 3, target.height, target.width]);
  const feeds = new Map<Tensor, G.Feed>([[photo, target.data]]);
  const objective = buildObjective({ ...o, grams: t.grams }, img, photo, targetInputs(g, t.photo, feeds));
  for (const [k, v] of objective.feeds) feeds.set(k, v);
  const [gradient] = G.grad(objective.total, [img]);
  return {
    image: img,
    total: objective.total,
    terms: objective.terms,
    gradient,
    feeds,
    stochastic: objective.stochastic,
    resample: (rng) => {
      objective.resample(rng);
      for (const [k, v] of objective.feeds) feeds.set(k, v);
    },
  };
}

/** Optimizes the image at one size. */
async function optimizeAtScale(
  o: ScaleOptions,
  target: RgbImage,
  t: Targets,
  init: RgbImage,
  progress: (it: number, l: Record<string, number>) => void,
  frame: (it: number, img: RgbImage) => Promise<void>,
) {
  const { image: img, total, terms, gradient: dimg, feeds, resample, stochastic } = buildLossGraph(o, target, t);
  // Random transformations (eot) are drawn anew each Adam iteration or L-BFGS round, never inside a line search.
  const rng = new Rng(o.seed ?? 0);
  resample(rng);
  const prog = await o.rt.compile([total, ...terms.map(([, v]) => v), dimg]);

  const x = Float32Array.from(init.data);
  let best = { loss: Infinity, x: Float32Array.from(x), losses: {} as Record<string, number> };
  let iteration = 0;
  let initialLosses: Record<string, number> | undefined;
  let lastLosses: Record<string, number> = {};
  const evaluate = async (v: Float32Array) => {
    if (o.signal?.aborted) throw new Stopped();
    feeds.set(img, v);
    const [tot, ...rest] = await prog.run(feeds);
    const grad = rest.pop()!.data;
    const losses: Record<string, number> = Object.fromEntries(terms.map(([n], i) => [n, rest[i].data[0]]));
    losses.total = tot.data[0];
    if (!Number.isFinite(losses.total)) throw new Error(`optimize: the loss became ${losses.total}; try smaller weights or learning rate`);
    initialLosses ??= losses;
    lastLosses = losses;
    if (losses.total < best.loss) best = { loss: losses.total, x: Float32Array.from(v), losses };
    return { loss: losses.total, grad, losses };
  };

  let stopped = false;
  let lbfgs: LBFGS | undefined;
  let roundStart = 0;
  try {
    if (o.optimizer === 'adam') {
      const adam = new Adam({ lr: o.lr ?? 10 });
      for (iteration = 1; iteration <= o.iterations; iteration++) {
        if (iteration > 1) resample(rng);
        const r = await evaluate(x);
        adam.step(new Map([['image', x]]), new Map([['image', r.grad]]));
        progress(iteration, r.losses);
        await frame(iteration, { ...target, data: x });
      }
      iteration = o.iterations;
    } else {
      // A stochastic objective (eot) is drawn anew for each round of L-BFGS iterations, with fresh curvature
      // memory: inside a round the function stays fixed, so the line search compares like with like.
      const round = o.lbfgsRound ?? (stochastic ? EOT_LBFGS_ROUND : o.iterations);
      for (let doneIts = 0; doneIts < o.iterations; doneIts += round) {
        roundStart = doneIts;
        const its = Math.min(round, o.iterations - doneIts);
        if (doneIts > 0) resample(rng);
        // The first line search may need many evaluations (its first step is tiny): leave room for it.
        lbfgs = new LBFGS(x, { maxIter: its, maxEval: its * 4 + 25, lr: o.lr ?? 1, historySize: 50, tolGrad: 0, tolChange: 0 });
        let last = 0;
        await lbfgs.step(async (v) => {
          const r = await evaluate(v);
          if (lbfgs!.iterations !== last) {
            last = lbfgs!.iterations;
            progress(doneIts + last, r.losses);
            await frame(doneIts + last, { ...target, data: Float32Array.from(v) });
          }
          return r;
        });
        iteration = doneIts + lbfgs.iterations;
      }
    }
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
    stopped = true;
    if (lbfgs) iteration = roundStart + lbfgs.iterations;
  }
  await o.rt.releaseGraph(img.graph);
  // A stochastic objective's values under different draws do not compare: its result is where it ended.
  const end = stochastic ? { x: Float32Array.from(x), losses: lastLosses } : best;
  return { image: { ...target, data: end.x }, losses: end.losses, initialLosses: initialLosses ?? {}, iterations: iteration, stopped };
}
