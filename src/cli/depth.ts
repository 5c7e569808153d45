// depthstyle depth IMAGE... -o OUT: colour-mapped depth maps (and 16-bit raw).
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage, saveImage, saveGray16 } from '../io/image.js';
import { colorizeDepth, normalizeDepth, type ColorMap } from '../io/colormap.js';
import { DepthEstimator, loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { Progress } from './progress.js';
import { outputPaths, type CommonOptions } from './common.js';

export interface DepthCommandOptions extends CommonOptions {
  images: string[];
  output: string;
  raw: boolean;
  depthModel: string;
  colormap: ColorMap;
}

export async function depthCommand(o: DepthCommandOptions): Promise<number> {
  const model = await loadDepthModel(o.depthModel, { store: new ModelStore(o.models) });
  process.stderr.write(`depth model: ${model.id} — ${model.licence}\n`);
  const est = new DepthEstimator(model, new Runtime({ threads: o.threads }));
  const outs = outputPaths(o.images, o.output, '-depth', '.png');
  const progress = new Progress('depth', o.images.length);
  let failed = 0;
  for (let i = 0; i < o.images.length; i++) {
    try {
      const img = await loadImage(o.images[i]);
      const d = normalizeDepth(await est.estimate(img), model.polarity);
      await saveImage(outs[i], colorizeDepth(d, img.width, img.height, o.colormap));
      if (o.raw) await saveGray16(outs[i].replace(/\.png$/i, '') + '-raw16.png', d, img.width, img.height);
    } catch (err) {
      failed++;
      process.stderr.write(`\ndepthstyle: ${(err as Error).message}\n`);
    }
    progress.update(i + 1);
  }
  if (!failed) process.stderr.write(`wrote ${o.images.length === 1 ? outs[0] : path.dirname(outs[0]) + path.sep}\n`);
  return failed ? 1 : 0;
}
