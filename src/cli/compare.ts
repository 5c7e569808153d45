// depthstyle compare IMAGE|DIR... --style STYLE -o report/ [--models M,...] [--optimize] [--stored NAME=PATTERN]
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage } from '../io/image.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { compare, type Method } from '../eval/report.js';
import { optimize } from '../stylize/optimize.js';
import { loadTransformModel } from '../stylize/models.js';
import { Stylizer } from '../stylize/stylize.js';
import { listImages } from '../train/data.js';
import type { CommonOptions } from './common.js';
import { Progress } from './progress.js';

export interface CompareCommandOptions extends Omit<CommonOptions, 'models'> {
  /** --models-dir: where model files are (the resolver's --models). */
  modelsDir?: string;
  images: string[];
  style?: string;
  output: string;
  models: string[];
  optimize: boolean;
  iterations: number;
  size: number;
  stored: string[];
  depthModel: string;
  commandLine: string;
}

export async function compareCommand(o: CompareCommandOptions): Promise<number> {
  const store = new ModelStore(o.modelsDir);
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  const depthModel = await loadDepthModel(o.depthModel, { store });
  const style = o.style ? await loadImage(o.style) : undefined;
  const images: string[] = [];
  for (const i of o.images) {
    const s = await stat(i).catch(() => undefined);
    if (!s) throw new Error(`${i}: no such file or folder`);
    images.push(...(s.isDirectory() ? await listImages(i) : [i]));
  }
  const methods: Method[] = [];
  for (const spec of o.models) {
    const model = await loadTransformModel(spec, store);
    const s = new Stylizer(model, runtime);
    methods.push({ name: spec.endsWith('.onnx') ? path.basename(spec, '.onnx') : spec, run: (photo) => s.stylizeLarge(photo) });
  }
  if (o.optimize) {
    if (!style) throw new Error('compare --optimize needs --style');
    for (const [name, depthWeight] of [['optimize (depth)', undefined], ['optimize (no depth)', 0]] as const) {
      methods.push({
        name,
        run: async (photo) => (await optimize({ content: photo, styles: [style], size: Math.max(photo.width, photo.height), iterations: o.iterations, depthWeight, vgg, depthModel, runtime })).image,
      });
    }
  }
  for (const s of o.stored) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) throw new Error(`--stored "${s}": expected NAME=PATTERN with {stem} for the photo's name (without a trailing _input)`);
    const [, name, pattern] = m;
    methods.push({
      name,
      run: async (_photo, file) => {
        const stem = path.basename(file).replace(/\.[^.]+$/, '').replace(/_input$/, '');
        // A relative pattern is looked up beside the photo.
        const filled = pattern.replace(/\{stem\}/g, stem);
        const candidates = [path.isAbsolute(filled) || filled.startsWith('.') ? filled : path.join(path.dirname(file), filled)];
        // Stored outputs may differ from the photo in extension case (.JPG / .jpg).
        candidates.push(candidates[0].replace(/\.jpg$/i, (e) => (e === '.jpg' ? '.JPG' : '.jpg')));
        for (const c of candidates) if (await stat(c).catch(() => undefined)) return loadImage(c);
        throw new Error(`--stored ${name}: no file ${candidates[0]}`);
      },
    });
  }
  if (!methods.length) throw new Error('compare: give at least one method (--models, --optimize or --stored)');
  const bar = new Progress('compare', images.length * methods.length);
  const r = await compare({ images, methods, style, size: o.size, out: o.output, depthModel, vgg, runtime, commandLine: o.commandLine, onProgress: (d) => bar.update(d) });
  process.stderr.write(`wrote ${r.html} and ${r.grid}\n`);
  return 0;
}
