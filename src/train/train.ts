// Training a feed-forward depth-preserving transform network (Johnson et al.
// 2016 + the seed's depth loss): content (VGG relu2_2), style (Gram matrices),
// total variation and depth losses, Adam, checkpoints that resume bit for bit.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadImage, resizeImage, type RgbImage } from '../io/image.js';
import { depthLossOf, depthSignals, type DepthLossKind } from '../losses/depth.js';
import { gram, mse, tvLoss } from '../losses/perceptual.js';
import type { DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import { transformNet } from '../nn/transform.js';
import { ImageFolder, listImages } from './data.js';
import { Adam } from './optim.js';
import { loadState, saveState, type SavedState } from './state.js';

export interface TrainOptions {
  style: RgbImage;
  styleName: string;
  /** Folder of training images (searched recursively). */
  data: string;
  size?: number;
  batch?: number;
  steps?: number;
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  depthWeight?: number;
  depthLoss?: DepthLossKind;
  contentLayer?: string;
  styleLayers?: string[];
  /** Long side of the style image for its Gram matrices (default: the training size). */
  styleSize?: number;
  width?: number;
  /** Residual blocks (5 in Johnson et al.; fewer for tests). */
  blocks?: number;
  seed?: number;
  /** Write a checkpoint every N steps (and at the end, and on interruption). */
  checkpointEvery?: number;
  checkpoint?: string;
  resume?: string;
  vgg: Vgg19;
  depthModel?: DepthModel;
  runtime?: G.Runtime;
  onStep?: (s: TrainStep) => void | Promise<void>;
  /** Every `previewEvery` steps, stylize fixed validation photos and pass them to `onPreview`. */
  previewEvery?: number;
  onPreview?: (step: number, images: RgbImage[]) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface TrainStep {
  step: number;
  steps: number;
  seconds: number;
  /** Duration of this step. */
  stepSeconds: number;
  /** Step this run started from (after --resume). */
  firstStep: number;
  /** Weighted loss terms and total. */
  losses: Record<string, number>;
}

export const TRAIN_DEFAULTS = {
  size: 256,
  batch: 4,
  steps: 2000,
  lr: 1e-3,
  // Content 20 : style 1 puts the two weighted terms level at the operating point of the released
  // Johnson et al. Starry Night outputs (raw content ≈ 1e5, style ≈ 2e6 at 192 px). With content 1 the
  // content term never fell below its first-step value in 1,100 steps: the net painted bare texture.
  // Depth 3e6 makes the SSI term (≈ 0.3 early) a third of the total. Both as used for models/starry-*.
  contentWeight: 20,
  styleWeight: 1,
  tvWeight: 1,
  depthWeight: 3e6,
  depthLoss: 'ssi' as DepthLossKind,
  contentLayer: 'relu2_2',
  styleLayers: ['relu1_2', 'relu2_2', 'relu3_4', 'relu4_4'],
  width: 32,
  blocks: 5,
  seed: 0,
  checkpointEvery: 500,
};

export interface Trainer {
  params: G.ParamStore;
  step: number;
  losses: Record<string, number>;
  stopped: boolean;
}

/** Sets the network's parameters from a checkpoint, refusing one saved from a different network. */
function restoreParams(params: G.ParamStore, ck: SavedState, file: string): void {
  for (const [name, v] of params.values) {
    const saved = ck.arrays[name];
    if (!saved || saved.length !== v.length) throw new Error(`${file}: checkpoint does not match this network (parameter ${name})`);
    v.set(saved);
  }
}

/** Architecture settings that a checkpoint must match to be resumed. */
function fingerprint(o: typeof TRAIN_DEFAULTS): Record<string, number> {
  return { width: o.width, blocks: o.blocks, size: o.size, batch: o.batch, seed: o.seed };
}

export async function train(opts: TrainOptions): Promise<Trainer> {
  const o = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof TRAIN_DEFAULTS & TrainOptions;
  const rt = o.runtime ?? new G.Runtime();
  const files = await listImages(o.data);
  const data = new ImageFolder(files, o.size, o.seed);

  // Style targets: Gram matrices of the style image, once.
  const styleSide = o.styleSize ?? o.size;
  const sScale = styleSide / Math.max(o.style.width, o.style.height);
  const style = await resizeImage(o.style, Math.max(16, Math.round(o.style.width * sScale)), Math.max(16, Math.round(o.style.height * sScale)));
  const tg = new G.Graph();
  const sx = tg.input('style', [1, 3, style.height, style.width]);
  const sf = o.vgg.features(sx, o.styleLayers);
  const grams = await (await rt.compile(o.styleLayers.map((l) => gram(sf.get(l)!)))).run(new Map([[sx, style.data]]));

  const { x, total, terms, paramTensors, grads, feeds } = buildTrainGraph(o, grams);
  const prog = await rt.compile([total, ...terms.map(([, t]) => t), ...grads]);

  const params = G.ParamStore.fromGraph(x.graph);
  const adam = new Adam({ lr: o.lr });
  let step = 0;
  if (o.resume) {
    const ck = await loadState(o.resume);
    const fp = fingerprint(o);
    for (const [k, v] of Object.entries(fp)) if (ck.scalars[k] !== v) throw new Error(`${o.resume}: checkpoint has ${k} ${ck.scalars[k]}, this run ${v}`);
    restoreParams(params, ck, o.resume);
    adam.load(ck.children!.adam);
    data.restore({ epoch: ck.scalars.epoch, index: ck.scalars.index, rng: ck.scalars.rng, skipped: ck.scalars.skipped });
    step = ck.scalars.step;
  }

  const checkpointFile = o.checkpoint ?? `${o.styleName}.ckpt`;
  const save = async () => {
    const d = data.dataState;
    const s: SavedState = {
      scalars: { step, ...fingerprint(o), epoch: d.epoch, index: d.index, rng: d.rng, skipped: d.skipped },
      arrays: Object.fromEntries(params.values),
      children: { adam: adam.state() },
    };
    await saveState(checkpointFile, s);
  };

  // Fixed validation photos for previews: the first four training files, resized.
  let preview: { prog: G.Program; input: Tensor; images: RgbImage[] } | undefined;
  if (o.previewEvery && o.onPreview) {
    const valid: RgbImage[] = [];
    for (const f of files) {
      if (valid.length === 4) break;
      const im = await loadImage(f, { size: [o.size, o.size] }).catch(() => undefined);
      if (im) valid.push(im);
    }
    const pg = new G.Graph();
    const input = pg.input('image', [valid.length, 3, o.size, o.size]);
    const out = transformNet(input, { width: o.width, residualBlocks: o.blocks, seed: o.seed });
    preview = { prog: await rt.compile([out]), input, images: valid };
  }

  const start = performance.now();
  const firstStep = step;
  let losses: Record<string, number> = {};
  let stopped = false;
  while (step < o.steps) {
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    const t0 = performance.now();
    feeds.set(x, { data: await data.next(o.batch), shape: [o.batch, 3, o.size, o.size] });
    const [tot, ...rest] = await prog.run(feeds, params);
    const gs = rest.slice(terms.length);
    const current: Record<string, number> = Object.fromEntries(terms.map(([n], i) => [n, rest[i].data[0]]));
    current.total = tot.data[0];
    const bad = !Number.isFinite(current.total) ? 'the loss' : paramTensors.find((_, i) => gs[i].data.some((v) => !Number.isFinite(v)))?.name;
    if (bad) {
      throw new Error(`training diverged at step ${step + 1}: ${bad} is not finite (loss terms ${JSON.stringify(current)}). The last good checkpoint is ${checkpointFile}; lower --lr or the loss weights and --resume it.`);
    }
    adam.step(params.values, new Map(paramTensors.map((p, i) => [p.name, gs[i].data])));
    step++;
    losses = current;
    await o.onStep?.({ step, steps: o.steps, seconds: (performance.now() - start) / 1000, stepSeconds: (performance.now() - t0) / 1000, firstStep, losses });
    if (o.checkpointEvery && step % o.checkpointEvery === 0) await save();
    if (preview && o.previewEvery && step % o.previewEvery === 0) {
      const n = 3 * o.size * o.size;
      const batch = new Float32Array(preview.images.length * n);
      preview.images.forEach((im, i) => batch.set(im.data, i * n));
      const [y] = await preview.prog.run(new Map([[preview.input, { data: batch, shape: [preview.images.length, 3, o.size, o.size] }]]), params);
      const outs = preview.images.map((_, i) => ({ width: o.size, height: o.size, data: y.data.slice(i * n, (i + 1) * n).map((v) => Math.min(255, Math.max(0, v))) }));
      await o.onPreview!(step, [...preview.images, ...outs]);
    }
  }
  await save();
  return { params, step, losses, stopped };
}

export interface TrainGraph {
  x: Tensor;
  total: Tensor;
  terms: [string, Tensor][];
  paramTensors: Tensor[];
  grads: Tensor[];
  /** Style targets; set `x` (the content batch) before running. */
  feeds: Map<Tensor, G.Feed>;
}

/** The training graph: transform net, losses through VGG-19 (and the depth net), gradients w.r.t. all weights. */
export function buildTrainGraph(o: typeof TRAIN_DEFAULTS & Pick<TrainOptions, 'vgg' | 'depthModel'>, grams: G.Float32Tensor[]): TrainGraph {
  const g = new G.Graph();
  const x = g.input('content', [o.batch, 3, o.size, o.size]);
  const y = transformNet(x, { width: o.width, residualBlocks: o.blocks, seed: o.seed });
  const fy = o.vgg.features(y, [...new Set([...o.styleLayers, o.contentLayer])]);
  const fx = o.vgg.features(x, [o.contentLayer]);
  const feeds = new Map<Tensor, G.Feed>();
  let styleTerm: Tensor | undefined;
  o.styleLayers.forEach((l, i) => {
    const t = g.input(`gram/${l}`, grams[i].shape);
    feeds.set(t, grams[i]);
    const term = mse(gram(fy.get(l)!), t);
    styleTerm = styleTerm ? G.add(styleTerm, term) : term;
  });
  const terms: [string, Tensor][] = [
    ['content', G.mul(mse(fy.get(o.contentLayer)!, fx.get(o.contentLayer)!), o.contentWeight)],
    ['style', G.mul(styleTerm!, o.styleWeight)],
  ];
  if (o.tvWeight > 0) terms.push(['tv', G.mul(tvLoss(y), o.tvWeight)]);
  if (o.depthWeight > 0) {
    if (!o.depthModel) throw new Error('train: a depth model is needed when depthWeight > 0');
    terms.push(['depth', G.mul(depthLossOf(depthSignals(o.depthModel, y, o.depthLoss), depthSignals(o.depthModel, x, o.depthLoss), o.depthLoss), o.depthWeight)]);
  }
  const total = terms.map(([, t]) => t).reduce((a, b) => G.add(a, b));
  const paramTensors = g.params;
  const grads = G.grad(total, paramTensors);
  return { x, total, terms, paramTensors, grads, feeds };
}

/**
 * A self-contained ONNX stylizer: input `image` [N, 3, H, W] RGB 0–255 of any
 * size, output `stylized` the same, clamped to 0–255; weights baked in.
 */
export function exportTransformNet(params: G.ParamStore, width: number, blocks: number, metadata: Record<string, string>): Uint8Array {
  const g = new G.Graph();
  const x = g.input('image', ['N', 3, 'H', 'W']);
  const y = transformNet(x, { width, residualBlocks: blocks });
  // clamp(y, 0, 255) = 255 − relu(255 − relu(y))
  const clamped = G.sub(255, G.relu(G.sub(255, G.relu(y))));
  return G.toOnnx(g, [clamped], { params: 'initializers', paramValues: params.values, name: 'depthstyle-transform', outputNames: ['stylized'], metadata }).bytes;
}

/** The licence note written into every exported model. */
export const TRAINED_MODEL_LICENCE =
  'Trained with depthstyle on VGG-19 (CC BY 4.0) and PyDNet v2 (academic research use only) losses; check the licences of your style and training images.';

/**
 * The model held by a training checkpoint, exported as `exportTransformNet` would at the end of the run — so a
 * long run can be looked at (`depthstyle stylize --model run.ckpt`) while it goes on.
 */
export async function exportCheckpoint(file: string): Promise<Uint8Array> {
  const ck = await loadState(file);
  const { width, blocks, step } = ck.scalars;
  if (!(width > 0 && blocks > 0)) throw new Error(`${file}: not a training checkpoint (no network width/blocks)`);
  const g = new G.Graph();
  transformNet(g.input('image', [1, 3, 16, 16]), { width, residualBlocks: blocks });
  const params = G.ParamStore.fromGraph(g);
  restoreParams(params, ck, file);
  return exportTransformNet(params, width, blocks, { steps: String(step), checkpoint: file, licence: TRAINED_MODEL_LICENCE });
}

export async function writeModel(file: string, params: G.ParamStore, width: number, blocks: number, metadata: Record<string, string>): Promise<void> {
  await writeFileAtomic(file, exportTransformNet(params, width, blocks, metadata));
}
