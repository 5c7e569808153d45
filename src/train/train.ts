// Training a feed-forward depth-preserving transform network (Johnson et al.
// 2016 + the seed's depth loss): content (VGG relu2_2), style (Gram matrices),
// total variation and depth losses, Adam, checkpoints that resume bit for bit.
import { sha256 } from '../models/resolver.js';
import path from 'node:path';
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { loadImage, resizeLongSide, type RgbImage } from '../io/image.js';
import { buildObjective, objectiveTargets } from '../losses/objective.js';
import { gram } from '../losses/perceptual.js';
import { perturbBatch, stabilityTerm } from '../losses/stability.js';
import { Rng } from '../optim/random.js';
import { restoreParams } from '../nn/export.js';
import { archCode, archOfCode, styleNetwork, type Architecture, type NetworkShape } from '../nn/networks.js';
import { ImageFolder } from './data.js';
import { listImages } from '../io/files.js';
import { Adam } from '../optim/optimizers.js';
import { checkpointRecipe, recordedSettings, resolveTrainOptions, type ResumedNetwork } from './options.js';
import { loadState, saveState, type SavedState } from '../io/state.js';
import { ArgumentError, checkString } from '../io/arguments.js';
import type { TRAIN_DEFAULTS, TrainOptions } from './defaults.js';

export { TRAIN_DEFAULTS, type TrainOptions, type TrainStep } from './defaults.js';

export interface Trainer {
  params: G.ParamStore;
  step: number;
  /** The options this run resolved to (defaults, preset, given, base or checkpoint): what its model records. */
  settings: Record<string, unknown>;
  /** The network trained. */
  net: NetworkShape;
  /** The base this run branched from (`init`, kept across resumes), if any. */
  branchOf?: { source: string; steps?: number };
  losses: Record<string, number>;
  stopped: boolean;
}

/** The objective's settings, kept in each checkpoint so that a resume cannot silently change them. */
function objectiveSettings(o: typeof TRAIN_DEFAULTS & TrainOptions): Record<string, string> {
  const styleHash = sha256(new Uint8Array(o.style.data.buffer, o.style.data.byteOffset, o.style.data.byteLength)).slice(0, 12);
  return {
    style: `${o.styleName} (${o.style.width}×${o.style.height}, ${styleHash})`,
    lr: String(o.lr),
    contentWeight: String(o.contentWeight),
    styleWeight: String(o.styleWeight),
    tvWeight: String(o.tvWeight),
    depthWeight: String(o.depthWeight),
    depthLoss: String(o.depthLoss),
    // (checkpoints from before the term existed lack it, and a missing setting is not compared)
    stabilityWeight: String(o.stabilityWeight),
    contentLayer: o.contentLayer,
    styleLayers: o.styleLayers.join(','),
    styleSize: String(o.styleSize ?? o.size),
  };
}

/** What a checkpoint says of its network and objective, for `resolveTrainOptions`. */
export function resumedNetwork(ck: SavedState): ResumedNetwork {
  return {
    width: ck.scalars.width,
    blocks: ck.scalars.blocks,
    arch: archOfCode(ck.scalars.arch),
    recipe: checkpointRecipe(ck.notes?.settings, ck.scalars),
  };
}

/** Architecture settings that a checkpoint must match to be resumed. */
function fingerprint(o: typeof TRAIN_DEFAULTS & { arch: Architecture }): Record<string, number> {
  // (arch is left out for our own architecture, so that checkpoints from before it existed still resume)
  return { width: o.width, blocks: o.blocks, size: o.size, batch: o.batch, seed: o.seed, ...(o.arch !== 'upsample' ? { arch: archCode(o.arch) } : {}) };
}

