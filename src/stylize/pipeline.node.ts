// Node's way to a pipeline (pipeline.ts): a network spec — a trained model (zoo name, .onnx, .ckpt, baseline:NAME)
// or paintings (files or bundled names, mixed by weights) — loaded once, and its settings resolved once:
// PIPELINE_DEFAULTS < the network's own defaults (DEFAULT_DEPTH_STRENGTH) < what the caller gives.
import * as G from '../graph/index.js';
import { loadDepthModel } from '../models/depth.js';
import { resolveModel } from '../models/model-spec.js';
import { ModelStore } from '../models/resolver.js';
import { exportCheckpoint } from '../nn/export.js';
import { ArbitraryStylist, type ArbitraryNetwork, resolvePainting } from './arbitrary.node.js';
import { normalizeStyleWeights } from './arbitrary.js';
import type { DepthStrengthChoice } from './depth-strength.js';
import { loadTransformModel, loadTransformOnnx } from './models.js';
import { type PipelineNetwork, StylizePipeline } from './pipeline.js';
import { resolveStylizeOptions, type StylizeSettingsGiven } from './options.js';
import type { StylizeOptions, StylizerOptions, TransformModel } from './stylizer.js';
import { checkStylizeOptions } from './stylizer.js';
import { ArgumentError, checkImageArg, checkString } from '../io/arguments.js';
import type { RgbImage } from '../io/rgb.js';

export type NetworkSpec = { model: string } | { paintings: readonly string[]; weights?: readonly number[]; network?: ArbitraryNetwork };

export interface PipelineOptions extends StylizeSettingsGiven {
  store?: ModelStore;
  runtime?: G.Runtime;
  /** Options of the network's sessions (margin; a clip's carried statistics). */
  stylizer?: StylizerOptions;
  /** What the spec's painting names are called in errors (the CLI: --style). */
  paintingOption?: string;
}

/** A network spec, loaded: the model (with a line saying what it is) or the arbitrary network with the paintings' vectors. */
export async function loadNetwork(spec: NetworkSpec, store: ModelStore, runtime: G.Runtime, paintingOption = 'painting'): Promise<PipelineNetwork> {
  if ('model' in spec) {
    const ref = resolveModel(spec.model);
    if (ref.kind === 'zoo' || ref.kind === 'onnx' || ref.kind === 'checkpoint') {
      const m = await loadTransformOnnx(ref.file, ref.kind === 'checkpoint' ? await exportCheckpoint(ref.file) : undefined);
      const md = m.metadata;
      return {
        kind: 'model',
        model: m.model,
        about: `${ref.file}${md.style ? ` (style ${md.style}, ${md.steps} steps, depth weight ${md.depth_weight})` : ''}`,
      };
    }
    const model = await loadTransformModel(spec.model, store);
    return { kind: 'model', model, about: `${model.id} — ${model.licence}` };
  }
  const files = spec.paintings.map((p) => resolvePainting(p, store, paintingOption));
  normalizeStyleWeights(spec.weights, files.length, `${paintingOption} weights`);
  const stylist = await ArbitraryStylist.load(store, runtime, spec.network);
  const styles = [];
  for (const f of files) styles.push(await stylist.styleOfFile(f));
  const name = files
    .map((f) =>
      f
        .split(/[\\/]/)
        .pop()!
        .replace(/\.[^.]+$/, ''),
    )
    .join('+');
  return { kind: 'painting', name, transfer: stylist.transfer, predictor: stylist.predictor, styles, weights: spec.weights, licence: stylist.licence };
}

/**
 * A pipeline for a network spec: `await createPipeline({ paintings: ['starry_night'] })` or `{ model: 'scream' }`,
 * then `await p.run(photo)` per photo (another strength for the same photo re-runs only the transfer network),
 * and `await p.dispose()`.
 */
