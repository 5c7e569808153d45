// depthstyle optimize CONTENT --style STYLE[,STYLE2…] -o OUT
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage, saveImage, type RgbImage } from '../io/image.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { OPTIMIZE_DEFAULTS, optimize, type OptimizeOptions } from '../optimize/optimize.js';
import { assertWritable } from '../io/atomic.js';
import { OUTPUT_IMAGE_FILE } from '../io/files.js';
import { interruptible, refuseInputsAsOutputs, type CommonOptions } from './common.js';
import { Progress } from './progress.js';
import { blendOf, common, inRange, int, list, lossOptions, lossValues, num, oneOf, required, seedOf, vggLayers, type Command } from './args.js';
import { PRESERVE_COLORS } from '../stylize/color.js';

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
  if (!OUTPUT_IMAGE_FILE.test(o.output)) throw new Error(`-o ${o.output}: give an image file name (.png, .jpg, .webp, .tif)`);
  refuseInputsAsOutputs([o.output], [o.content, ...o.styles, ...(o.init && !['content', 'noise'].includes(o.init) ? [o.init] : [])]);
  const store = new ModelStore(o.models);
  await assertWritable(o.output);
  // Only the output size is needed: decode shrunk (a 16000² photo stays small in memory).
  const side = o.size ?? OPTIMIZE_DEFAULTS.size;
  const content = await loadImage(o.content, { maxSide: side });
  const styles = await Promise.all(o.styles.map((s) => loadImage(s, { maxSide: Math.ceil(side * (o.styleScale ?? 1)) })));
  let init: OptimizeOptions['init'];
  if (o.init === undefined || o.init === 'content' || o.init === 'noise') init = o.init as 'content' | 'noise' | undefined;
  else init = await loadImage(o.init, { maxSide: side });
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  const depthWeight = o.depthWeight ?? OPTIMIZE_DEFAULTS.depthWeight;
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
      bar ??= new Progress('optimize', p.iterations, 0, process.stderr, 120);
      bar.update(p.iteration, p.losses, p.fraction);
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
  if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.stderr.write(
    `\nwrote ${o.output} (${r.image.width}×${r.image.height}, ${r.iterations} iterations, ${r.seconds.toFixed(1)} s${r.stopped ? ', stopped early' : ''})\n`,
  );
  if (o.saveEvery) process.stderr.write(`wrote frames every ${o.saveEvery} iterations to ${frames}${path.sep}\n`);
  return r.stopped ? 130 : 0;
}

const D = OPTIMIZE_DEFAULTS;
export const command: Command = {
  name: 'optimize',
  usage: 'CONTENT --style STYLE[,STYLE2...] -o OUT.jpg [options]',
  summary: "Gatys et al.: the image itself is optimized to match the style's Gram matrices and the photo's features (and, with --depth-weight, its depth)",
  options: {
    style: { type: 'string', short: 's', arg: 'STYLE[,...]', help: 'style image(s)' },
    output: { type: 'string', short: 'o', arg: 'OUT', help: 'an image file (.png, .jpg, .webp, .tif)' },
    size: { type: 'string', arg: 'N', help: `long side of the output, 16–8192 [${D.size}]` },
    iterations: { type: 'string', arg: 'N', help: `optimizer iterations [${D.iterations}]` },
    optimizer: { type: 'string', arg: 'lbfgs|adam', help: `[${D.optimizer}]` },
    lr: { type: 'string', arg: 'X', help: 'step size [lbfgs 1, adam 10]' },
    init: { type: 'string', arg: 'content|noise|FILE', help: '[content]' },
    ...lossOptions({
      content: String(D.contentWeight),
      style: String(D.styleWeight),
      tv: String(D.tvWeight),
      depth: D.depthWeight ? D.depthWeight.toExponential(0).replace('+', '') : "0: none; 4e4 is the dev split's opt-in, docs/splits.md",
      loss: D.depthLoss,
    }),
    'content-layers': { type: 'string', arg: 'L,...', help: `[${D.contentLayers.join(',')}]` },
    'style-layers': { type: 'string', arg: 'L,...', help: `[${D.styleLayers.join(',')}]` },
    'style-blend': { type: 'string', arg: 'W,...', help: 'weights of several styles [equal]' },
    'style-scale': { type: 'string', arg: 'X', help: 'style image size relative to the output [1]' },
    'preserve-color': {
      type: 'string',
      arg: 'none|luminance|histogram',
      help: "keep the photo's colours: luminance-only transfer, or the painting recoloured to the photo's colour mean and covariance before optimizing (both Gatys et al. 2016) [none]",
    },
    multiscale: { type: 'boolean', help: 'coarse-to-fine passes (1/4, 1/2, full size)' },
    'save-every': { type: 'string', arg: 'N', help: 'write numbered frames to OUT-frames/' },
    seed: { type: 'string', arg: 'N', help: `[${D.seed}]` },
    json: { type: 'boolean', help: 'print a machine-readable summary' },
  },
  run: async (v, positionals) => {
    if (positionals.length !== 1) throw new Error('optimize: give exactly one CONTENT image');
    return optimizeCommand({
      content: positionals[0],
      styles: list(required(v.style, '--style')) ?? [],
      output: required(v.output, '-o OUT'),
      size: inRange(int(v.size, 'size'), 'size', 16, 8192),
      iterations: int(v.iterations, 'iterations'),
      optimizer: oneOf(v.optimizer, ['lbfgs', 'adam'] as const, 'optimizer'),
      lr: num(v.lr, 'lr'),
      init: v.init as string | undefined,
      ...lossValues(v),
      contentLayers: vggLayers(v['content-layers'], 'content-layers'),
      styleLayers: vggLayers(v['style-layers'], 'style-layers'),
      styleBlend: blendOf(list(v['style-blend'])),
      styleScale: num(v['style-scale'], 'style-scale'),
      preserveColor: oneOf(v['preserve-color'], PRESERVE_COLORS, 'preserve-color'),
      multiscale: !!v.multiscale,
      saveEvery: int(v['save-every'], 'save-every'),
      seed: seedOf(v.seed),
      json: !!v.json,
      ...common(v),
    });
  },
};
