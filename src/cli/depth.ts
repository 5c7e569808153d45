// depthstyle depth IMAGE... -o OUT: colour-mapped depth maps (and 16-bit raw).
import { Runtime } from '../graph/index.js';
import { loadImage, saveImage, saveGray16 } from '../io/image.js';
import { colorizeDepth, normalizeDepth, type ColorMap } from '../io/colormap.js';
import { DepthEstimator, loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { besideOutput, eachInput, expandInputs, outputPaths, refuseInputsAsOutputs, type CommonOptions } from './common.js';
import { DEPTH_MODEL_NAMES, common, oneOf, required, type Command } from './args.js';

export interface DepthCommandOptions extends CommonOptions {
  images: string[];
  output: string;
  raw: boolean;
  depthModel: string;
  colormap: ColorMap;
  keepGoing?: boolean;
}

export async function depthCommand(o: DepthCommandOptions): Promise<number> {
  const images = await expandInputs(o.images);
  const outs = outputPaths(images, o.output, '-depth', '.png');
  const raws = outs.map((f) => besideOutput(f, '-raw16.png'));
  if (o.raw) refuseInputsAsOutputs(raws, images);
  return eachInput(
    'depth',
    images,
    async () => {
      const model = await loadDepthModel(o.depthModel, { store: new ModelStore(o.models) });
      process.stderr.write(`depth model: ${model.id} — ${model.licence}\n`);
      const est = new DepthEstimator(model, new Runtime({ threads: o.threads }));
      return async (i) => {
        const img = await loadImage(images[i]);
        const d = normalizeDepth(await est.estimate(img), model.polarity);
        await saveImage(outs[i], colorizeDepth(d, img.width, img.height, o.colormap));
        if (!o.raw) return [outs[i]];
        await saveGray16(raws[i], d, img.width, img.height);
        return [outs[i], raws[i]];
      };
    },
    { keepGoing: o.keepGoing },
  );
}

export const command: Command = {
  name: 'depth',
  usage: 'IMAGE|DIR... -o OUT [options]',
  summary: 'colour-mapped depth maps (near = warm); --raw adds 16-bit PNGs of normalized relative depth (larger = farther)',
  options: {
    output: { type: 'string', short: 'o', arg: 'OUT', help: 'an image file (one input) or a folder' },
    raw: { type: 'boolean', help: 'also write OUT-raw16.png' },
    'depth-model': { type: 'string', arg: DEPTH_MODEL_NAMES, help: '[pydnet-v2]' },
    colormap: { type: 'string', arg: 'turbo|viridis|gray', help: '[turbo]' },
    'keep-going': {
      type: 'boolean',
      help: 'when some inputs cannot be read, do the others (exit status 1, the bad ones listed); by default nothing is written',
    },
  },
  run: async (v, positionals) => {
    if (!positionals.length) throw new Error('depth: give at least one IMAGE');
    return depthCommand({
      images: positionals,
      output: required(v.output, '-o OUT'),
      raw: !!v.raw,
      depthModel: (v['depth-model'] as string | undefined) ?? 'pydnet-v2',
      colormap: oneOf(v.colormap, ['turbo', 'viridis', 'gray'] as const, 'colormap') ?? 'turbo',
      keepGoing: !!v['keep-going'],
      ...common(v),
    });
  },
};
