// Optimization-based stylization (Gatys et al. 2016) with the depth loss of
// depth-preserving style transfer: the image itself is optimized so that its
// VGG-19 Gram matrices match the style, its deep features match the content,
// and its depth map (from a pretrained depth network) matches the content's.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { resizeImage, type RgbImage } from '../io/image.js';
import { depthLossOf, depthSignals, type DepthLossKind } from '../losses/depth.js';
import { gram, mse, tvLoss } from '../losses/perceptual.js';
import { loadDepthModel, type DepthModel } from '../models/depth.js';
import { loadVgg19, type Vgg19 } from '../models/vgg.js';
import { Rng } from '../nn/random.js';
import { Adam, LBFGS } from '../train/optim.js';
import { combineLuminance, luminanceImage, matchHistogram, type PreserveColor } from './color.js';

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
  iterations: 500,
  optimizer: 'lbfgs' as const,
  contentWeight: 1,
  styleWeight: 10,
  tvWeight: 1,
  depthWeight: 1e5,
  depthLoss: 'ssi' as DepthLossKind,
  contentLayers: ['relu4_2'],
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
  styleScale: 1,
  preserveColor: 'none' as PreserveColor,
  seed: 0,
};

class Stopped extends Error {}

function longSide(img: RgbImage, side: number): [number, number] {
  const s = side / Math.max(img.width, img.height);
  return [Math.max(16, Math.round(img.width * s)), Math.max(16, Math.round(img.height * s))];
}

async function resizeTo(img: RgbImage, side: number): Promise<RgbImage> {
  const [w, h] = longSide(img, side);
  return w === img.width && h === img.height ? img : resizeImage(img, w, h);
}

export interface Targets {
  grams: Map<string, G.Float32Tensor>;
  content: Map<string, G.Float32Tensor>;
  /** The content's depth map, or its depth-network features for the 'features' loss. */
  depth?: G.Float32Tensor[];
}

