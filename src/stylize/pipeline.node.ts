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
import { type DepthStrengthChoice, depthStrengthFor } from './depth-strength.js';
import { loadTransformModel, loadTransformOnnx } from './models.js';
import { PIPELINE_DEFAULTS, type PipelineNetwork, type PipelineSettings, StylizePipeline } from './pipeline.js';
import type { StylizerOptions } from './stylizer.js';

export type NetworkSpec = { model: string } | { paintings: readonly string[]; weights?: readonly number[]; network?: ArbitraryNetwork };

export interface PipelineOptions extends Partial<Omit<PipelineSettings, 'depthStrength'>> {
  /** A setting, or 'off'; unset: the network's default (a painting: in the features, DEFAULT_DEPTH_STRENGTH). */
  depthStrength?: DepthStrengthChoice;
  store?: ModelStore;
  runtime?: G.Runtime;
  /** Options of the network's sessions (margin; a clip's carried statistics). */
  stylizer?: StylizerOptions;
  /** What the spec's painting names are called in errors (the CLI: --style). */
  paintingOption?: string;
}

/** The settings a pipeline runs with: defaults < the network's < given (each undefined given value left to the defaults). */
export function resolvePipelineSettings(kind: 'painting' | 'model', given: PipelineOptions = {}): PipelineSettings {
  const set = Object.fromEntries(Object.entries(given).filter(([k, v]) => v !== undefined && k in PIPELINE_DEFAULTS)) as Partial<PipelineSettings>;
  return { ...PIPELINE_DEFAULTS, ...set, depthStrength: depthStrengthFor(kind, given.depthStrength) };
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
  const store = o.store ?? new ModelStore();
  const runtime = o.runtime ?? new G.Runtime();
  const network = await loadNetwork(spec, store, runtime, o.paintingOption);
  const settings = resolvePipelineSettings(network.kind, o);
  const onDispose = network.kind === 'painting' ? () => network.predictor.release() : undefined;
  return new StylizePipeline(network, { runtime, depthModel: () => loadDepthModel('pydnet-v2', { store }), stylizer: o.stylizer, onDispose }, settings);
}
