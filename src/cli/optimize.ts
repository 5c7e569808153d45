// depthstyle optimize CONTENT --style STYLE[,STYLE2…] -o OUT
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage, saveImage, type RgbImage } from '../io/image.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { optimize, type OptimizeOptions } from '../stylize/optimize.js';
import { interruptible, type CommonOptions } from './common.js';
import { Progress } from './progress.js';

export interface OptimizeCommandOptions extends CommonOptions, Omit<OptimizeOptions, 'content' | 'styles' | 'init' | 'vgg' | 'depthModel' | 'runtime'> {
  content: string;
  styles: string[];
  output: string;
  init?: string;
  depthModelSpec?: string;
  depthLayers?: string[];
  saveEvery?: number;
  json?: boolean;
}

export async function optimizeCommand(o: OptimizeCommandOptions): Promise<number> {
  if (!/\.(png|jpe?g|webp|tiff?)$/i.test(o.output)) throw new Error(`-o ${o.output}: give an image file name (.png, .jpg, .webp, .tif)`);
  const store = new ModelStore(o.models);
  const content = await loadImage(o.content);
  const styles = await Promise.all(o.styles.map((s) => loadImage(s)));
  let init: OptimizeOptions['init'];
  if (o.init === undefined || o.init === 'content' || o.init === 'noise') init = o.init as 'content' | 'noise' | undefined;
  else init = await loadImage(o.init);
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  const depthWeight = o.depthWeight ?? undefined;
  const depthModel = depthWeight === 0 ? undefined : await loadDepthModel(o.depthModelSpec ?? 'pydnet-v2', { store, featureLayers: o.depthLayers });
  if (depthModel) process.stderr.write(`depth model: ${depthModel.id} — ${depthModel.licence}\n`);

  const interrupt = interruptible('writing the best image so far');
  let bar: Progress | undefined;
  const frames = path.join(path.dirname(o.output), `${path.basename(o.output).replace(/\.[^.]+$/, '')}-frames`);
  const ext = path.extname(o.output);
  const r = await optimize({
    ...o,
    content,
    styles,
    init,
    vgg,
    depthModel,
    runtime,
    signal: interrupt.signal,
    frameEvery: o.saveEvery,
    onFrame: o.saveEvery ? (it: number, img: RgbImage) => saveImage(path.join(frames, `${String(it).padStart(5, '0')}${ext}`), img) : undefined,
    onProgress: (p) => {
      bar ??= new Progress('optimize', p.iterations);
      bar.update(p.iteration, p.losses);
    },
  });
  interrupt.done();
  await saveImage(o.output, r.image);
  const summary = {
    output: o.output,
    width: r.image.width,
    height: r.image.height,
    iterations: r.iterations,
    seconds: +r.seconds.toFixed(2),
    stopped: r.stopped,
    losses: r.losses,
    settings: { ...o, styles: o.styles, models: store.dir },
  };
  if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.stderr.write(`\nwrote ${o.output} (${r.image.width}×${r.image.height}, ${r.iterations} iterations, ${r.seconds.toFixed(1)} s${r.stopped ? ', stopped early' : ''})\n`);
  return r.stopped ? 130 : 0;
}