export async function createPipeline(spec: NetworkSpec, o: PipelineOptions = {}): Promise<StylizePipeline> {
  const s = spec as { model?: unknown; paintings?: unknown } | null;
  if (!s || typeof s !== 'object' || (typeof s.model !== 'string' && !Array.isArray(s.paintings)))
    throw new ArgumentError('createPipeline: spec', "must be { model: 'scream' } (a trained model) or { paintings: ['starry_night'] }");
  if (Array.isArray(s.paintings)) {
    if (!s.paintings.length) throw new ArgumentError('createPipeline: spec.paintings', 'needs at least one painting');
    s.paintings.forEach((p, k) => checkString(p, `createPipeline: spec.paintings[${k}]`));
  } else checkString(s.model, 'createPipeline: spec.model');
  checkStylizeOptions(o, 'createPipeline');
  const store = o.store ?? new ModelStore();
  const runtime = o.runtime ?? new G.Runtime();
  const network = await loadNetwork(spec, store, runtime, o.paintingOption);
  const settings = resolveStylizeOptions(network.kind, o);
  const onDispose = network.kind === 'painting' ? () => network.predictor.release() : undefined;
  return new StylizePipeline(network, { runtime, depthModel: () => loadDepthModel('pydnet-v2', { store }), stylizer: o.stylizer, onDispose }, settings);
}

export interface PaintingStylizeOptions extends Omit<StylizeOptions, 'strength' | 'depthStrength' | 'depthModel'> {
  /** Strength following the photo's depth, in the network's features, or 'off' [DEFAULT_DEPTH_STRENGTH.painting]. */
  depthStrength?: DepthStrengthChoice;
  /** Weights of the paintings when several are mixed (default equal). */
  weights?: readonly number[];
  /** 0..1: 0 is the photo, 1 fully painted, as for a trained model; the style vector also moves toward the photo's own [1]. */
  strength?: number;
  /** Where the model files are (default: the resolver's). */
  store?: ModelStore;
  /** The transfer network: ours fine-tuned with the depth loss, or Google's [DEFAULT_ARBITRARY_NETWORK: 'magenta-clean-depth']. */
  network?: ArbitraryNetwork;
}

/**
 * One call for any painting: `stylizeWithPainting(photo, 'my-painting.jpg')`, or several paintings mixed
 * (`['starry_night', 'wave']`, weights), any photo size (tiles with whole-image statistics). For many photos,
 * `createPipeline` keeps the networks loaded between them.
 */
export async function stylizeWithPainting(image: RgbImage, paintings: string | readonly string[], o: PaintingStylizeOptions = {}): Promise<RgbImage> {
  checkImageArg(image, 'stylizeWithPainting: image');
  if (typeof paintings !== 'string' && (!Array.isArray(paintings) || !paintings.length))
    throw new ArgumentError('stylizeWithPainting: paintings', 'must be a painting (a file or a bundled name) or a non-empty array of them');
  checkStylizeOptions(o, 'stylizeWithPainting');
  const list = typeof paintings === 'string' ? [paintings] : paintings;
  list.forEach((p, k) => checkString(p, typeof paintings === 'string' ? 'stylizeWithPainting: painting' : `stylizeWithPainting: paintings[${k}]`));
  normalizeStyleWeights(o.weights, list.length, 'stylizeWithPainting: weights');
  const pipeline = await createPipeline(
    { paintings: list, weights: o.weights, network: o.network },
    { ...o, paintingOption: 'stylizeWithPainting: painting', stylizer: { margin: o.margin } },
  );
  try {
    return await pipeline.run(image);
  } finally {
    await pipeline.dispose();
  }
}

/** One-pass stylization with a loaded transform model (loadTransformModel), any size: a pipeline run once. */
export async function stylize(image: RgbImage, model: TransformModel, o: StylizeOptions = {}): Promise<RgbImage> {
  checkImageArg(image, 'stylize: image');
  if (!model || typeof model !== 'object' || typeof model.build !== 'function')
    throw new ArgumentError('stylize: model', 'must be a TransformModel (loadTransformModel gives one)');
  checkStylizeOptions(o, 'stylize');
  const runtime = o.runtime ?? new G.Runtime();
  const { depthModel } = o;
  const pipeline = new StylizePipeline(
    { kind: 'model', model },
    { runtime, depthModel: () => (depthModel ? Promise.resolve(depthModel) : loadDepthModel('pydnet-v2')), stylizer: { margin: o.margin } },
    resolveStylizeOptions('model', o),
  );
  try {
    return await pipeline.run(image);
  } finally {
    await pipeline.dispose();
  }
}
