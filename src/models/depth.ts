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
import { importOnnx, onnxInputs, readOnnx, unsupportedOnnxOps } from './onnx-import.js';
import { ModelStore, cached, sha256 } from './resolver.js';
import type { onnx as P } from 'onnx-proto';

export type DepthPolarity = 'depth' | 'inverse-depth';

export interface DepthModel {
  readonly id: string;
  /** Height and width the network runs at; images are resized to it inside the graph. */
  readonly inputSize: readonly [number, number];
  /** 'inverse-depth': larger = nearer (PyDNet v2, MiDaS); 'depth': larger = farther. */
  readonly polarity: DepthPolarity;
  readonly licence: string;
  /** RGB 0–255 NCHW image of any size → [N, 1, h, w] relative depth-like map, in the model's polarity, at the model's resolution. */
  build(image: Tensor): Tensor;
  /** Names of the intermediate layers `features` returns (empty: the model has none to offer). */
  readonly featureLayers: readonly string[];
  /** The activations of `featureLayers` for an image (for the seed paper's feature-level depth loss). */
  features(image: Tensor): Tensor[];
}

interface Normalization {
  /** The network sees (rgb255 / range − mean) / std; range 255 maps to [0, 1], range 1 keeps 0–255. */
  range: number;
  mean: readonly number[];
  std: readonly number[];
}

class ImportedDepthModel implements DepthModel {
  constructor(
    readonly id: string,
    private readonly model: P.IModelProto,
    readonly inputSize: readonly [number, number],
    readonly polarity: DepthPolarity,
    readonly licence: string,
    private readonly norm: Normalization,
    private readonly reluOutput: boolean,
    /** The model's extra outputs after the depth map, one per feature layer. */
    readonly featureLayers: readonly string[] = [],
  ) {}

  build(image: Tensor): Tensor {
    const [y0] = this.outputs(image);
    const y = y0.rank === 3 ? G.reshape(y0, [y0.shape[0] as number, 1, y0.shape[1] as number, y0.shape[2] as number]) : y0;
    return this.reluOutput ? G.relu(y) : y;
  }

  features(image: Tensor): Tensor[] {
    if (!this.featureLayers.length) throw new Error(`depth model ${this.id} offers no feature layers: use --depth-loss ssi or mse, or name layers with --depth-layers`);
    return this.outputs(image).slice(1);
  }

  /** The imported network on the image (resized and normalized inside the graph); unused outputs are pruned when compiled. */
  private outputs(image: Tensor): Tensor[] {
    const g = image.graph;
    return g.scope(`depth_${this.id}`, () => {
      let x = G.resize(image, this.inputSize, 'bilinear');
      const { mean, std, range } = this.norm;
      if (range !== 1) x = G.div(x, range);
      if (mean.some((m) => m !== 0)) x = G.sub(x, g.constant(mean, [1, 3, 1, 1], { name: 'mean' }));
      if (std.some((s) => s !== 1)) x = G.div(x, g.constant(std, [1, 3, 1, 1], { name: 'std' }));
      return importOnnx(this.model, [x], this.id, this.id);
    });
  }
}

const ACADEMIC = 'network weights for academic research use only';

export const BUILTIN_DEPTH_MODELS = {
  'pydnet-v2': {
    file: 'pydnet-v2/pydnet_v2_wild_fp16.tflite',
    polarity: 'inverse-depth' as const,
    licence: `PyDNet v2 (Aleotti et al., Sensors 2021), from the OMA app (Apache-2.0 code); ${ACADEMIC}`,
    output: 0,
    relu: true,
    range: 255,
    // The decoder's depth-estimator features at its four coarsest scales (1/64 … 1/8 of the input).
    features: [6, 5, 4, 3].map((l) => `decoder/L${l}/estimator/build_estimator/disp-3/LeakyRelu`),
  },
  pydnet: {
    file: 'pydnet/pydnet++_v1.tflite',
    polarity: 'depth' as const,
    licence: `PyDNet++ v1 (FilippoAleotti/mobilePydnet, Apache-2.0 code); ${ACADEMIC}`,
    output: 0,
    relu: false,
    range: 255,
    features: [] as string[],
  },
};
export type BuiltinDepthModel = keyof typeof BUILTIN_DEPTH_MODELS;