export async function train(opts: TrainOptions): Promise<Trainer> {
  if (!opts || typeof opts !== 'object') throw new ArgumentError('train: options', 'must be an object { style, data, ... }');
  checkString(opts.data, 'train: data');
  const resumed = opts.resume ? await loadState(opts.resume) : undefined;
  const o = resolveTrainOptions(opts, resumed && resumedNetwork(resumed));
  const rt = o.runtime ?? new G.Runtime();
  const files = o.files ? [...o.files] : await listImages(o.data);
  const data = new ImageFolder(files, o.size, o.seed);

  // Style targets: Gram matrices of the style image, once.
  const styleSide = o.styleSize ?? o.size;
  const style = await resizeLongSide(o.style, styleSide);
  const grams = await rt.runOnce(style, (sx) => {
    const sf = o.vgg.features(sx, o.styleLayers);
    return o.styleLayers.map((l) => gram(sf.get(l)!));
  });

  const { x, perturbed, total, terms, paramTensors, grads, feeds, resample } = buildTrainGraph(o, grams);
  const prog = await rt.compile([total, ...terms.map(([, t]) => t), ...grads]);

  const params = G.ParamStore.fromGraph(x.graph);
  const adam = new Adam({ lr: o.lr });
  let step = 0;
  let branchOf: Trainer['branchOf'] = o.init ? { source: o.init.source, steps: o.init.steps } : undefined;
  if (o.init && !o.resume) restoreParams(params, { scalars: {}, arrays: o.init.arrays }, o.init.source);
  if (o.resume && resumed) {
    const ck = resumed;
    if (ck.notes?.branch_of) branchOf = { source: ck.notes.branch_of, steps: ck.notes.branch_steps ? Number(ck.notes.branch_steps) : undefined };
    await checkResumedSettings(o, ck);
    restoreParams(params, ck, o.resume);
    adam.load(ck.children!.adam);
    data.restore({ epoch: ck.scalars.epoch, index: ck.scalars.index, rng: ck.scalars.rng, skipped: ck.scalars.skipped });
    step = ck.scalars.step;
  }

  const checkpointFile = o.checkpoint ?? `${o.styleName}.ckpt`;
  /** The step of the last checkpoint this run can go back to (the one it resumed counts). */
  let lastGood: number | undefined = o.resume && path.resolve(o.resume) === path.resolve(checkpointFile) ? step : undefined;
  const save = async () => {
    const d = data.dataState;
    const s: SavedState = {
      scalars: { step, ...fingerprint(o), epoch: d.epoch, index: d.index, rng: d.rng, skipped: d.skipped },
      notes: {
        settings: JSON.stringify(objectiveSettings(o)),
        ...(branchOf ? { branch_of: branchOf.source, ...(branchOf.steps !== undefined ? { branch_steps: String(branchOf.steps) } : {}) } : {}),
      },
      arrays: Object.fromEntries(params.values),
      children: { adam: adam.state() },
    };
    await saveState(checkpointFile, s);
    lastGood = step;
  };
  const diverged = (what: string, detail: string) =>
    new Error(
      `training diverged at step ${step + 1}: ${what} (${detail}). ` +
        (lastGood !== undefined
          ? `The last good checkpoint is ${checkpointFile} (step ${lastGood}); lower --lr or the loss weights and --resume it.`
          : 'No checkpoint of this run was written; lower --lr or the loss weights and start again.'),
    );

  // Fixed validation photos for previews: the first four training files, resized.
  const preview = o.previewEvery && o.onPreview ? await previewProgram(o, rt, files) : undefined;

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
    const batch = await data.next(o.batch);
    feeds.set(x, { data: batch, shape: [o.batch, 3, o.size, o.size] });
    // The stability loss's perturbation, drawn from the step number like the depth loss's: resumable.
    if (perturbed)
      feeds.set(perturbed, { data: perturbBatch(batch, o.batch, o.size, new Rng(o.seed * 7_919 + step + 1)), shape: [o.batch, 3, o.size, o.size] });
    // Random transformations of a stochastic depth loss (eot), drawn per step from the step number: resumable.
    resample(new Rng(o.seed * 1_000_003 + step));
    const [tot, ...rest] = await prog.run(feeds, params);
    const gs = rest.slice(terms.length);
    const current: Record<string, number> = Object.fromEntries(terms.map(([n], i) => [n, rest[i].data[0]]));
    current.total = tot.data[0];
    const bad = !Number.isFinite(current.total) ? 'the loss' : paramTensors.find((_, i) => gs[i].data.some((v) => !Number.isFinite(v)))?.name;
    if (bad) throw diverged(`${bad === 'the loss' ? 'the loss' : `the gradient of ${bad}`} is not finite`, `loss terms ${JSON.stringify(current)}`);
    adam.step(params.values, new Map(paramTensors.map((p, i) => [p.name, gs[i].data])));
    // An update can overflow where loss and gradient did not (a huge --lr): such weights are never saved or exported.
    const blown = [...params.values].find(([, v]) => v.some((x) => !Number.isFinite(x)));
    if (blown) throw diverged(`the update made ${blown[0]} non-finite`, `lr ${o.lr}`);
    step++;
    losses = current;
    await o.onStep?.({ step, steps: o.steps, seconds: (performance.now() - start) / 1000, stepSeconds: (performance.now() - t0) / 1000, firstStep, losses });
    if (o.checkpointEvery && step % o.checkpointEvery === 0) await save();
    if (preview && o.previewEvery && step % o.previewEvery === 0) await o.onPreview!(step, await runPreview(preview, params, o.size));
  }
  await save();
  return { params, step, losses, stopped, branchOf, net: { arch: o.arch, width: o.width, blocks: o.blocks }, settings: recordedSettings(o) };
}

