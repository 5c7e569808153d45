// depthstyle quantize MODEL -o MODEL.int8.onnx: the model's convolutions in int8 (ONNX Runtime's QLinearConv,
// per-channel weight scales), activation ranges calibrated on a few photos; `stylize --precision int8` runs it.
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { listImages } from '../io/files.js';
import { loadImage } from '../io/image.js';
import { ModelStore } from '../models/resolver.js';
import { transformOnnxBytes } from '../stylize/models.js';
import { quantizeModel, type QuantizedForm } from '../stylize/quantize.js';
import { transformModelFromOnnx } from '../stylize/onnx-model.js';
import { refuseInputsAsOutputs } from './common.js';
import { int8FileOf, modelFile, resolveModel } from '../models/model-spec.js';
import { common, inRange, int, oneOf, type Command } from './args.js';

export const command: Command = {
  name: 'quantize',
  usage: 'MODEL [-o MODEL.int8.onnx] [options]',
  summary: 'an int8 variant of a style model (QLinearConv, per-channel weights, calibrated on a few photos) for stylize --precision int8',
  options: {
    output: { type: 'string', short: 'o', arg: 'OUT.onnx', help: '[MODEL.int8.onnx beside MODEL.onnx]' },
    calibrate: { type: 'string', arg: 'DIR', help: 'photos to calibrate activation ranges on [../shared/images/train]' },
    photos: { type: 'string', arg: 'N', help: 'how many of them, 1–64 [8]' },
    size: { type: 'string', arg: 'N', help: 'long side they are run at, 64–2048 [384]' },
    form: {
      type: 'string',
      arg: 'qlinear|integer',
      help: 'qlinear: QLinearConv (fast); integer: ConvInteger with float output (more exact, much slower here) [qlinear]',
    },
    'all-convs': { type: 'boolean', help: 'quantize the first and last convolutions too (they read and write the image; float by default)' },
  },
  run: async (v, positionals) => {
    if (positionals.length !== 1) throw new Error('quantize: give one MODEL (.onnx, .ckpt or baseline:NAME)');
    const spec = positionals[0];
    const ref = resolveModel(spec);
    if (ref.kind === 'int8') throw new Error(`quantize: ${ref.file} is already an int8 model`);
    // MODEL.onnx → MODEL.int8.onnx beside it; a baseline or checkpoint needs -o.
    const out = (v.output as string | undefined) ?? int8FileOf(ref);
    if (!out) throw new Error(`quantize: give -o OUT.onnx for ${spec}`);
    if (!out.endsWith('.onnx')) throw new Error(`-o ${out}: the output must be a .onnx file`);
    refuseInputsAsOutputs([out], [modelFile(ref) ?? spec]);
    const { models, threads } = common(v);
    const n = inRange(int(v.photos, 'photos'), 'photos', 1, 64) ?? 8;
    const side = inRange(int(v.size, 'size'), 'size', 64, 2048) ?? 384;
    const form = oneOf(v.form, ['qlinear', 'integer'] as const, 'form') ?? ('qlinear' as QuantizedForm);
    const store = new ModelStore(models);
    const dir = (v.calibrate as string | undefined) ?? path.join(store.dir, '..', 'images', 'train');
    const files = (await listImages(dir)).slice(0, n);
    if (!files.length) throw new Error(`--calibrate ${dir}: no images there`);
    const bytes = await transformOnnxBytes(spec, store);
    // Only a style model is quantized: its checks (one "image" in, one RGB "stylized" out) before any work.
    transformModelFromOnnx(bytes, spec);
    // Multiples of 4 suit every architecture (the Engstrom one needs them).
    const photos = await Promise.all(
      files.map(async (f) => {
        const head = await loadImage(f, { maxSide: side });
        return loadImage(f, { size: [4 * Math.max(4, Math.round(head.width / 4)), 4 * Math.max(4, Math.round(head.height / 4))] });
      }),
    );
    process.stderr.write(`calibrating ${spec} on ${photos.length} photos from ${dir} at ${side} px…\n`);
    const q = await quantizeModel(bytes, spec, { photos, form, keepEnds: !v['all-convs'], threads });
    await writeFileAtomic(out, q);
    process.stderr.write(`wrote ${out} (${(q.length / 1e6).toFixed(1)} MB; fp32 ${(bytes.length / 1e6).toFixed(1)} MB)\n`);
    return 0;
  },
};
