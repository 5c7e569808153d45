// A stylization model exported by `depthstyle train` (the same file runs
// as-is in onnxruntime-node and onnxruntime-web; see test/train.test.ts).
// From bytes only: the page builds its models here too.
import { importOnnx, onnxInputs, readOnnx, unsupportedOnnxOps } from '../models/onnx-import.js';
import type { TransformModel } from './stylizer.js';

/**
 * A model file from `depthstyle train` as a TransformModel: imported into our
 * graph, so that it can be tiled with whole-image normalization statistics.
 */
export function transformModelFromOnnx(bytes: Uint8Array, file: string): { model: TransformModel; metadata: Record<string, string> } {
  if (!bytes.length) throw new Error(`${file}: empty file (0 bytes)`);
  const proto = readOnnx(bytes, file);
  const bad = unsupportedOnnxOps(proto);
  if (bad.length) throw new Error(`${file}: not a depthstyle transform model (ops ${bad.join(', ')})`);
  const inputs = onnxInputs(proto);
  if (inputs.length !== 1 || inputs[0].name !== 'image') throw new Error(`${file}: not a depthstyle model (expects one input "image")`);
  // A depth network (or any other image model) also takes one "image": the output tells a style model apart.
  const outputs = proto.graph?.output ?? [];
  const dims = outputs[0]?.type?.tensorType?.shape?.dim ?? [];
  const channels = dims[1]?.dimValue;
  if (outputs.length !== 1 || outputs[0].name !== 'stylized' || (channels !== undefined && channels !== null && Number(channels) !== 3))
    throw new Error(
      `${file}: not a style model (its output is ${outputs.map((o) => `"${o.name}"`).join(', ') || 'missing'}; a depthstyle model has one RGB output "stylized")`,
    );
  const metadata = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const id = metadata.style ? `${metadata.style} (${file})` : file;
  const licence = metadata.licence ?? 'see the model’s metadata';
  const sizeMultiple = Number(metadata.size_multiple) || undefined;
  return { model: { id, licence, sizeMultiple, pixelStrokes: true, build: (x) => importOnnx(proto, [x], 'model', file)[0] }, metadata };
}