/** The second judge for a depth model: the other built-in network (so a loss on one is judged by one it never saw). */
export function secondJudgeFor(spec: string): BuiltinDepthModel {
  return spec === 'pydnet' ? 'pydnet-v2' : 'pydnet';
}

/** Bump when the TFLite → ONNX conversion changes, to invalidate cached conversions. */
const CONVERTER_VERSION = 2;

/** Converts a TFLite depth network to a self-contained ONNX model ([1,3,H,W] in [0,1] → the kept outputs, then the tapped layers). */
export function tfliteToOnnx(bytes: Uint8Array, what: string, keepOutputs: number[], taps: readonly string[] = []): { onnx: Uint8Array; inputSize: [number, number] } {
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

/** Loads 'pydnet-v2' (default), 'pydnet', or a path to an ONNX depth model. */
export async function loadDepthModel(spec: string = 'pydnet-v2', opts: LoadDepthOptions = {}): Promise<DepthModel> {
  const store = opts.store ?? new ModelStore();
  if (spec in BUILTIN_DEPTH_MODELS) {
    const def = BUILTIN_DEPTH_MODELS[spec as BuiltinDepthModel];
    const src = await store.read(def.file);
    let inputSize: [number, number] = [0, 0];
    const taps = opts.featureLayers ?? def.features;
    // Default taps share one cache entry; other tap lists get their own, so switching back and forth converts once each.
    const custom = opts.featureLayers ? `-${sha256(new TextEncoder().encode(taps.join('\n'))).slice(0, 8)}` : '';
    const { bytes } = await cached(`${spec}${custom}.onnx`, `${src.sha256}:v${CONVERTER_VERSION}:${taps.join(',')}`, () => {
      const r = tfliteToOnnx(src.bytes, src.path, [def.output], taps);
      inputSize = r.inputSize;
      return r.onnx;
    });
    const model = readOnnx(bytes, `${spec} (cached conversion)`);
    if (!inputSize[0]) {
      const shape = onnxInputs(model)[0].shape;
      inputSize = [Number(shape[2]), Number(shape[3])];
    }
    return new ImportedDepthModel(spec, model, inputSize, def.polarity, def.licence, { range: def.range, mean: [0, 0, 0], std: [1, 1, 1] }, def.relu, taps);
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
    throw new Error(`${file}: not a usable depth model: its input "${inputs[0].name}" is [${inputs[0].shape.join(', ')}], a depth model here needs one RGB image input of a fixed size, e.g. [1, 3, 256, 512]`);
  // One single-channel map out: a style model (3 channels) or a classifier is not a depth model.
  const out = model.graph?.output?.[0];
  const outDims = (out?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  if ((model.graph?.output?.length ?? 0) < 1 || (outDims.length === 4 && outDims[1] !== 1) || (outDims.length !== 4 && outDims.length !== 3 && outDims.length !== 0))
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

/**
 * Runs a depth model on images of any size, building (and caching) one graph
 * per image size. Output: the relative depth map resized to the image size.
 */
export class DepthEstimator {
  private readonly programs: G.ImagePrograms;
  constructor(
    readonly model: DepthModel,
    runtime: G.Runtime,
  ) {
    this.programs = new G.ImagePrograms(runtime, (x) => {
      const [, , h, w] = x.staticShape();
      return G.resize(model.build(x), [h, w], 'bilinear');
    });
  }

  /** Raw model output (model polarity) at the image's size. */
  async estimate(image: { width: number; height: number; data: Float32Array }): Promise<Float32Array> {
    return (await this.programs.run(image)).data;
  }

  /** Frees the compiled graphs. */
  release(): Promise<void> {
    return this.programs.release();
  }
}
