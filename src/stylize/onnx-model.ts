// A stylization model exported by `depthstyle train`, run as-is by ONNX
// Runtime (the same file runs in onnxruntime-web).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { RgbImage } from '../io/image.js';

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
