// depthstyle stylize IMAGE|DIR... --model M -o OUT
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import { loadImage, saveImage } from '../io/image.js';
import { writeRow } from '../io/montage.js';
import { DepthEstimator, loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import type { PreserveColor } from '../stylize/color.js';
import { loadTransformModel, loadTransformOnnx, resolveModelSpec } from '../stylize/models.js';
import { Stylizer, finishStylization, type TransformModel } from '../stylize/stylize.js';
import { eachInput, expandInputs, outputPaths, type CommonOptions } from './common.js';
import { BASELINE_STYLES } from '../models/johnson.js';
import { parseDepthStrength, type DepthStrength } from '../stylize/depth-strength.js';
import { atLeast, common, int, num, oneOf, required, type Command } from './args.js';
import { Int8Stylizer } from '../stylize/quantize.js';
import { int8PathOf } from './quantize.js';

export interface StylizeCommandOptions extends CommonOptions {
  images: string[];
  output: string;
  model: string;
  maxSize?: number;
  tile?: number;
  strength?: number;
  preserveColor?: PreserveColor;
  depthMap?: boolean;
  /** Strength following the photo's depth (near, far). */
  depthStrength?: DepthStrength;
  margin?: number;
  /** int8: run MODEL.int8.onnx from `depthstyle quantize` (fp32 by default: see the README for the measurement). */
  precision?: 'fp32' | 'int8';
}

export async function stylizeCommand(o: StylizeCommandOptions): Promise<number> {
  const images = await expandInputs(o.images);
  const spec = resolveModelSpec(o.model);
  const outs = outputPaths(images, o.output, `-${path.basename(o.model).replace(/\.onnx$/, '').replace(/[^a-z0-9_-]+/gi, '_')}`, '.jpg');
  const tile = o.tile ?? 1024;
  const strength = o.strength ?? 1;
  if (!(strength >= 0 && strength <= 1)) throw new Error(`--strength must be between 0 and 1, got ${strength}`);
  // (checked before any work; the blend checks again for library callers)
  return eachInput('stylize', images, async () => {
    const store = new ModelStore(o.models);
    const runtime = new Runtime({ threads: o.threads });
    let model: TransformModel | undefined;
    let int8: Int8Stylizer | undefined;
    if (o.precision === 'int8') {
      const file = spec.endsWith('.int8.onnx') ? spec : int8PathOf(spec);
      if (!file) throw new Error(`--precision int8 needs a quantized model: run depthstyle quantize ${o.model} -o MODEL.int8.onnx and pass that`);
      const bytes = await readFile(file).catch(() => {
        throw new Error(`${file}: no int8 model there; make it with depthstyle quantize ${o.model}`);
      });
      int8 = await Int8Stylizer.create(bytes, { threads: o.threads, margin: o.margin });
      process.stderr.write(`model: ${file} (int8)\n`);
    } else if (spec.endsWith('.onnx')) {
      const m = await loadTransformOnnx(spec);
      model = m.model;
      process.stderr.write(`model: ${spec}${m.metadata.style ? ` (style ${m.metadata.style}, ${m.metadata.steps} steps, depth weight ${m.metadata.depth_weight})` : ''}\n`);
    } else {
      model = await loadTransformModel(spec, store);
      process.stderr.write(`model: ${model.id} — ${model.licence}\n`);
    }
    const stylizer = model && new Stylizer(model, runtime, { margin: o.margin });
    const depthModel = o.depthMap || o.depthStrength ? await loadDepthModel('pydnet-v2', { store }) : undefined;
    const depth = o.depthMap ? new DepthEstimator(depthModel!, runtime) : undefined;
    return async (i) => {
      const img = await loadImage(images[i], { maxSide: o.maxSize });
      if (int8 && Math.max(img.width, img.height) > tile) throw new Error(`${images[i]}: ${img.width}×${img.height} is larger than one tile (${tile} px); int8 models run untiled — use --max-size ${tile} or fp32`);
      const raw = int8 ? await int8.stylize(img) : await stylizer!.stylizeLarge(img, { tile });
      const out = await finishStylization(raw, img, { strength, depthStrength: o.depthStrength, depthModel, preserveColor: o.preserveColor, runtime });
      await saveImage(outs[i], out);
      if (!depth) return [outs[i]];
      const [a, b] = [await depth.estimate(img), await depth.estimate(out)];
      const pic = (d: Float32Array) => colorizeDepth(normalizeDepth(d, depth.model.polarity), img.width, img.height);
      const file = outs[i].replace(/\.[^./\\]+$/, '') + '.depth.jpg';
      await writeRow(file, [img, pic(a), out, pic(b)]);
      return [outs[i], file];
    };
  });
}

export const command: Command = {
  name: 'stylize',
  usage: 'IMAGE|DIR... --model MODEL -o OUT [options]',
  summary: 'one pass of a trained network (any size, in tiles for large images)',
  options: {
    model: { type: 'string', short: 'm', arg: `NAME|MODEL.onnx|RUN.ckpt|baseline:${BASELINE_STYLES.join('|')}`, help: 'a zoo model (depthstyle models), a model from depthstyle train, a training checkpoint, or a Johnson/Engstrom baseline' },
    output: { type: 'string', short: 'o', arg: 'OUT', help: 'an image file (one input) or a folder' },
    'max-size': { type: 'string', arg: 'N', help: 'shrink inputs to at most N px on the long side first' },
    tile: { type: 'string', arg: 'N', help: 'tile size for large images, at least 64 [1024]' },
    strength: { type: 'string', arg: '0..1', help: 'blend toward the photo [1]' },
    'preserve-color': { type: 'string', arg: 'none|luminance|histogram', help: "keep the photo's colours [none]" },
    'depth-map': { type: 'boolean', help: 'also write OUT.depth.jpg: photo | its depth | result | its depth (PyDNet v2, near = warm)' },
    'depth-strength': { type: 'string', arg: 'NEAR,FAR', help: "strength that follows the photo's depth, e.g. 0.4,1: near things stay crisp, the background is painted fully (times --strength)" },
    margin: { type: 'string', arg: 'N', help: 'reflected border stylized and cropped away, against border artefacts; 0: none [16]' },
    precision: { type: 'string', arg: 'fp32|int8', help: 'int8 runs MODEL.int8.onnx from depthstyle quantize, untiled [fp32]' },
  },
  run: async (v, positionals) => {
    if (!positionals.length) throw new Error('stylize: give at least one IMAGE');
    return stylizeCommand({
      images: positionals,
      output: required(v.output, '-o OUT'),
      model: required(v.model, '--model'),
      maxSize: int(v['max-size'], 'max-size'),
      tile: atLeast(int(v.tile, 'tile'), 'tile', 64, 'smaller tiles leave the network too little context'),
      strength: num(v.strength, 'strength'),
      preserveColor: oneOf(v['preserve-color'], ['none', 'luminance', 'histogram'] as const, 'preserve-color'),
      depthMap: !!v['depth-map'],
      depthStrength: typeof v['depth-strength'] === 'string' ? parseDepthStrength(v['depth-strength']) : undefined,
      margin: num(v.margin, 'margin'),
      precision: oneOf(v.precision, ['fp32', 'int8'] as const, 'precision'),
      ...common(v),
    });
  },
};
