// Johnson et al. / Engstrom fast-style-transfer baselines (deeplearn.js
// checkpoints from ml5), rebuilt as our graph: the "Johnson et al." column of
// every comparison. Architecture per lengstrom/fast-style-transfer: TF 'SAME'
// zero padding, instance norm (ε = 1e-3) without conv biases, transposed-conv
// decoder, output 150·tanh(y) + 127.5.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { samePads } from '../graph/ops/conv.js';
import { ENGSTROM_LAYERS, ENGSTROM_SCOPE, engstromWeightShape } from '../nn/engstrom.js';
import { ModelStore } from './resolver.js';

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

/** The baseline transform network over an RGB 0–255 NCHW image; output is cropped to the input size. */
export function johnsonBaselineNet(x: Tensor, ckpt: Checkpoint, scope: string): Tensor {
  const g = x.graph;
  const [, , H, W] = x.staticShape('baseline stylization');
  const norm = (h: Tensor, i: number) => {
    const shift = ckpt.get(varName(i + 1));
    const scale = ckpt.get(varName(i + 2));
    return G.instanceNorm(h, g.constant(scale.data, [scale.shape[0]], { name: `${varName(i)}/scale` }), g.constant(shift.data, [shift.shape[0]], { name: `${varName(i)}/shift` }), 1e-3);
  };
  const conv = (h: Tensor, i: number, stride: number, relu: boolean) => {
    const k = ckpt.get(varName(i)); // HWIO
    const w = permute4(k.data, k.shape, [3, 2, 0, 1]);
    const [, , hh, ww] = h.staticShape('baseline conv');
    const [pt, pb] = samePads(hh, k.shape[0], stride);
    const [pl, pr] = samePads(ww, k.shape[1], stride);
    const y = norm(G.conv2d(h, g.constant(w.data, w.shape, { name: `${varName(i)}/oihw` }), undefined, { strides: stride, pads: [pt, pl, pb, pr] }), i);
    return relu ? G.relu(y) : y;
  };
  const up = (h: Tensor, i: number) => {
    const k = ckpt.get(varName(i)); // [kh, kw, out, in]
    const w = permute4(k.data, k.shape, [3, 2, 0, 1]); // → [in, out, kh, kw]
    const [, , hh, ww] = h.staticShape('baseline transposed conv');
    const [pt, pb] = samePads(2 * hh, k.shape[0], 2);
    const [pl, pr] = samePads(2 * ww, k.shape[1], 2);
    const outputPadding: [number, number] = [2 * hh - ((hh - 1) * 2 + k.shape[0] - pt - pb), 2 * ww - ((ww - 1) * 2 + k.shape[1] - pl - pr)];
    return G.relu(norm(G.convTranspose2d(h, g.constant(w.data, w.shape, { name: `${varName(i)}/iohw` }), undefined, { strides: 2, pads: [pt, pl, pb, pr], outputPadding }), i));
  };
  return g.scope(scope, () => {
    let h = conv(x, 0, 1, true);
    h = conv(h, 3, 2, true);
    h = conv(h, 6, 2, true);
    for (const b of [9, 15, 21, 27, 33]) h = G.add(h, conv(conv(h, b, 1, true), b + 3, 1, false));
    h = up(h, 39);
    h = up(h, 42);
    h = conv(h, 45, 1, false);
    const y = G.add(G.mul(G.tanh(h), 150), 127.5);
    const [, , oh, ow] = y.staticShape('baseline output');
    return oh === H && ow === W ? y : G.slice(y, [0, 0], [H, W], [2, 3]);
  });
}

export async function loadBaseline(style: string, store = new ModelStore()): Promise<Checkpoint> {
  if (!(BASELINE_STYLES as readonly string[]).includes(style)) throw new Error(`unknown baseline style "${style}": use one of ${BASELINE_STYLES.join(', ')}`);
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