export interface TrainGraph {
  x: Tensor;
  /** The perturbed copy of `x` (only with a stability term). */
  perturbed?: Tensor;
  total: Tensor;
  terms: [string, Tensor][];
  paramTensors: Tensor[];
  grads: Tensor[];
  /** Style targets; set `x` (the content batch) before running. */
  feeds: Map<Tensor, G.Feed>;
}

/** The training graph: transform net, the shared objective (photo targets in-graph), gradients w.r.t. all weights. */
export function buildTrainGraph(
  o: typeof TRAIN_DEFAULTS & Pick<TrainOptions, 'vgg' | 'depthModel'>,
  grams: G.Float32Tensor[],
): TrainGraph & { resample: (rng: Rng) => void } {
  const g = new G.Graph();
  const x = g.input('content', [o.batch, 3, o.size, o.size]);
  // With a stability term the network runs once on the photos and their perturbed copies together.
  const perturbed = o.stabilityWeight > 0 ? g.input('content/perturbed', [o.batch, 3, o.size, o.size]) : undefined;
  const both = perturbed ? styleNetwork(G.concat([x, perturbed], 0), o, o.seed) : undefined;
  const y = both ? G.slice(both, [0], [o.batch], [0]) : styleNetwork(x, o, o.seed);
  const spec = { ...o, contentLayers: [o.contentLayer], grams };
  if (o.depthWeight > 0 && !o.depthModel) throw new Error('train: a depth model is needed when depthWeight > 0');
  const objective = buildObjective(spec, y, x, objectiveTargets(spec, x));
  const terms = [...objective.terms];
  let total = objective.total;
  if (both) {
    const stability = G.mul(stabilityTerm(y, G.slice(both, [o.batch], [2 * o.batch], [0]), o.size), o.stabilityWeight);
    terms.push(['stability', stability]);
    total = G.add(total, stability);
  }
  const paramTensors = g.params;
  const grads = G.grad(total, paramTensors);
  return { x, perturbed, total, terms, paramTensors, grads, feeds: objective.feeds, resample: (rng) => objective.resample(rng) };
}

/** A resumed checkpoint must be of this network, and its objective's settings may change only when asked (logged). */
async function checkResumedSettings(o: ReturnType<typeof resolveTrainOptions>, ck: SavedState): Promise<void> {
  const fp = fingerprint(o);
  for (const [k, v] of Object.entries(fp)) if (ck.scalars[k] !== v) throw new Error(`${o.resume}: checkpoint has ${k} ${ck.scalars[k]}, this run ${v}`);
  // (checkpoints from before settings were kept have none to compare)
  const before = ck.notes?.settings ? (JSON.parse(ck.notes.settings) as Record<string, string>) : undefined;
  if (before) {
    const now = objectiveSettings(o);
    const changes = Object.fromEntries(
      Object.keys(now)
        .filter((k) => before[k] !== undefined && before[k] !== now[k])
        .map((k) => [k, [before[k], now[k]] as [string, string]]),
    );
    if (Object.keys(changes).length) {
      const list = Object.entries(changes)
        .map(([k, [a, b]]) => `${k} ${a} → ${b}`)
        .join(', ');
      if (!o.allowSettingsChange)
        throw new Error(
          `${o.resume}: this run would change ${list}; resume with the same settings, or add --change-settings to continue with these (the change is logged)`,
        );
      await o.onSettingsChanged?.(changes);
    }
  }
}

interface Preview {
  prog: G.Program;
  input: Tensor;
  images: RgbImage[];
}

/** The network on the first four training photos, for the run's preview pictures. */
async function previewProgram(o: ReturnType<typeof resolveTrainOptions>, rt: G.Runtime, files: readonly string[]): Promise<Preview> {
  const valid: RgbImage[] = [];
  for (const f of files) {
    if (valid.length === 4) break;
    const im = await loadImage(f, { size: [o.size, o.size] }).catch(() => undefined);
    if (im) valid.push(im);
  }
  const pg = new G.Graph();
  const input = pg.input('image', [valid.length, 3, o.size, o.size]);
  const out = styleNetwork(input, o, o.seed);
  return { prog: await rt.compile([out]), input, images: valid };
}

/** The preview photos and the network's outputs on them (clamped to 0–255). */
async function runPreview(preview: Preview, params: G.ParamStore, size: number): Promise<RgbImage[]> {
  const n = 3 * size * size;
  const batch = new Float32Array(preview.images.length * n);
  preview.images.forEach((im, i) => batch.set(im.data, i * n));
  const [y] = await preview.prog.run(new Map([[preview.input, { data: batch, shape: [preview.images.length, 3, size, size] }]]), params);
  const outs = preview.images.map((_, i) => ({ width: size, height: size, data: y.data.slice(i * n, (i + 1) * n).map((v) => Math.min(255, Math.max(0, v))) }));
  return [...preview.images, ...outs];
}
