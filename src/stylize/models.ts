// Transform models by name: a `.onnx` file from `depthstyle train`, a `.ckpt`
// checkpoint of a run (still going or not), or `baseline:STYLE` for a
// Johnson/Engstrom baseline.
import { BASELINE_STYLES, johnsonBaselineNet, loadBaseline } from '../models/johnson.js';
import { ModelStore } from '../models/resolver.js';
import { exportCheckpoint } from '../nn/export.js';
import { readFile } from 'node:fs/promises';
import { transformModelFromOnnx } from './onnx-model.js';
import type { TransformModel } from './stylizer.js';

/** A model file from `depthstyle train` (or its bytes, named `file` in errors), with its metadata. */
export async function loadTransformOnnx(file: string, bytes?: Uint8Array): Promise<{ model: TransformModel; metadata: Record<string, string> }> {
  try {
    bytes ??= await readFile(file);
  } catch {
    throw new Error(`${file}: model not found`);
  }
  return transformModelFromOnnx(bytes, file);
}

export async function loadTransformModel(spec: string, store = new ModelStore()): Promise<TransformModel> {
  if (spec.endsWith('.onnx')) return (await loadTransformOnnx(spec)).model;
  if (spec.endsWith('.ckpt')) return (await loadTransformOnnx(spec, await exportCheckpoint(spec))).model;
  const m = /^baseline:(.+)$/.exec(spec);
  if (m) {
    const ckpt = await loadBaseline(m[1], store);
    return { id: spec, licence: 'Johnson/Engstrom baseline (ml5): free for research use only', build: (x) => johnsonBaselineNet(x, ckpt, `baseline_${m[1]}`) };
  }
  throw new Error(`unknown model "${spec}": use a .onnx model or .ckpt checkpoint from depthstyle train, or baseline:${BASELINE_STYLES.join('|baseline:')}`);
}
