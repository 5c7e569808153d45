// Monocular depth networks behind one interface. The default, PyDNet v2, and
// the older PyDNet++ v1 come as TFLite files; they are converted once to ONNX
// (cached) and imported into the caller's graph, where they are differentiable.
// A user-supplied ONNX depth model plugs in through the same importer.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { readTflite } from './tflite.js';
import { buildTfliteGraph } from './tflite-graph.js';
import { onnxInputs, readOnnx, unsupportedOnnxOps } from './onnx-import.js';
import {
  BUILTIN_DEPTH_MODELS,
  ImportedDepthModel,
  builtinDepthModelFromOnnx,
  type BuiltinDepthModel,
  type DepthModel,
  type DepthPolarity,
  type Normalization,
} from './depth-model.js';

export * from './depth-model.js';
import { ModelStore, cached, sha256 } from './resolver.js';
import { checkString } from '../io/arguments.js';

/** Bump when the TFLite → ONNX conversion changes, to invalidate cached conversions. */
const CONVERTER_VERSION = 2;

/** Converts a TFLite depth network to a self-contained ONNX model ([1,3,H,W] in [0,1] → the kept outputs, then the tapped layers). */
export function tfliteToOnnx(
  bytes: Uint8Array,
  what: string,
  keepOutputs: number[],
  taps: readonly string[] = [],
): { onnx: Uint8Array; inputSize: [number, number] } {
  const m = readTflite(bytes, what);
  const [, h, w, c] = m.tensors[m.inputs[0]].shape;
  if (c !== 3) throw new Error(`${what}: expected an RGB input, found ${c} channels`);
  const g = new G.Graph();
  const x = g.input('image', [1, 3, h, w]);
  let outs: Tensor[];
  try {
    outs = buildTfliteGraph(m, x, 'w', taps);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
  const tapped = outs.slice(m.outputs.length);
  return { onnx: G.toOnnx(g, [...keepOutputs.map((i) => outs[i]), ...tapped], { name: path.basename(what) }).bytes, inputSize: [h, w] };
}

export interface LoadDepthOptions {
  store?: ModelStore;
  /** Layers (TFLite tensor names) for the feature-level depth loss, instead of the model's defaults. */
  featureLayers?: readonly string[];
}

/** A built-in depth network converted to ONNX (once, then from the cache): [1, 3, H, W] → depth map, tapped layers. */
export async function builtinDepthOnnx(spec: BuiltinDepthModel, opts: LoadDepthOptions = {}): Promise<Uint8Array> {
  const def = BUILTIN_DEPTH_MODELS[spec];
  const src = await (opts.store ?? new ModelStore()).read(def.file);
  const taps = opts.featureLayers ?? def.features;
  // Default taps share one cache entry; other tap lists get their own, so switching back and forth converts once each.
  const custom = opts.featureLayers ? `-${sha256(new TextEncoder().encode(taps.join('\n'))).slice(0, 8)}` : '';
  const { bytes } = await cached(
    `${spec}${custom}.onnx`,
    `${src.sha256}:v${CONVERTER_VERSION}:${taps.join(',')}`,
    () => tfliteToOnnx(src.bytes, src.path, [def.output], taps).onnx,
  );
  return bytes;
}

/** Loads 'pydnet-v2' (default), 'pydnet', or a path to an ONNX depth model. */
export async function loadDepthModel(spec: string = 'pydnet-v2', opts: LoadDepthOptions = {}): Promise<DepthModel> {
  checkString(spec, 'loadDepthModel: spec');
  const store = opts.store ?? new ModelStore();
  if (spec in BUILTIN_DEPTH_MODELS) {
    const taps = opts.featureLayers ?? BUILTIN_DEPTH_MODELS[spec as BuiltinDepthModel].features;
    return builtinDepthModelFromOnnx(spec as BuiltinDepthModel, await builtinDepthOnnx(spec as BuiltinDepthModel, { ...opts, store }), taps);
  }
  if (!spec.endsWith('.onnx')) throw new Error(`unknown depth model "${spec}": use ${Object.keys(BUILTIN_DEPTH_MODELS).join(', ')} or a path to an .onnx file`);
  if (opts.featureLayers) throw new Error(`${spec}: --depth-layers works with the built-in depth models only`);
  return loadOnnxDepthModel(spec);
}

/**
 * A user ONNX depth model. Defaults follow MiDaS: RGB in [0, 1] normalized by
 * the ImageNet mean/std, output inverse depth. A sidecar FILE.json may set
 * {"mean": [...], "std": [...], "polarity": "depth" | "inverse-depth"}.
 */
export async function loadOnnxDepthModel(file: string): Promise<DepthModel> {
  checkString(file, 'loadOnnxDepthModel: file');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    throw new Error(`${file}: depth model not found`);
  }
  const model = readOnnx(bytes, file);
  const bad = unsupportedOnnxOps(model);
  if (bad.length) throw new Error(`${file}: this depth model uses ONNX ops depthstyle cannot differentiate: ${bad.join(', ')}`);
  const inputs = onnxInputs(model);
  if (inputs.length !== 1 || inputs[0].shape.length !== 4) throw new Error(`${file}: expected one NCHW image input`);
  const [, c, h, w] = inputs[0].shape;
  if (c !== 3 || typeof h !== 'number' || typeof w !== 'number' || !h || !w)
    throw new Error(
      `${file}: not a usable depth model: its input "${inputs[0].name}" is [${inputs[0].shape.join(', ')}], a depth model here needs one RGB image input of a fixed size, e.g. [1, 3, 256, 512]`,
    );
  // One single-channel map out: a style model (3 channels) or a classifier is not a depth model.
  const out = model.graph?.output?.[0];
  const outDims = (out?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  if (
    (model.graph?.output?.length ?? 0) < 1 ||
    (outDims.length === 4 && outDims[1] !== 1) ||
    (outDims.length !== 4 && outDims.length !== 3 && outDims.length !== 0)
  )
    throw new Error(`${file}: not a usable depth model: its output "${out?.name ?? ''}" is [${outDims.join(', ')}], a depth map is [N, 1, h, w] or [N, h, w]`);
  let side: Partial<Normalization & { polarity: DepthPolarity }> = {};
  try {
    side = JSON.parse(await readFile(file.replace(/\.onnx$/, '.json'), 'utf8')) as typeof side;
  } catch {
    // no sidecar: MiDaS defaults
  }
  return new ImportedDepthModel(
    `onnx-${sha256(bytes).slice(0, 8)}`,
    model,
    [h, w],
    side.polarity ?? 'inverse-depth',
    `user-supplied model ${path.basename(file)}: see its own licence`,
    { range: side.range ?? 255, mean: side.mean ?? [0.485, 0.456, 0.406], std: side.std ?? [0.229, 0.224, 0.225] },
    false,
  );
}
