// A stylization model exported by `depthstyle train`, run as-is by ONNX
// Runtime (the same file runs in onnxruntime-web).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { RgbImage } from '../io/image.js';
import { importOnnx, onnxInputs, readOnnx, unsupportedOnnxOps } from '../models/onnx-import.js';
import type { TransformModel } from './stylize.js';

export class OnnxStylizer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: Record<string, string>,
  ) {}

  static async load(file: string, threads?: number): Promise<OnnxStylizer> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch {
      throw new Error(`${file}: model not found`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads ?? os.availableParallelism(), graphOptimizationLevel: 'all' });
    } catch (err) {
      throw new Error(`${file}: not a loadable ONNX model (${(err as Error).message.split('\n')[0]})`);
    }
    if (!session.inputNames.includes('image') || !session.outputNames.includes('stylized')) throw new Error(`${file}: not a depthstyle model (expects input "image" and output "stylized")`);
    const onnxProto = (await import('onnx-proto')).default;
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    const metadata = Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    return new OnnxStylizer(session, metadata);
  }

  async stylize(img: RgbImage): Promise<RgbImage> {
    const out = await this.session.run({ image: new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]) });
    return { width: img.width, height: img.height, data: out.stylized.data as Float32Array };
  }
}

/**
 * A model file from `depthstyle train` as a TransformModel: imported into our
 * graph, so that it can be tiled with whole-image normalization statistics.
 */
export async function loadTransformOnnx(file: string): Promise<{ model: TransformModel; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    throw new Error(`${file}: model not found`);
  }
  const proto = readOnnx(bytes, file);
  const bad = unsupportedOnnxOps(proto);
  if (bad.length) throw new Error(`${file}: not a depthstyle transform model (ops ${bad.join(', ')})`);
  const inputs = onnxInputs(proto);
  if (inputs.length !== 1 || inputs[0].name !== 'image') throw new Error(`${file}: not a depthstyle model (expects one input "image")`);
  const metadata = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const id = metadata.style ? `${metadata.style} (${file})` : file;
  const licence = metadata.licence ?? 'see the model’s metadata';
  return { model: { id, licence, build: (x) => importOnnx(proto, [x], 'model', file)[0] }, metadata };
}
