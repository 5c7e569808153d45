// Transform models loaded by spec (what a spec means is decided in models/model-spec.ts): a zoo name, a
// `.onnx` file from `depthstyle train`, a `.ckpt` checkpoint of a run, or `baseline:STYLE`.
import * as G from '../graph/index.js';
import { baselineNet, baselineParams, type BaselineStyle } from '../models/johnson.js';
import { resolveModel, zooDir, zooNames } from '../models/model-spec.js';
import { ModelStore, cached, sha256 } from '../models/resolver.js';
import { exportCheckpoint, exportTransformNet, licenceOf } from '../nn/export.js';
import { styleNetwork } from '../nn/networks.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { transformModelFromOnnx } from './onnx-model.js';
import type { TransformModel } from './stylizer.js';
import { checkString } from '../io/arguments.js';

/** A model file from `depthstyle train` (or its bytes, named `file` in errors), with its metadata. */
export async function loadTransformOnnx(file: string, bytes?: Uint8Array): Promise<{ model: TransformModel; metadata: Record<string, string> }> {
  try {
    bytes ??= await readFile(file);
  } catch {
    throw new Error(`${file}: model not found`);
  }
  return transformModelFromOnnx(bytes, file);
}

export { zooDir, zooNames } from '../models/model-spec.js';

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

/** A model spec as its file where it names one (resolveModel decides what a spec means), else the spec itself. */
export function resolveModelSpec(spec: string): string {
  const ref = resolveModel(spec);
  return ref.kind === 'baseline' ? ref.spec : ref.file;
}

export async function loadTransformModel(spec: string, store = new ModelStore()): Promise<TransformModel> {
  checkString(spec, 'loadTransformModel: spec');
  const ref = resolveModel(spec);
  switch (ref.kind) {
    case 'zoo':
    case 'onnx':
      return (await loadTransformOnnx(ref.file)).model;
    case 'checkpoint':
      return (await loadTransformOnnx(ref.file, await exportCheckpoint(ref.file))).model;
    case 'int8':
      throw new Error(`${ref.file}: an int8 model runs with stylize --precision int8`);
    case 'baseline': {
      const weights = await baselineParams(ref.style, store);
      return {
        id: ref.spec,
        licence: 'Johnson/Engstrom baseline (ml5): free for research use only',
        pixelStrokes: true,
        build: (x) => baselineNet(x, weights, `baseline_${ref.style}`),
      };
    }
  }
}

/** A released baseline as one ONNX file (the trainable Engstrom network with its weights), converted once and cached. */
export async function baselineOnnx(style: BaselineStyle, store = new ModelStore()): Promise<Uint8Array> {
  const arrays = await baselineParams(style, store);
  const key = sha256(
    new TextEncoder().encode(
      Object.entries(arrays)
        .map(([k, v]) => `${k}:${sha256(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`)
        .join(','),
    ),
  );
  const { bytes } = await cached(`baseline-${style}.onnx`, `${key}:v1`, () => {
    const g = new G.Graph();
    styleNetwork(g.input('image', [1, 3, 16, 16]), { arch: 'engstrom', width: 32, blocks: 5 });
    const params = G.ParamStore.fromGraph(g);
    for (const [name, v] of params.values) v.set(arrays[name]);
    return exportTransformNet(params, 32, 5, { style, licence: licenceOf('engstrom') }, 'engstrom');
  });
  return bytes;
}

/** Any model spec (a zoo name, `.onnx`, `.ckpt`, `baseline:NAME`) as the bytes of one self-contained ONNX stylizer. */
export async function transformOnnxBytes(spec: string, store = new ModelStore()): Promise<Uint8Array> {
  const ref = resolveModel(spec);
  switch (ref.kind) {
    case 'zoo':
    case 'onnx':
      try {
        return await readFile(ref.file);
      } catch {
        throw new Error(`${ref.file}: model not found`);
      }
    case 'checkpoint':
      return exportCheckpoint(ref.file);
    case 'int8':
      throw new Error(`${ref.file}: already an int8 model`);
    case 'baseline':
      return baselineOnnx(ref.style, store);
  }
}
