// Transform models by name: a `.onnx` file from `depthstyle train`, a `.ckpt`
// checkpoint of a run (still going or not), `baseline:STYLE` for a
// Johnson/Engstrom baseline, or a zoo name (`scream-depth`: the repository's
// models/scream-depth.onnx).
import * as G from '../graph/index.js';
import { BASELINE_STYLES, baselineParams, johnsonBaselineNet, loadBaseline, type BaselineStyle } from '../models/johnson.js';
import { ModelStore, cached, packageRoot, sha256 } from '../models/resolver.js';
import { exportCheckpoint, exportTransformNet, licenceOf } from '../nn/export.js';
import { styleNetwork } from '../nn/networks.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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

/** The zoo: the trained models shipped in the repository's models/ folder, by name. */
export function zooDir(): string {
  return path.join(packageRoot(), 'models');
}
export function zooNames(dir = zooDir()): string[] {
  // Regular files only: a FIFO or device named .onnx would block the reader for ever.
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.onnx') && !f.endsWith('.int8.onnx') && statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile())
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}

export interface ZooModel {
  name: string;
  file: string;
  /** What `depthstyle train` wrote into the file: style, steps, depth weight and loss, branch_of, … */
  metadata: Record<string, string>;
  licence: string;
}

/** The zoo's models with their metadata; a file that is not a style model is left out. */
export async function zooModels(dir = zooDir()): Promise<ZooModel[]> {
  const out: ZooModel[] = [];
  for (const name of zooNames(dir)) {
    const file = path.join(dir, `${name}.onnx`);
    const m = await loadTransformOnnx(file).catch(() => undefined);
    if (m) out.push({ name, file, metadata: m.metadata, licence: m.model.licence });
  }
  return out;
}

/** A bare name (no extension, no `baseline:`) is a zoo model: its file; any other spec is returned as it is. */
export function resolveModelSpec(spec: string): string {
  if (!/^[\w-]+$/.test(spec)) return spec;
  const file = path.join(zooDir(), `${spec}.onnx`);
  if (existsSync(file)) return file;
  const names = zooNames();
  throw new Error(`unknown model "${spec}": the zoo has ${names.length ? names.join(', ') : 'no models'}; or give a .onnx model, a .ckpt checkpoint or baseline:${BASELINE_STYLES.join('|baseline:')}`);
}

export async function loadTransformModel(spec: string, store = new ModelStore()): Promise<TransformModel> {
  spec = resolveModelSpec(spec);
  if (spec.endsWith('.onnx')) return (await loadTransformOnnx(spec)).model;
  if (spec.endsWith('.ckpt')) return (await loadTransformOnnx(spec, await exportCheckpoint(spec))).model;
  const m = /^baseline:(.+)$/.exec(spec);
  if (m) {
    const ckpt = await loadBaseline(m[1], store);
    return { id: spec, licence: 'Johnson/Engstrom baseline (ml5): free for research use only', build: (x) => johnsonBaselineNet(x, ckpt, `baseline_${m[1]}`) };
  }
  throw new Error(`unknown model "${spec}": use a .onnx model or .ckpt checkpoint from depthstyle train, or baseline:${BASELINE_STYLES.join('|baseline:')}`);
}

/** A released baseline as one ONNX file (the trainable Engstrom network with its weights), converted once and cached. */
export async function baselineOnnx(style: BaselineStyle, store = new ModelStore()): Promise<Uint8Array> {
  const arrays = await baselineParams(style, store);
  const key = sha256(new TextEncoder().encode(Object.entries(arrays).map(([k, v]) => `${k}:${sha256(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`).join(',')));
  const { bytes } = await cached(`baseline-${style}.onnx`, `${key}:v1`, () => {
    const g = new G.Graph();
    styleNetwork(g.input('image', [1, 3, 16, 16]), { arch: 'engstrom', width: 32, blocks: 5 });
    const params = G.ParamStore.fromGraph(g);
    for (const [name, v] of params.values) v.set(arrays[name]);
    return exportTransformNet(params, 32, 5, { style, licence: licenceOf('engstrom') }, 'engstrom');
  });
  return bytes;
}

/** Any model spec (`.onnx`, `.ckpt`, `baseline:NAME`) as the bytes of one self-contained ONNX stylizer. */
export async function transformOnnxBytes(spec: string, store = new ModelStore()): Promise<Uint8Array> {
  spec = resolveModelSpec(spec);
  if (spec.endsWith('.onnx')) {
    try {
      return await readFile(spec);
    } catch {
      throw new Error(`${spec}: model not found`);
    }
  }
  if (spec.endsWith('.ckpt')) return exportCheckpoint(spec);
  const m = /^baseline:(.+)$/.exec(spec);
  if (m && (BASELINE_STYLES as readonly string[]).includes(m[1])) return baselineOnnx(m[1] as BaselineStyle, store);
  throw new Error(`unknown model "${spec}": use a .onnx model or .ckpt checkpoint from depthstyle train, or baseline:${BASELINE_STYLES.join('|baseline:')}`);
}
