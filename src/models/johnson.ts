// Johnson et al. / Engstrom fast-style-transfer baselines (deeplearn.js
// checkpoints from ml5), rebuilt as our graph: the "Johnson et al." column of
// every comparison. Architecture per lengstrom/fast-style-transfer: TF 'SAME'
// zero padding, instance norm (ε = 1e-3) without conv biases, transposed-conv
// decoder, output 150·tanh(y) + 127.5.
import { Tensor } from '../graph/index.js';
import { ENGSTROM_LAYERS, ENGSTROM_SCOPE, engstromNet, engstromWeightShape } from '../nn/engstrom.js';
import { ModelStore } from './resolver.js';
import { ArgumentError } from '../io/arguments.js';

export const BASELINE_STYLES = ['wave', 'udnie', 'scream', 'la_muse'] as const;
export type BaselineStyle = (typeof BASELINE_STYLES)[number];

export interface Checkpoint {
  get(name: string): { shape: number[]; data: Float32Array };
}

/** Reads a deeplearn.js checkpoint folder (manifest.json + one raw float32 file per variable), verifying sizes. */
export async function readDeeplearnCheckpoint(store: ModelStore, dir: string): Promise<Checkpoint> {
  const manifestFile = await store.read(`${dir}/manifest.json`);
  let manifest: Record<string, { filename: string; shape: number[] }>;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestFile.bytes)) as typeof manifest;
  } catch {
    throw new Error(`${manifestFile.path}: not valid JSON`);
  }
  const vars = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of Object.entries(manifest)) {
    const f = await store.read(`${dir}/${v.filename}`);
    const n = v.shape.reduce((a, b) => a * b, 1);
    if (f.bytes.length !== 4 * n) throw new Error(`${f.path}: ${f.bytes.length} bytes, but shape [${v.shape.join(', ')}] needs ${4 * n}`);
    const data = new Float32Array(n);
    const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
    vars.set(name, { shape: v.shape, data });
  }
  return {
    get(name) {
      const v = vars.get(name);
      if (!v) throw new Error(`${dir}: checkpoint has no variable ${name}`);
      return v;
    },
  };
}

function permute4(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(data.length);
  const oshape = perm.map((p) => shape[p]);
  const s = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const os = [oshape[1] * oshape[2] * oshape[3], oshape[2] * oshape[3], oshape[3], 1];
  for (let a = 0; a < shape[0]; a++)
    for (let b = 0; b < shape[1]; b++)
      for (let c = 0; c < shape[2]; c++)
        for (let d = 0; d < shape[3]; d++) {
          const idx = [a, b, c, d];
          out[perm.reduce((acc, p, k) => acc + idx[p] * os[k], 0)] = data[a * s[0] + b * s[1] + c * s[2] + d];
        }
  return { data: out, shape: oshape };
}

const varName = (i: number) => (i === 0 ? 'Variable' : `Variable_${i}`);

/**
 * A released baseline over an RGB 0–255 NCHW image: the Engstrom network (nn/engstrom.ts, the one build of
 * this architecture) with the weights `baselineParams` reads, as constants under `scope`.
 */
export function baselineNet(x: Tensor, weights: Readonly<Record<string, Float32Array>>, scope: string): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError('baselineNet: x', 'must be a graph Tensor');
  if (!weights || typeof weights !== 'object') throw new ArgumentError('baselineNet: weights', 'must be the record baselineParams gives');
  return engstromNet(x, { weights, scope });
}

export async function loadBaseline(style: string, store = new ModelStore()): Promise<Checkpoint> {
  if (!(BASELINE_STYLES as readonly string[]).includes(style))
    throw new ArgumentError('loadBaseline: style', `unknown baseline style "${style}": use one of ${BASELINE_STYLES.join(', ')}`);
  return readDeeplearnCheckpoint(store, `baselines/johnson-engstrom/${style}`);
}

/**
 * A released baseline's weights as parameters of the trainable `engstromNet` (for `train --init baseline:NAME`):
 * the checkpoint's variables, in layer order, are each conv's kernel, then its instance norm's shift and scale.
 */
export async function baselineParams(style: string, store = new ModelStore()): Promise<Record<string, Float32Array>> {
  const ckpt = await loadBaseline(style, store);
  const out: Record<string, Float32Array> = {};
  ENGSTROM_LAYERS.forEach((l, li) => {
    const i = 3 * li;
    const k = ckpt.get(varName(i));
    // HWIO (convs) or HW-out-in (transposed convs) → OIHW / IOHW, the same permutation for both.
    const w = permute4(k.data, k.shape, [3, 2, 0, 1]);
    const want = engstromWeightShape(l);
    if (w.shape.join() !== want.join()) throw new Error(`baseline ${style}: ${varName(i)} has shape [${w.shape.join(', ')}], expected [${want.join(', ')}]`);
    out[`${ENGSTROM_SCOPE}/${l.name}/weight`] = w.data;
    out[`${ENGSTROM_SCOPE}/${l.name}/in_shift`] = ckpt.get(varName(i + 1)).data;
    out[`${ENGSTROM_SCOPE}/${l.name}/in_scale`] = ckpt.get(varName(i + 2)).data;
  });
  return out;
}
