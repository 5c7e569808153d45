// depthstyle stylize IMAGE... --model M -o OUT
import { Runtime } from '../graph/index.js';
import { loadImage, saveImage } from '../io/image.js';
import { BASELINE_STYLES, johnsonBaselineNet, loadBaseline } from '../models/johnson.js';
import { ModelStore } from '../models/resolver.js';
import { Stylizer, type TransformModel } from '../stylize/stylize.js';
import { outputPaths, type CommonOptions } from './common.js';
import { Progress } from './progress.js';

export interface StylizeCommandOptions extends CommonOptions {
  images: string[];
  output: string;
  model: string;
  maxSize?: number;
}

export async function resolveTransformModel(spec: string, store: ModelStore): Promise<TransformModel> {
  const m = /^baseline:(.+)$/.exec(spec);
  if (m) {
    const ckpt = await loadBaseline(m[1], store);
    return { id: spec, licence: 'Johnson/Engstrom baseline (ml5): free for research use only', build: (x) => johnsonBaselineNet(x, ckpt, `baseline_${m[1]}`) };
  }
  throw new Error(`unknown model "${spec}": use baseline:${BASELINE_STYLES.join('|baseline:')}`);
}

export async function stylizeCommand(o: StylizeCommandOptions): Promise<number> {
  const model = await resolveTransformModel(o.model, new ModelStore(o.models));
  process.stderr.write(`model: ${model.id} — ${model.licence}\n`);
  const stylizer = new Stylizer(model, new Runtime({ threads: o.threads }));
  const outs = outputPaths(o.images, o.output, `-${o.model.replace(/[^a-z0-9_-]+/gi, '_')}`, '.jpg');
  const progress = new Progress('stylize', o.images.length);
  let failed = 0;
  for (let i = 0; i < o.images.length; i++) {
    try {
      const img = await loadImage(o.images[i], { maxSide: o.maxSize });
      await saveImage(outs[i], await stylizer.stylize(img));
    } catch (err) {
      failed++;
      process.stderr.write(`\ndepthstyle: ${(err as Error).message}\n`);
    }
    progress.update(i + 1);
  }
  if (!failed) process.stderr.write(`wrote ${outs.length === 1 ? outs[0] : `${outs.length} images to ${o.output}`}\n`);
  return failed ? 1 : 0;
}
