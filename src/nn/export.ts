// Exporting a trained style network as one self-contained ONNX file (any
// size, weights baked in, metadata), from parameters or a training checkpoint.
// Inference needs this, not the training loop.
import * as G from '../graph/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadState, type SavedState } from '../io/state.js';
import { ENGSTROM_SIZE_MULTIPLE } from './engstrom.js';
import { archOfCode, styleNetwork, type Architecture, type NetworkShape } from './networks.js';
import { ArgumentError, checkNumber } from '../io/arguments.js';

/** Sets the network's parameters from a checkpoint, refusing one saved from a different network. */
export function restoreParams(params: G.ParamStore, ck: SavedState, file: string): void {
  for (const [name, v] of params.values) {
    const saved = ck.arrays[name];
    if (!saved || saved.length !== v.length) throw new Error(`${file}: checkpoint does not match this network (parameter ${name})`);
    v.set(saved);
  }
}

/**
 * A self-contained ONNX stylizer: input `image` [N, 3, H, W] RGB 0–255 of any
 * size, output `stylized` the same, clamped to 0–255; weights baked in.
 */
export function exportTransformNet(
  params: G.ParamStore,
  width: number,
  blocks: number,
  metadata: Record<string, string>,
  arch: Architecture = 'upsample',
): Uint8Array {
  if (!(params instanceof G.ParamStore)) throw new ArgumentError('exportTransformNet: params', 'must be a ParamStore');
  checkNumber(width, 'exportTransformNet: width', { min: 1, integer: true });
  checkNumber(blocks, 'exportTransformNet: blocks', { min: 0, integer: true });
  const g = new G.Graph();
  const x = g.input('image', ['N', 3, 'H', 'W']);
  const y = styleNetwork(x, { arch, width, blocks });
  // clamp(y, 0, 255) = 255 − relu(255 − relu(y))
  const clamped = G.sub(255, G.relu(G.sub(255, G.relu(y))));
  const needs: Record<string, string> = arch === 'engstrom' ? { size_multiple: String(ENGSTROM_SIZE_MULTIPLE) } : {};
  return G.toOnnx(g, [clamped], {
    params: 'initializers',
    paramValues: params.values,
    name: 'depthstyle-transform',
    outputNames: ['stylized'],
    metadata: { ...metadata, ...needs },
  }).bytes;
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
  const net: NetworkShape = { arch: archOfCode(ck.scalars.arch), width, blocks };
  const g = new G.Graph();
  styleNetwork(g.input('image', [1, 3, 16, 16]), net);
  const params = G.ParamStore.fromGraph(g);
  restoreParams(params, ck, file);
  return exportTransformNet(params, width, blocks, { steps: String(step), checkpoint: file, licence: licenceOf(net.arch) }, net.arch);
}

/** The licence note of a model of this architecture (an engstrom model branches from research-use-only baselines), with its training photos' licence when that restricts it. */
export function licenceOf(arch: Architecture, dataLicence?: string): string {
  const base =
    arch === 'engstrom' ? `${TRAINED_MODEL_LICENCE} Branched from a Johnson/Engstrom baseline: research use only, like its source.` : TRAINED_MODEL_LICENCE;
  return dataLicence ? `${base} Training photos: ${dataLicence}.` : base;
}

export async function writeModel(file: string, params: G.ParamStore, net: NetworkShape, metadata: Record<string, string>): Promise<void> {
  await writeFileAtomic(file, exportTransformNet(params, net.width, net.blocks, { ...metadata, architecture: net.arch }, net.arch));
}
