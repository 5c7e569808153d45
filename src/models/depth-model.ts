// Depth networks as the graph sees them, and running them on images: what the page needs too, so nothing
// here reads files (the loaders that do are in depth.ts).
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { importOnnx, readOnnx } from './onnx-import.js';
import type { onnx as P } from 'onnx-proto';
import { ArgumentError, checkImageArg } from '../io/arguments.js';

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

export interface Normalization {
  /** The network sees (rgb255 / range − mean) / std; range 255 maps to [0, 1], range 1 keeps 0–255. */
  range: number;
  mean: readonly number[];
  std: readonly number[];
}

export class ImportedDepthModel implements DepthModel {
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
    if (!this.featureLayers.length)
      throw new Error(`depth model ${this.id} offers no feature layers: use --depth-loss ssi or mse, or name layers with --depth-layers`);
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

/** A built-in depth network from its converted ONNX (what `loadDepthModel` caches, or the server sends the page). */
export function builtinDepthModelFromOnnx(
  spec: BuiltinDepthModel,
  bytes: Uint8Array,
  featureLayers: readonly string[] = BUILTIN_DEPTH_MODELS[spec].features,
): DepthModel {
  const def = BUILTIN_DEPTH_MODELS[spec];
  const model = readOnnx(bytes, `${spec} (converted)`);
  const dims = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const inputSize: [number, number] = [Number(dims[2]?.dimValue ?? 0), Number(dims[3]?.dimValue ?? 0)];
  if (!inputSize[0] || !inputSize[1]) throw new Error(`${spec}: the converted model has no fixed input size`);
  return new ImportedDepthModel(
    spec,
    model,
    inputSize,
    def.polarity,
    def.licence,
    { range: def.range, mean: [0, 0, 0], std: [1, 1, 1] },
    def.relu,
    featureLayers,
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
    if (!model || typeof model.build !== 'function') throw new ArgumentError('DepthEstimator: model', 'must be a DepthModel (loadDepthModel gives one)');
    if (!runtime || typeof runtime !== 'object') throw new ArgumentError('DepthEstimator: runtime', 'must be an engine.Runtime');
    this.programs = new G.ImagePrograms(runtime, (x) => {
      const [, , h, w] = x.staticShape();
      return G.resize(model.build(x), [h, w], 'bilinear');
    });
  }

  /** Raw model output (model polarity) at the image's size. */
  async estimate(image: { width: number; height: number; data: Float32Array }): Promise<Float32Array> {
    checkImageArg(image, 'DepthEstimator.estimate: image', 1);
    return (await this.programs.run(image)).data;
  }

  /** Frees the compiled graphs. */
  release(): Promise<void> {
    return this.programs.release();
  }
}
