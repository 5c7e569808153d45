// The VGG-19 loss network from its TF.js layers files: uint8-quantized blocks
// 1–5, optionally blocks 1–3 from the exact fp32 files when present. The
// converted network is cached as ONNX (any image size) and imported into the
// caller's graph, where its activations are differentiable.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { VGG19_TAPS, vgg19, type VggWeights } from '../nn/vgg19.js';
import { importOnnx, readOnnx } from './onnx-import.js';
import { ModelStore, cached, sha256 } from './resolver.js';
import { hwioToOihw, readTfjsLayersWeights } from './tfjs-layers.js';
import type { onnx as P } from 'onnx-proto';

export interface VggOptions {
  store?: ModelStore;
  /** Use the exact fp32 weights for blocks 1–3 when models/vgg19-fp32-block1-3 exists (default true). */
  exactBlocks13?: boolean;
}

const CONVERTER_VERSION = 1;

export class Vgg19 {
  constructor(
    private readonly model: P.IModelProto,
    readonly description: string,
  ) {}

  /** Activations at the requested taps (relu1_1 … relu5_4) of an RGB 0–255 NCHW image. */
  features(image: Tensor, taps: readonly string[]): Map<string, Tensor> {
    for (const t of taps) if (!VGG19_TAPS.includes(t)) throw new Error(`unknown VGG-19 layer "${t}"; expected one of ${VGG19_TAPS.join(', ')}`);
    const outs = importOnnx(this.model, [image], 'vgg19', 'VGG-19');
    return new Map(taps.map((t) => [t, outs[VGG19_TAPS.indexOf(t)]]));
  }
}

export async function readVggWeights(opts: VggOptions = {}): Promise<{ weights: VggWeights; key: string; description: string }> {
  const store = opts.store ?? new ModelStore();
  const q = await readTfjsLayersWeights(store, 'vgg19');
  let exact: Awaited<ReturnType<typeof readTfjsLayersWeights>> | undefined;
  if ((opts.exactBlocks13 ?? true) && store.has('vgg19-fp32-block1-3/model.json')) exact = await readTfjsLayersWeights(store, 'vgg19-fp32-block1-3');
  const key = sha256(new TextEncoder().encode([...q.checksums, ...(exact?.checksums ?? [])].join(',')));
  const weights: VggWeights = (layer, shape) => {
    const src = exact?.weights.get(`${layer}/kernel`) ? exact : q;
    const k = src.weights.get(`${layer}/kernel`);
    const b = src.weights.get(`${layer}/bias`);
    if (!k || !b) return undefined;
    const want = [shape[2], shape[3], shape[1], shape[0]];
    if (k.shape.join() !== want.join()) throw new Error(`VGG-19 ${layer}: kernel shape [${k.shape.join(', ')}], expected [${want.join(', ')}]`);
    return { weight: hwioToOihw(k.data, k.shape), bias: b.data };
  };
  return { weights, key, description: exact ? 'VGG-19 (fp32 blocks 1–3, uint8 blocks 4–5)' : 'VGG-19 (uint8)' };
}

export async function loadVgg19(opts: VggOptions = {}): Promise<Vgg19> {
  const r = await readVggWeights(opts);
  const { bytes } = await cached(`vgg19-${(opts.exactBlocks13 ?? true) ? 'mixed' : 'uint8'}.onnx`, `${r.key}:v${CONVERTER_VERSION}`, () => {
    const g = new G.Graph();
    const x = g.input('image', ['N', 3, 'H', 'W']);
    const taps = vgg19(x, VGG19_TAPS, r.weights);
    return G.toOnnx(
      g,
      VGG19_TAPS.map((t) => taps.get(t)!),
      { name: 'vgg19' },
    ).bytes;
  });
  return new Vgg19(readOnnx(bytes, 'VGG-19 (cached conversion)'), r.description);
}
