// Branch training: a run that starts from a trained network's weights (our
// exported .onnx or a training checkpoint) with a fresh optimizer, so that two
// twins can branch from one base and differ only in what they learn after it.
import { resolveModel } from '../models/model-spec.js';
import { readFile } from 'node:fs/promises';
import { baselineParams } from '../models/johnson.js';
import { readOnnx, tensorValues } from '../models/onnx-import.js';
import type { ModelStore } from '../models/resolver.js';
import { ENGSTROM_SCOPE } from '../nn/engstrom.js';
import type { Architecture } from '../nn/networks.js';
import { loadState } from '../io/state.js';

export interface InitialWeights {
  /** Where the weights came from, as given. */
  source: string;
  /** Parameter name → values. */
  arrays: Record<string, Float32Array>;
  arch: Architecture;
  width: number;
  blocks: number;
  /** Training steps the base had taken, if recorded. */
  steps?: number;
  /** The options the base was trained with, as its metadata records them (models from depthstyle train). */
  settings?: Record<string, unknown>;
}

function architecture(arrays: Record<string, Float32Array>, what: string): { arch: Architecture; width: number; blocks: number } {
  if (arrays[`${ENGSTROM_SCOPE}/conv1/weight`]) return { arch: 'engstrom', width: 32, blocks: 5 };
  const conv1 = arrays['transform/conv1/bias'];
  if (!conv1) throw new Error(`${what}: not a depthstyle style network (no transform/conv1 or ${ENGSTROM_SCOPE}/conv1)`);
  let blocks = 0;
  while (arrays[`transform/res${blocks + 1}_conv1/weight`]) blocks++;
  return { arch: 'upsample', width: conv1.length, blocks };
}

/** Reads the weights of a trained transform network: `.onnx` (as exported by train) or `.ckpt`. */
export async function readInitialWeights(spec: string, store?: ModelStore): Promise<InitialWeights> {
  const ours = (k: string) => k.startsWith('transform/') || k.startsWith(`${ENGSTROM_SCOPE}/`);
  const ref = resolveModel(spec);
  if (ref.kind === 'baseline') {
    const arrays = await baselineParams(ref.style, store);
    return { source: spec, arrays, ...architecture(arrays, spec) };
  }
  if (ref.kind === 'checkpoint') {
    const ck = await loadState(ref.file);
    const arrays = Object.fromEntries(Object.entries(ck.arrays).filter(([k]) => ours(k)));
    return { source: spec, arrays, ...architecture(arrays, spec), steps: ck.scalars.step };
  }
  if (ref.kind === 'int8') throw new Error(`--init ${spec}: an int8 model cannot be trained; give its fp32 .onnx`);
  spec = ref.file; // a zoo name branches from its file
  let bytes: Uint8Array;
  try {
    bytes = await readFile(spec);
  } catch {
    throw new Error(`${spec}: model not found`);
  }
  const proto = readOnnx(bytes, spec);
  const arrays: Record<string, Float32Array> = {};
  for (const t of proto.graph?.initializer ?? []) if (t.name && ours(t.name)) arrays[t.name] = Float32Array.from(tensorValues(t));
  const meta = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const steps = Number(meta.steps);
  let settings: Record<string, unknown> | undefined;
  try {
    settings = meta.settings ? (JSON.parse(meta.settings) as Record<string, unknown>) : undefined;
  } catch {
    throw new Error(`${spec}: its recorded training settings are not valid JSON`);
  }
  return { source: spec, arrays, ...architecture(arrays, spec), steps: Number.isFinite(steps) ? steps : undefined, settings };
}