export async function computeTargets(o: Required<Pick<OptimizeOptions, 'contentLayers' | 'styleLayers'>> & { vgg: Vgg19; depthModel?: DepthModel; depthLoss?: DepthLossKind; rt: G.Runtime }, content: RgbImage, styles: RgbImage[], blend: number[]): Promise<Targets> {
  const run = async (img: RgbImage, outputs: (x: Tensor) => Tensor[]) => {
    const g = new G.Graph();
    const x = g.input('image', [1, 3, img.height, img.width]);
    const out = await (await o.rt.compile(outputs(x))).run(new Map([[x, img.data]]));
    await o.rt.releaseGraph(g);
    return out;
  };
  const cOut = await run(content, (x) => {
    const f = o.vgg.features(x, o.contentLayers);
    const outs = o.contentLayers.map((l) => f.get(l)!);
    return o.depthModel ? [...outs, ...depthSignals(o.depthModel, x, o.depthLoss ?? OPTIMIZE_DEFAULTS.depthLoss)] : outs;
  });
  const grams = new Map<string, G.Float32Tensor>();
  for (let s = 0; s < styles.length; s++) {
    const sOut = await run(styles[s], (x) => {
      const f = o.vgg.features(x, o.styleLayers);
      return o.styleLayers.map((l) => gram(f.get(l)!));
    });
    o.styleLayers.forEach((l, i) => {
      const prev = grams.get(l);
      const d = sOut[i].data.map((v) => v * blend[s]);
      if (prev) prev.data.forEach((v, k) => (d[k] += v));
      grams.set(l, { data: d, shape: sOut[i].shape });
    });
  }
  return {
    grams,
    content: new Map(o.contentLayers.map((l, i) => [l, cOut[i]])),
    depth: o.depthModel ? cOut.slice(o.contentLayers.length) : undefined,
  };
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeResult> {
  const o = { ...OPTIMIZE_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof OPTIMIZE_DEFAULTS & OptimizeOptions;
  if (!o.styles.length) throw new Error('optimize: at least one style image is needed');
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
  for (let si = 0; si < sides.length && !stopped; si++) {
    content = await resizeTo(o.content, sides[si]);
    let styles = await Promise.all(o.styles.map((s) => resizeTo(s, sides[si] * o.styleScale)));
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

    const r = await optimizeAtScale({ ...o, vgg, depthModel, rt, iterations: perScale[si] }, target, targets, init, (it, l) => {
      losses = l;
      o.onProgress?.({ iteration: done + it, iterations: perScale.reduce((a, b) => a + b, 0), scale: si + 1, scales: sides.length, losses: l });
    }, async (it, img) => {
      if (o.onFrame && o.frameEvery && (done + it) % o.frameEvery === 0) await o.onFrame(done + it, img);
    });
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
  signal?: AbortSignal;
}

export interface LossGraph {
  image: Tensor;
  total: Tensor;
  terms: [string, Tensor][];
  gradient: Tensor;
  /** Target values for the graph's target inputs (set `image` before running). */
  feeds: Map<Tensor, G.Feed>;
}

/** The weighted loss terms of an image of `target`'s size, and their gradient w.r.t. the image. */
export function buildLossGraph(o: Omit<ScaleOptions, 'rt' | 'iterations' | 'optimizer'>, target: RgbImage, t: Targets): LossGraph {
  const g = new G.Graph();
  const img = g.input('image', [1, 3, target.height, target.width]);
  const f = o.vgg.features(img, [...new Set([...o.styleLayers, ...o.contentLayers])]);
  const feeds = new Map<Tensor, G.Feed>();
  const terms: [string, Tensor][] = [];
  let style: Tensor | undefined;
  for (const l of o.styleLayers) {
    const tg = g.input(`gram/${l}`, t.grams.get(l)!.shape);
    feeds.set(tg, t.grams.get(l)!);
    const term = mse(gram(f.get(l)!), tg);
    style = style ? G.add(style, term) : term;
  }
  terms.push(['style', G.mul(style!, o.styleWeight)]);
  let content: Tensor | undefined;
  for (const l of o.contentLayers) {
    const tc = g.input(`content/${l}`, t.content.get(l)!.shape);
    feeds.set(tc, t.content.get(l)!);
    const term = mse(f.get(l)!, tc);
    content = content ? G.add(content, term) : term;
  }
  if (o.contentWeight > 0) terms.push(['content', G.mul(content!, o.contentWeight)]);
  if (o.tvWeight > 0) terms.push(['tv', G.mul(tvLoss(img), o.tvWeight)]);
  if (o.depthModel && t.depth && o.depthWeight > 0) {
    const td = t.depth.map((d, i) => {
      const input = g.input(`depth_target/${i}`, d.shape);
      feeds.set(input, d);
      return input;
    });
    terms.push(['depth', G.mul(depthLossOf(depthSignals(o.depthModel, img, o.depthLoss), td, o.depthLoss), o.depthWeight)]);
  }
  const total = terms.map(([, v]) => v).reduce((a, b) => G.add(a, b));
  const [gradient] = G.grad(total, [img]);
  return { image: img, total, terms, gradient, feeds };
}

/** Optimizes the image at one size. */
async function optimizeAtScale(o: ScaleOptions, target: RgbImage, t: Targets, init: RgbImage, progress: (it: number, l: Record<string, number>) => void, frame: (it: number, img: RgbImage) => Promise<void>) {
  const { image: img, total, terms, gradient: dimg, feeds } = buildLossGraph(o, target, t);
  const prog = await o.rt.compile([total, ...terms.map(([, v]) => v), dimg]);

  const x = Float32Array.from(init.data);
  let best = { loss: Infinity, x: Float32Array.from(x), losses: {} as Record<string, number> };
  let iteration = 0;
  let initialLosses: Record<string, number> | undefined;
  const evaluate = async (v: Float32Array) => {
    if (o.signal?.aborted) throw new Stopped();
    feeds.set(img, v);
    const [tot, ...rest] = await prog.run(feeds);
    const grad = rest.pop()!.data;
    const losses: Record<string, number> = Object.fromEntries(terms.map(([n], i) => [n, rest[i].data[0]]));
    losses.total = tot.data[0];
    if (!Number.isFinite(losses.total)) throw new Error(`optimize: the loss became ${losses.total}; try smaller weights or learning rate`);
    initialLosses ??= losses;
    if (losses.total < best.loss) best = { loss: losses.total, x: Float32Array.from(v), losses };
    return { loss: losses.total, grad, losses };
  };

  let stopped = false;
  let lbfgs: LBFGS | undefined;
  try {
    if (o.optimizer === 'adam') {
      const adam = new Adam({ lr: o.lr ?? 10 });
      for (iteration = 1; iteration <= o.iterations; iteration++) {
        const r = await evaluate(x);
        adam.step(new Map([['image', x]]), new Map([['image', r.grad]]));
        progress(iteration, r.losses);
        await frame(iteration, { ...target, data: x });
      }
      iteration = o.iterations;
    } else {
      // The first line search may need many evaluations (its first step is tiny): leave room for it.
      lbfgs = new LBFGS(x, { maxIter: o.iterations, maxEval: o.iterations * 4 + 25, lr: o.lr ?? 1, historySize: 50, tolGrad: 0, tolChange: 0 });
      let last = 0;
      await lbfgs.step(async (v) => {
        const r = await evaluate(v);
        if (lbfgs!.iterations !== last) {
          last = lbfgs!.iterations;
          progress(last, r.losses);
          await frame(last, { ...target, data: Float32Array.from(v) });
        }
        return r;
      });
      iteration = lbfgs.iterations;
    }
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
    stopped = true;
    if (lbfgs) iteration = lbfgs.iterations;
  }
  await o.rt.releaseGraph(img.graph);
  return { image: { ...target, data: best.x }, losses: best.losses, initialLosses: initialLosses ?? {}, iterations: iteration, stopped };
}
